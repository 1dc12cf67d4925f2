"""Page property values: checked against the schema and rendered as the API returns them.

Input is the ``properties`` of POST /v1/pages or PATCH /v1/pages/{id}: keys are property
names or ids, values are ``{"<type>": value}`` (``"id"`` and ``"type"`` may ride along, so a
rendered value can be sent back unchanged). Title and rich_text also accept the bare array.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from notionhub.errors import ValidationFailed
from notionhub.localnotion.api.fields import fail, require_dict
from notionhub.localnotion.properties.rollup import compute_rollup
from notionhub.localnotion.properties.types.catalog import COMPUTED_TYPES
from notionhub.localnotion.properties.types.json_shapes import missing
from notionhub.localnotion.properties.types.lookup import find_property
from notionhub.localnotion.properties.types.values import (
    VALUE_NORMALIZERS,
    ValueContext,
    ValueState,
)

__all__ = ["NormalizedValues", "ValueContext", "empty_value", "normalize_property_values"]

_BARE_ARRAY_TYPES = frozenset({"title", "rich_text"})
_PASSENGER_KEYS = frozenset({"id", "type", "has_more"})


@dataclass
class NormalizedValues:
    """The outcome of normalising a request's property values."""

    values: dict[str, dict[str, Any]]  # name -> rendered property value (with "id" and "type")
    schema: dict[str, dict[str, Any]] | None  # a new schema if options were added, else None
    relation_changes: dict[str, list[str]]  # relation name -> the new list of related page ids


def normalize_property_values(
    schema: dict[str, dict[str, Any]], values: object, field: str, ctx: ValueContext
) -> NormalizedValues:
    """The rendered values of the client's ``properties``; ``ValidationFailed`` on any misfit."""
    given = require_dict(values, field)
    state = ValueState(ctx=ctx, schema=schema)
    rendered: dict[str, dict[str, Any]] = {}
    for key, raw in given.items():
        prop = find_property(schema, key)
        if prop is None:
            raise ValidationFailed(f"{key} is not a property that exists.")
        rendered[prop["name"]] = _value(prop, raw, f"{field}.{key}", state)
    return NormalizedValues(
        values=rendered,
        schema=state.schema if state.schema_changed else None,
        relation_changes=state.relation_changes,
    )


def _value(prop: dict[str, Any], raw: object, where: str, state: ValueState) -> dict[str, Any]:
    kind = prop["type"]
    if kind in COMPUTED_TYPES:
        raise ValidationFailed(
            f"{where}: {prop['name']} is a {kind} property, which Notion computes and "
            "cannot be set."
        )
    if isinstance(raw, list) and kind in _BARE_ARRAY_TYPES:
        inner: object = raw
    else:
        obj = require_dict(raw, where)
        other = [k for k in obj if k not in _PASSENGER_KEYS and k != kind]
        if obj.get("type", kind) != kind or other:
            raise ValidationFailed(f"{prop['name']} is expected to be {kind}.")
        if kind not in obj:
            raise missing(f"{where}.{kind}")
        inner = obj[kind]
    value = {
        "id": prop["id"],
        "type": kind,
        kind: VALUE_NORMALIZERS[kind](inner, f"{where}.{kind}", prop, state),
    }
    if kind == "relation":
        value["has_more"] = False
    return value


def _unique_id_empty(prop: dict[str, Any]) -> Any:
    return {"prefix": prop["unique_id"].get("prefix"), "number": None}


_EMPTY: dict[str, Callable[[dict[str, Any]], Any]] = {
    **{
        kind: lambda prop: []
        for kind in ("title", "rich_text", "multi_select", "people", "files", "relation")
    },
    **{
        kind: lambda prop: None
        for kind in (
            "number",
            "select",
            "status",
            "date",
            "url",
            "email",
            "phone_number",
            "created_time",
            "created_by",
            "last_edited_time",
            "last_edited_by",
        )
    },
    "checkbox": lambda prop: False,
    "formula": lambda prop: {"type": "string", "string": None},
    "rollup": lambda prop: compute_rollup(prop["rollup"], []),
    "unique_id": _unique_id_empty,
}


def empty_value(prop: dict[str, Any]) -> dict[str, Any]:
    """The rendered value of ``prop`` on a page that never set it.

    Computed types get placeholders (timestamps and users None, unique_id number None) that
    the store overwrites with the page's own data.
    """
    kind = prop["type"]
    if kind not in _EMPTY:
        raise fail("property.type", "a known property type", kind)
    value = {"id": prop["id"], "type": kind, kind: _EMPTY[kind](prop)}
    if kind == "relation":
        value["has_more"] = False
    return value
