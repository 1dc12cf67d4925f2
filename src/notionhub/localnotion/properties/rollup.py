"""Rollup values: one function of the related pages' values of a property.

``related_values`` are the rolled-up property's rendered values, one per related page. Each
value is first reduced to its *atoms* (the individual values a reader sees: the tags of a
multi_select, the text of a title, the people of a people property...), which is what Notion
counts for count_values, unique and empty.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Hashable
from typing import Any

from notionhub.localnotion.properties.types.dates import Moment, moment_of, sort_key
from notionhub.localnotion.rich_text.items import plain_text

Value = dict[str, Any]
_MOMENT_TYPES = frozenset({"date", "created_time", "last_edited_time"})


def _inner(value: Value) -> tuple[str, Any]:
    kind = str(value.get("type"))
    return kind, value.get(kind)


def _text_atoms(inner: Any) -> list[Hashable]:
    return [inner] if inner else []


def _date_atoms(inner: Any) -> list[Hashable]:
    return [] if not inner else [(inner.get("start"), inner.get("end"))]


def _nested_atoms(inner: Any) -> list[Hashable]:
    """Atoms of a formula or rollup result, which is itself a typed value."""
    if not isinstance(inner, dict):
        return []
    if inner.get("type") == "array":
        return [atom for item in inner.get("array") or [] for atom in atoms(item)]
    return atoms(inner)


_ATOMS: dict[str, Callable[[Any], list[Hashable]]] = {
    "title": lambda inner: _text_atoms(plain_text(inner or [])),
    "rich_text": lambda inner: _text_atoms(plain_text(inner or [])),
    "number": lambda inner: [] if inner is None else [inner],
    "select": lambda inner: [] if inner is None else [inner["name"]],
    "status": lambda inner: [] if inner is None else [inner["name"]],
    "multi_select": lambda inner: [o["name"] for o in inner or []],
    "date": _date_atoms,
    "people": lambda inner: [u["id"] for u in inner or []],
    "relation": lambda inner: [r["id"] for r in inner or []],
    "files": lambda inner: [f.get("name") for f in inner or []],
    "checkbox": lambda inner: [True] if inner else [],
    "boolean": lambda inner: [True] if inner else [],
    "url": _text_atoms,
    "email": _text_atoms,
    "phone_number": _text_atoms,
    "string": _text_atoms,
    "created_time": _text_atoms,
    "last_edited_time": _text_atoms,
    "created_by": lambda inner: [inner["id"]] if inner else [],
    "last_edited_by": lambda inner: [inner["id"]] if inner else [],
    "unique_id": lambda inner: (
        [] if not inner or inner.get("number") is None else [(inner.get("prefix"), inner["number"])]
    ),
    "formula": _nested_atoms,
    "rollup": _nested_atoms,
}


def atoms(value: Value) -> list[Hashable]:
    """The individual values a rendered property value holds; empty for an empty value."""
    kind, inner = _inner(value)
    reduce = _ATOMS.get(kind)
    return [] if reduce is None else reduce(inner)


def _scalar(value: Value) -> tuple[str, Any]:
    """The type and payload of a value, looking through formula and single-valued rollups."""
    kind, inner = _inner(value)
    if kind in ("formula", "rollup") and isinstance(inner, dict):
        return _scalar(inner)
    return kind, inner


def _numbers(values: list[Value]) -> list[int | float]:
    found: list[int | float] = []
    for value in values:
        kind, inner = _scalar(value)
        if kind == "number" and inner is not None:
            found.append(inner)
    return found


def _moments(values: list[Value], *, use_end: bool) -> list[tuple[Moment, str]]:
    """Each value's start (or end, when ``use_end`` and it has one) with its text."""
    found: list[tuple[Moment, str]] = []
    for value in values:
        kind, inner = _scalar(value)
        if kind not in _MOMENT_TYPES or not inner:
            continue
        text = inner if isinstance(inner, str) else (use_end and inner.get("end")) or inner["start"]
        moment = moment_of(text)
        if moment is not None:
            found.append((moment, text))
    return found


