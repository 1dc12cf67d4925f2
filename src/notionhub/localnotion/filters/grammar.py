"""The ``filter`` of ``POST /v1/data_sources/{id}/query``, compiled into a page predicate.

``compile_filter`` checks the whole filter against the data source's schema before any page is
read, so a bad filter fails with one ``ValidationFailed`` naming its path
(``body.filter.and[1].number.greater_than``), and a good one becomes a ``PageFilter`` whose
``matches`` only reads rendered pages.

Grammar (as Notion's API and its SDK types define it):

- ``None`` or ``{}`` matches every page;
- ``{"and": [...]}`` / ``{"or": [...]}`` hold property, timestamp or compound filters, and a
  compound inside a compound holds only property and timestamp filters (two levels at most);
  an empty list constrains nothing;
- ``{"property": <name or id>, "<type>": {<one operator>}}``, the key being the property's
  type (an optional ``"type"`` must repeat it);
- ``{"timestamp": "created_time"|"last_edited_time", "<same>": {<date operator>}}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import unquote

from notionhub.errors import ValidationFailed
from notionhub.localnotion.filters.conditions import ValueTest, compile_condition, fail
from notionhub.localnotion.filters.properties import PROPERTY_COMPILERS, PayloadTest
from notionhub.localnotion.filters.values import timestamp_span

FILTER_PATH = "body.filter"
MAX_COMPOUND_DEPTH = 2
MAX_COMPOUND_ITEMS = 100
"""Filters in one ``and``/``or`` list. Notion documents no figure of its own for it; 100 is the
limit it documents for request arrays (rich text, multi_select, relation, people, children).
With the nesting limit, a filter holds at most 10,000 conditions."""
_COMPOUNDS = ("and", "or")
_TIMESTAMPS = ("created_time", "last_edited_time")


class PageFilter(Protocol):
    """A compiled filter."""

    def matches(self, page: dict[str, Any]) -> bool:
        """Whether the rendered ``page`` passes the filter."""
        ...


@dataclass(frozen=True)
class MatchAll:
    """No filter: every page matches."""

    def matches(self, page: dict[str, Any]) -> bool:
        return True


@dataclass(frozen=True)
class AllOf:
    """``{"and": [...]}``."""

    parts: tuple[PageFilter, ...]

    def matches(self, page: dict[str, Any]) -> bool:
        return all(part.matches(page) for part in self.parts)


@dataclass(frozen=True)
class AnyOf:
    """``{"or": [...]}``; an empty list constrains nothing, like an empty filter group in Notion."""

    parts: tuple[PageFilter, ...]

    def matches(self, page: dict[str, Any]) -> bool:
        return not self.parts or any(part.matches(page) for part in self.parts)


@dataclass(frozen=True)
class PropertyMatch:
    """A condition on the page property called ``name`` of type ``type_``."""

    name: str
    type_: str
    test: PayloadTest

    def matches(self, page: dict[str, Any]) -> bool:
        value = (page.get("properties") or {}).get(self.name)
        return self.test(value.get(self.type_) if isinstance(value, dict) else None)


@dataclass(frozen=True)
class TimestampMatch:
    """A date condition on the page's own ``created_time`` or ``last_edited_time``."""

    field: str
    test: ValueTest

    def matches(self, page: dict[str, Any]) -> bool:
        return self.test(timestamp_span(page.get(self.field)))


def compile_filter(
    filter_json: object, schema: dict[str, dict[str, Any]], *, now: datetime
) -> PageFilter:
    """Check ``filter_json`` against ``schema`` and compile it; ``now`` anchors relative dates."""
    if filter_json is None or filter_json == {}:
        return MatchAll()
    return _Compiler(schema, now).node(filter_json, FILTER_PATH, 0)


