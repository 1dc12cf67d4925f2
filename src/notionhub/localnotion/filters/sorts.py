"""The ``sorts`` of ``POST /v1/data_sources/{id}/query``, compiled into a sorting function.

Each sort is ``{"property": <name or id>, "direction": ...}`` or ``{"timestamp":
"created_time"|"last_edited_time", "direction": ...}``; the first sort decides, later ones break
its ties, and pages still tied keep the order they were given in (the sort is stable). Empty
values go last whichever the direction, as in Notion. No sorts means newest created first,
which is the order Notion's API returns an unsorted query in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from notionhub.errors import ValidationFailed
from notionhub.localnotion.filters.conditions import fail
from notionhub.localnotion.filters.grammar import find_property
from notionhub.localnotion.filters.sort_keys import SORT_KEYS, timestamp_key

SORTS_PATH = "body.sorts"
_DIRECTIONS = ("ascending", "descending")
_TIMESTAMPS = ("created_time", "last_edited_time")

PageSorter = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]


@dataclass(frozen=True)
class _SortStep:
    """One sort: how to key a page (``None`` = empty), and which way."""

    key: Callable[[dict[str, Any]], Any]
    descending: bool


_DEFAULT_STEPS: tuple[_SortStep, ...] = (
    _SortStep(lambda page: timestamp_key(page.get("created_time"), {}), descending=True),
)


def compile_sorts(sorts_json: object, schema: dict[str, dict[str, Any]]) -> PageSorter:
    """Check ``sorts_json`` against ``schema`` and return a function sorting rendered pages."""
    if sorts_json is None or sorts_json == []:
        steps = _DEFAULT_STEPS
    elif not isinstance(sorts_json, list):
        raise fail(SORTS_PATH, "an array", sorts_json)
    else:
        steps = tuple(
            _compile_step(item, f"{SORTS_PATH}[{index}]", schema)
            for index, item in enumerate(sorts_json)
        )
    return lambda pages: _sort(pages, steps)


def _compile_step(item: object, path: str, schema: dict[str, dict[str, Any]]) -> _SortStep:
    if not isinstance(item, dict):
        raise fail(path, "an object", item)
    unknown = sorted(set(item) - {"property", "timestamp", "direction"})
    if unknown:
        raise ValidationFailed(f"{path}.{unknown[0]} should be not present.")
    direction = item.get("direction")
    if direction not in _DIRECTIONS:
        raise fail(f"{path}.direction", "`ascending` or `descending`", direction)
    descending = direction == "descending"
    if ("property" in item) == ("timestamp" in item):
        raise ValidationFailed(f"{path} should have exactly one of `property` or `timestamp`.")
    if "timestamp" in item:
        field = item["timestamp"]
        if field not in _TIMESTAMPS:
            raise fail(f"{path}.timestamp", "`created_time` or `last_edited_time`", field)
        return _SortStep(lambda page: timestamp_key(page.get(field), {}), descending)
    return _SortStep(_property_key(item["property"], path, schema), descending)


def _property_key(
    reference: object, path: str, schema: dict[str, dict[str, Any]]
) -> Callable[[dict[str, Any]], Any]:
    if not isinstance(reference, str):
        raise fail(f"{path}.property", "a string", reference)
    prop = find_property(schema, reference)
    if prop is None:
        raise ValidationFailed(f"Could not find sort property with name or id: {reference}")
    name, type_ = str(prop.get("name", reference)), str(prop.get("type"))
    key = SORT_KEYS.get(type_)

    def page_key(page: dict[str, Any]) -> Any:
        value = (page.get("properties") or {}).get(name)
        if key is None or not isinstance(value, dict):
            return None
        return key(value.get(type_), prop)

    return page_key


def _sort(pages: list[dict[str, Any]], steps: tuple[_SortStep, ...]) -> list[dict[str, Any]]:
    """Sort by ``steps``, least significant first; each pass is stable, so earlier steps win."""
    result = list(pages)
    for step in reversed(steps):
        keyed = [(step.key(page), page) for page in result]
        present = [pair for pair in keyed if pair[0] is not None]
        # reverse=True keeps equal keys in their current order, so descending stays stable.
        present.sort(key=lambda pair: pair[0], reverse=step.descending)
        result = [page for _, page in present] + [page for key, page in keyed if key is None]
    return result
