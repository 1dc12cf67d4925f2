"""The property index: which pages a filter can possibly match, read from SQLite.

The planner only ever narrows: the pages it returns are a superset of the matches, and the
filter engine then decides exactly. Text is indexed lower-cased, so a case-sensitive or a
case-insensitive comparison are both supersets of what SQL returns.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from notionhub.localnotion.ids import is_id, parse_id
from notionhub.localnotion.query_filter_values import date_span
from notionhub.localnotion.rich_text import plain_text
from notionhub.localnotion.storage import IndexRow, Storage

_TEXT_TYPES = {"title", "rich_text", "email", "url", "phone_number"}
_LIKE_ESCAPE = " ESCAPE '\\'"


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _text_rows(prop_id: str, value: dict[str, Any], kind: str) -> list[IndexRow]:
    raw = value.get(kind)
    text = plain_text(raw) if isinstance(raw, list) else (raw or "")
    return [IndexRow(prop_id, text_value=text.lower())]


def _number_rows(prop_id: str, value: dict[str, Any], kind: str) -> list[IndexRow]:
    number = value.get(kind)
    if kind == "unique_id":
        number = (number or {}).get("number")
    if kind == "checkbox":
        number = 1.0 if number else 0.0
    return [IndexRow(prop_id, number_value=float(number))] if number is not None else []


def _option_rows(prop_id: str, value: dict[str, Any], kind: str) -> list[IndexRow]:
    raw = value.get(kind)
    options = raw if isinstance(raw, list) else [raw] if raw else []
    return [IndexRow(prop_id, text_value=str(o["name"]).lower()) for o in options]


def _date_rows(prop_id: str, value: dict[str, Any], kind: str) -> list[IndexRow]:
    # The start of the span the filter engine compares (``date_span``), in epoch ms.
    span = date_span(value.get(kind))
    return [IndexRow(prop_id, number_value=float(span.start))] if span is not None else []


def _id_rows(prop_id: str, value: dict[str, Any], kind: str) -> list[IndexRow]:
    return [IndexRow(prop_id, text_value=str(item["id"])) for item in value.get(kind) or []]


_ROW_MAKERS: dict[str, Callable[[str, dict[str, Any], str], list[IndexRow]]] = {
    **dict.fromkeys(_TEXT_TYPES, _text_rows),
    "number": _number_rows,
    "checkbox": _number_rows,
    "unique_id": _number_rows,
    "select": _option_rows,
    "status": _option_rows,
    "multi_select": _option_rows,
    "relation": _id_rows,
    "people": _id_rows,
    "date": _date_rows,
}


def index_rows(schema: dict[str, dict[str, Any]], values: dict[str, Any]) -> list[IndexRow]:
    """The index rows of one page's stored values (by property id)."""
    rows: list[IndexRow] = []
    for prop in schema.values():
        maker = _ROW_MAKERS.get(prop["type"])
        value = values.get(prop["id"])
        if maker is None:
            continue
        if value is None or value.get("type") != prop["type"]:
            if prop["type"] == "checkbox":  # an unset checkbox is false and must be findable
                rows.append(IndexRow(prop["id"], number_value=0.0))
            continue
        rows.extend(maker(prop["id"], value, prop["type"]))
    return rows


# A condition the index can answer: (SQL over text_value/number_value, its arguments).
Condition = tuple[str, tuple[Any, ...]]
_NUMBER_OPS = {
    "equals": "number_value = ?",
    "greater_than": "number_value > ?",
    "less_than": "number_value < ?",
    "greater_than_or_equal_to": "number_value >= ?",
    "less_than_or_equal_to": "number_value <= ?",
}
_EQUALITY_OPS = {"equals", "contains"}


def _text_condition(op: str, arg: object) -> Condition | None:
    if not isinstance(arg, str) or not arg:
        return None
    text = arg.lower()
    if op == "equals":
        return "text_value = ?", (text,)
    patterns = {"contains": "%{}%", "starts_with": "{}%", "ends_with": "%{}"}
    if op in patterns:
        return "text_value LIKE ?" + _LIKE_ESCAPE, (patterns[op].format(_escape_like(text)),)
    return None


