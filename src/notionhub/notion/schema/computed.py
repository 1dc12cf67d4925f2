"""Computed properties Notion fills itself; read, never written.

rollup, formula, created_time, last_edited_time, unique_id.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from notionhub.notion.schema.base import PropertySpec, ValueHint, expect, reader, register
from notionhub.notion.schema.dates import NotionDate, date_from_notion, parse_moment
from notionhub.notion.schema.number import whole

__all__ = ["CreatedTime", "Formula", "LastEditedTime", "Rollup", "UniqueId", "formula_references"]

_PROP_REF = re.compile(r'prop\(\s*"((?:[^"\\]|\\.)*)"\s*\)')
_ANY = ValueHint(Any, True)
_NOTION_DATE = ValueHint(NotionDate, True)


def formula_references(expression: str) -> tuple[str, ...]:
    """The property names ``prop("…")`` reads in a formula expression, in order, once each."""
    names = (re.sub(r"\\(.)", r"\1", m.group(1)) for m in _PROP_REF.finditer(expression))
    return tuple(dict.fromkeys(names))


def _typed_value(spec: PropertySpec, inner: Any, hint: ValueHint) -> Any:
    """The value of a ``{"type": kind, kind: value}`` result of a formula or rollup."""
    expect(isinstance(inner, dict) and "type" in inner, spec, "a typed result", inner)
    kind = inner["type"]
    value = inner.get(kind)
    if kind == "number":
        return None if value is None else whole(value)
    if kind in ("string", "boolean"):
        return value
    if kind == "date":
        return date_from_notion(value, hint)
    if kind == "array":
        return [_array_item(spec, item) for item in value or []]
    return None  # "unsupported", "incomplete": nothing a reader can use


def _array_item(spec: PropertySpec, item: Any) -> Any:
    expect(isinstance(item, dict) and "type" in item, spec, "an array of typed values", item)
    kind = item["type"]
    if kind in ("number", "string", "boolean", "date", "array", "formula", "rollup"):
        if kind in ("formula", "rollup"):
            return _typed_value(spec, item.get(kind), _NOTION_DATE)
        return _typed_value(spec, item, _NOTION_DATE)
    decoder = reader(kind)
    return item.get(kind) if decoder is None else decoder.decode(item.get(kind), _ANY)


@dataclass(frozen=True)
class _Computed(PropertySpec):
    writable = False


@register
@dataclass(frozen=True)
class Rollup(_Computed):
    """A rollup of ``target_property`` over the pages of the model's ``relation`` property.

    -> ``float | int | list | NotionDate | None`` depending on ``function``.
    """

    relation: str  # the Notion name of a Relation property of the same model
    target_property: str  # the Notion name of the property on the related database
    function: str = "show_original"

    type = "rollup"

    def config(self, data_source_ids: Mapping[str, str]) -> dict[str, Any] | None:
        return {
            "relation_property_name": self.relation,
            "rollup_property_name": self.target_property,
            "function": self.function,
        }

    def depends_on(self) -> tuple[str, ...]:
        return (self.relation,)

    def decode(self, inner: Any, hint: ValueHint) -> Any:
        return _typed_value(self, inner, hint)


@register
@dataclass(frozen=True)
class Formula(_Computed):
    """A formula -> ``str | float | int | bool | NotionDate | None`` by its result type."""

    expression: str

    type = "formula"

    def config(self, data_source_ids: Mapping[str, str]) -> dict[str, Any] | None:
        return {"expression": self.expression}

    def depends_on(self) -> tuple[str, ...]:
        return formula_references(self.expression)

    def decode(self, inner: Any, hint: ValueHint) -> Any:
        return _typed_value(self, inner, hint)


@dataclass(frozen=True)
class _Timestamp(_Computed):
    def decode(self, inner: Any, hint: ValueHint) -> Any:
        if inner is None:
            return None
        moment = parse_moment(inner)
        expect(isinstance(moment, datetime), self, "a datetime", inner)
        return moment


@register
@dataclass(frozen=True)
class CreatedTime(_Timestamp):
    """When the page was created -> ``datetime``."""

    type = "created_time"


@register
@dataclass(frozen=True)
class LastEditedTime(_Timestamp):
    """When the page was last edited -> ``datetime``."""

    type = "last_edited_time"


@register
@dataclass(frozen=True)
class UniqueId(_Computed):
    """Notion's auto-increment id -> ``"PREFIX-12"`` with a prefix, else the ``int``."""

    prefix: str | None = None

    type = "unique_id"

    def config(self, data_source_ids: Mapping[str, str]) -> dict[str, Any] | None:
        return {"prefix": self.prefix}

    def decode(self, inner: Any, hint: ValueHint) -> Any:
        expect(isinstance(inner, dict), self, "a unique id", inner)
        number = inner.get("number")
        if number is None:
            return None
        prefix = inner.get("prefix")
        return f"{prefix}-{number}" if prefix else number