def _checks(values: list[Value]) -> list[bool]:
    found: list[bool] = []
    for value in values:
        kind, inner = _scalar(value)
        if kind in ("checkbox", "boolean"):
            found.append(bool(inner))
    return found


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0


def _number_result(number: int | float | None) -> Value:
    return {"type": "number", "number": number}


def _date_result(start: str | None, end: str | None = None) -> Value:
    if start is None:
        return {"type": "date", "date": None}
    return {"type": "date", "date": {"start": start, "end": end, "time_zone": None}}


def _earliest(values: list[Value]) -> str | None:
    found = _moments(values, use_end=False)
    return min(found, key=lambda m: sort_key(m[0]))[1] if found else None


def _latest(values: list[Value]) -> str | None:
    found = _moments(values, use_end=True)
    return max(found, key=lambda m: sort_key(m[0]))[1] if found else None


def _date_range(values: list[Value]) -> Value:
    start = _earliest(values)
    return _date_result(start, _latest(values) if start is not None else None)


def _empties(values: list[Value]) -> int:
    return sum(1 for v in values if not atoms(v))


def _unique_values(values: list[Value]) -> list[Value]:
    seen: set[tuple[Hashable, ...]] = set()
    unique: list[Value] = []
    for value in values:
        key = tuple(atoms(value))
        if key and key not in seen:
            seen.add(key)
            unique.append(value)
    return unique


def _array(values: list[Value]) -> Value:
    return {"type": "array", "array": [{k: v for k, v in x.items() if k != "id"} for x in values]}


def _on_numbers(
    reduce: Callable[[list[int | float]], int | float],
) -> Callable[[list[Value]], Value]:
    def compute(values: list[Value]) -> Value:
        numbers = _numbers(values)
        return _number_result(reduce(numbers) if numbers else None)

    return compute


ROLLUP_FUNCTIONS: dict[str, Callable[[list[Value]], Value]] = {
    "count": lambda vs: _number_result(len(vs)),
    "count_values": lambda vs: _number_result(sum(len(atoms(v)) for v in vs)),
    "empty": lambda vs: _number_result(_empties(vs)),
    "not_empty": lambda vs: _number_result(len(vs) - _empties(vs)),
    "unique": lambda vs: _number_result(len({a for v in vs for a in atoms(v)})),
    "show_unique": lambda vs: _array(_unique_values(vs)),
    "percent_empty": lambda vs: _number_result(_share(_empties(vs), len(vs))),
    "percent_not_empty": lambda vs: _number_result(_share(len(vs) - _empties(vs), len(vs))),
    "sum": lambda vs: _number_result(sum(_numbers(vs))),
    "average": _on_numbers(statistics.fmean),
    "median": _on_numbers(statistics.median),
    "min": _on_numbers(min),
    "max": _on_numbers(max),
    "range": _on_numbers(lambda ns: max(ns) - min(ns)),
    "earliest_date": lambda vs: _date_result(_earliest(vs)),
    "latest_date": lambda vs: _date_result(_latest(vs)),
    "date_range": _date_range,
    "checked": lambda vs: _number_result(sum(_checks(vs))),
    "unchecked": lambda vs: _number_result(len(_checks(vs)) - sum(_checks(vs))),
    "percent_checked": lambda vs: _number_result(_share(sum(_checks(vs)), len(_checks(vs)))),
    "percent_unchecked": lambda vs: _number_result(
        _share(len(_checks(vs)) - sum(_checks(vs)), len(_checks(vs)))
    ),
    "show_original": _array,
}


def compute_rollup(config: dict[str, Any], related_values: list[dict[str, Any]]) -> dict[str, Any]:
    """The rendered rollup value (``{"type", <type>, "function"}``) of ``config["function"]``.

    Functions the API cannot show (count_per_group, percent_per_group) answer
    ``{"type": "unsupported"}``, as Notion does for rollups it cannot represent.
    """
    function = str(config.get("function", "show_original"))
    compute = ROLLUP_FUNCTIONS.get(function)
    result = (
        {"type": "unsupported", "unsupported": {}} if compute is None else compute(related_values)
    )
    return {**result, "function": function}