def find_property(schema: dict[str, dict[str, Any]], reference: str) -> dict[str, Any] | None:
    """The schema property named ``reference``, or whose id it is (URL-encoded or not)."""
    if reference in schema:
        return schema[reference]
    decoded = unquote(reference)
    for prop in schema.values():
        prop_id = prop.get("id")
        if isinstance(prop_id, str) and (prop_id == reference or unquote(prop_id) == decoded):
            return prop
    return None


@dataclass(frozen=True)
class _Compiler:
    """Compiles filter nodes against one schema at one instant."""

    schema: dict[str, dict[str, Any]]
    now: datetime

    def node(self, node: object, path: str, depth: int) -> PageFilter:
        if not isinstance(node, dict):
            raise fail(path, "an object", node)
        compound = [key for key in _COMPOUNDS if key in node]
        if compound:
            return self.compound_filter(node, compound[0], path, depth)
        if "timestamp" in node:
            return self.timestamp_filter(node, path)
        if "property" in node:
            return self.property_filter(node, path)
        raise ValidationFailed(
            f"{path} should have one of `property`, `timestamp`, `and` or `or`, "
            f"instead had keys {sorted(node)}."
        )

    def compound_filter(self, node: dict[str, Any], key: str, path: str, depth: int) -> PageFilter:
        if len(node) != 1:
            others = sorted(set(node) - {key})
            raise ValidationFailed(
                f"{path} should have only the key `{key}`, instead also had {others}."
            )
        if depth >= MAX_COMPOUND_DEPTH:
            raise ValidationFailed(
                f"{path}.{key} is nested too deeply: compound filters can be nested "
                f"at most {MAX_COMPOUND_DEPTH} levels deep."
            )
        items = node[key]
        if not isinstance(items, list):
            raise fail(f"{path}.{key}", "an array", items)
        if len(items) > MAX_COMPOUND_ITEMS:
            limit, count = MAX_COMPOUND_ITEMS, len(items)
            raise ValidationFailed(
                f"{path}.{key}.length should be ≤ `{limit}`, instead was `{count}`."
            )
        parts = tuple(
            self.node(item, f"{path}.{key}[{index}]", depth + 1) for index, item in enumerate(items)
        )
        return AllOf(parts) if key == "and" else AnyOf(parts)

    def timestamp_filter(self, node: dict[str, Any], path: str) -> PageFilter:
        field = node["timestamp"]
        if field not in _TIMESTAMPS:
            raise fail(f"{path}.timestamp", "`created_time` or `last_edited_time`", field)
        key = _condition_key(node, path, "timestamp", field)
        test = compile_condition("date", node[key], f"{path}.{key}", self.now)
        return TimestampMatch(field, test)

    def property_filter(self, node: dict[str, Any], path: str) -> PageFilter:
        reference = node["property"]
        if not isinstance(reference, str):
            raise fail(f"{path}.property", "a string", reference)
        prop = find_property(self.schema, reference)
        if prop is None:
            raise ValidationFailed(f"Could not find property with name or id: {reference}")
        type_ = str(prop.get("type"))
        compiler = PROPERTY_COMPILERS.get(type_)
        if compiler is None:
            raise ValidationFailed(
                f"{path}: filtering on property {reference!r} of type {type_} is not supported."
            )
        key = _condition_key(node, path, "property", type_)
        test = compiler(node[key], f"{path}.{key}", self.now)
        return PropertyMatch(str(prop.get("name", reference)), type_, test)


def _condition_key(node: dict[str, Any], path: str, anchor: str, expected: str) -> str:
    """The key holding the condition, which must be ``expected`` (the property's type)."""
    if "type" in node and node["type"] != expected:
        raise fail(f"{path}.type", f'"{expected}"', node["type"])
    keys = sorted(set(node) - {anchor, "type"})
    if keys != [expected]:
        raise ValidationFailed(
            f"{path}.{expected} should be defined (the filter condition for a property of "
            f"type {expected}), instead {path} had keys {keys}."
        )
    return expected