def _condition(kind: str, op: str, arg: object) -> Condition | None:
    if kind in _TEXT_TYPES:
        return _text_condition(op, arg)
    is_number = isinstance(arg, (int, float)) and not isinstance(arg, bool)
    if kind in ("number", "unique_id") and op in _NUMBER_OPS and is_number:
        return _NUMBER_OPS[op], (float(arg),)  # type: ignore[arg-type]
    if kind == "checkbox" and op == "equals" and isinstance(arg, bool):
        return "number_value = ?", (1.0 if arg else 0.0,)
    if kind in ("select", "status") and op == "equals" and isinstance(arg, str) and arg:
        return "text_value = ?", (arg.lower(),)
    if kind == "multi_select" and op == "contains" and isinstance(arg, str) and arg:
        return "text_value = ?", (arg.lower(),)
    if kind in ("relation", "people") and op == "contains" and is_id(arg):
        return "text_value = ?", (parse_id(arg, "filter"),)
    return None


def _find_prop(schema: dict[str, dict[str, Any]], ref: object) -> dict[str, Any] | None:
    if not isinstance(ref, str):
        return None
    return schema.get(ref) or next((p for p in schema.values() if p["id"] == ref), None)


def candidate_pages(
    storage: Storage, data_source_id: str, schema: dict[str, dict[str, Any]], filter_json: object
) -> set[str] | None:
    """Page ids that may match ``filter_json``, or ``None`` when the index cannot narrow it."""
    return _narrow(storage, data_source_id, schema, filter_json)


def _narrow(
    storage: Storage, ds_id: str, schema: dict[str, dict[str, Any]], node: object
) -> set[str] | None:
    if not isinstance(node, dict):
        return None
    if isinstance(node.get("and"), list):
        return _narrow_and(storage, ds_id, schema, node["and"])
    if isinstance(node.get("or"), list):
        parts = [_narrow(storage, ds_id, schema, child) for child in node["or"]]
        if not parts or any(p is None for p in parts):
            return None
        return set().union(*[p for p in parts if p is not None])
    leaf = _leaf_condition(schema, node)
    if leaf is None:
        return None
    prop_id, (where, args), _ = leaf
    return storage.indexed_pages(ds_id, prop_id, where, args)


def _narrow_and(
    storage: Storage, ds_id: str, schema: dict[str, dict[str, Any]], children: list[Any]
) -> set[str] | None:
    # Equality conditions are usually far more selective than ranges: when there are some,
    # intersect only them and let the filter engine check the rest on few pages.
    leaves = [_leaf_condition(schema, child) for child in children]
    usable = [leaf for leaf in leaves if leaf is not None]
    equality = [leaf for leaf in usable if leaf[2]]
    chosen = equality or usable
    result: set[str] | None = None
    for prop_id, (where, args), _ in chosen:
        found = storage.indexed_pages(ds_id, prop_id, where, args)
        result = found if result is None else result & found
        if not result:
            return result
    if result is None:
        for child in children:
            if isinstance(child, dict) and ("and" in child or "or" in child):
                nested = _narrow(storage, ds_id, schema, child)
                if nested is not None:
                    result = nested if result is None else result & nested
    return result


def _leaf_condition(
    schema: dict[str, dict[str, Any]], node: object
) -> tuple[str, Condition, bool] | None:
    if not isinstance(node, dict) or "property" not in node:
        return None
    prop = _find_prop(schema, node["property"])
    if prop is None:
        return None
    body = node.get(prop["type"])
    if not isinstance(body, dict) or len(body) != 1:
        return None
    ((op, arg),) = body.items()
    condition = _condition(prop["type"], op, arg)
    if condition is None:
        return None
    return prop["id"], condition, op in _EQUALITY_OPS
