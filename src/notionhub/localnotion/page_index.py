"""The property index: which pages a filter can possibly match, read from SQLite.

The planner only ever narrows: the pages it returns are a superset of the matches, and the
filter engine then decides exactly. Text is indexed lower-cased, so a case-sensitive or a
case-insensitive comparison are both supersets of what SQL returns. Dates are indexed by the
start of the span the filter engine compares (epoch milliseconds); a span is at most one day
long, so date conditions widen by a day where the span's end matters.

The planner answers with SQL (``Selection``). For ``and``, it counts how many index rows each
condition has (counting reads a small part of the index), reads the rows of the smallest, and
checks every other condition with one look-up per row in the index by page, all in one
statement; ``or`` is a ``UNION``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from notionhub.localnotion.ids import is_id, parse_id
from notionhub.localnotion.query_dates import (
    DAY_MS,
    RELATIVE_RANGES,
    Span,
    parse_span,
    relative_span,
)
from notionhub.localnotion.query_filter_values import date_span
from notionhub.localnotion.rich_text import plain_text
from notionhub.localnotion.storage import IndexRow, Storage

_TEXT_TYPES = {"title", "rich_text", "email", "url", "phone_number"}
_SEARCHABLE = {"title"}
_LIKE_ESCAPE = " ESCAPE '\\'"


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _text_rows(prop_id: str, value: dict[str, Any], kind: str) -> list[IndexRow]:
    raw = value.get(kind)
    text = plain_text(raw) if isinstance(raw, list) else (raw or "")
    # Titles are what people search in: only they go to the substring index, which costs a
    # share of every write; other text types answer ``contains`` by reading their values.
    return [IndexRow(prop_id, text_value=text.lower(), searchable=kind in _SEARCHABLE)]


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


# Bump when index_rows changes what it stores: ensure_index then rebuilds the index.
INDEX_VERSION = "3"
_VERSION_KEY = "property_index_version"


def ensure_index(storage: Storage) -> bool:
    """Rebuild the property index if it was written by another ``INDEX_VERSION``.

    Returns whether it rebuilt. A new store has nothing to rebuild.
    """
    if storage.get_meta(_VERSION_KEY) == INDEX_VERSION:
        return False
    with storage.transaction():
        storage.clear_index()
        for ds_id in storage.ids_of_kind("data_source"):
            ds = storage.get(ds_id)
            if ds is None:
                continue
            schema: dict[str, dict[str, Any]] = ds.body["properties"]
            for page in storage.iter_pages_of(ds_id):
                storage.replace_index(ds_id, page.id, index_rows(schema, page.body["values"]))
        storage.set_meta(_VERSION_KEY, INDEX_VERSION)
    return True


@dataclass(frozen=True)
class _Leaf:
    """One condition the index can answer for one property.

    ``where``/``args`` select index rows of ``prop_id``; ``pieces``, when there are any, are the
    three-character pieces a substring condition needs, for the text search index.
    """

    prop_id: str
    where: str
    args: tuple[Any, ...]
    single: bool  # one index row per page: conditions on this property can share a row
    pieces: tuple[str, ...] = ()
    kind: str = ""  # the property's type


# A condition the index can answer: (SQL over text_value/number_value, its arguments).
Condition = tuple[str, tuple[Any, ...]]
_NUMBER_OPS = {
    "equals": "number_value = ?",
    "greater_than": "number_value > ?",
    "less_than": "number_value < ?",
    "greater_than_or_equal_to": "number_value >= ?",
    "less_than_or_equal_to": "number_value <= ?",
}
_SINGLE_VALUED = {*_TEXT_TYPES, "number", "unique_id", "checkbox", "select", "status", "date"}
_SUBSTRING_OPS = {"contains": "%{}%", "starts_with": "{}%", "ends_with": "%{}"}
_PIECE = 3  # the trigram tokenizer's piece length
_FIRST_COUNT_LIMIT = 512
_COUNT_ORDER = {**dict.fromkeys(_TEXT_TYPES, 0), "number": 2, "date": 2, "checkbox": 3}
_SMALL_ENOUGH = 1024  # index rows: below this, a condition leads a substring search


def _text_condition(op: str, arg: object) -> tuple[str, tuple[Any, ...], tuple[str, ...]] | None:
    if not isinstance(arg, str) or not arg:
        return None
    text = arg.lower()
    if op == "equals":
        return "text_value = ?", (text,), ()
    if op in _SUBSTRING_OPS:
        pattern = _SUBSTRING_OPS[op].format(_escape_like(text))
        # Text holding the argument holds each of its pieces: a superset for the search index.
        pieces = tuple(dict.fromkeys(text[i : i + _PIECE] for i in range(len(text) - _PIECE + 1)))
        where = "text_value IS NOT NULL AND text_value LIKE ?" + _LIKE_ESCAPE
        return where, (pattern,), pieces
    return None


def _date_condition(op: str, arg: object, now: datetime | None) -> Condition | None:
    """Index rows hold a span's start; a page's span is a millisecond or a day long."""
    target: Span | None
    if op in RELATIVE_RANGES:
        if now is None or arg != {}:
            return None
        target, op = relative_span(op, now), "equals"  # relative ranges test overlap
    else:
        target = parse_span(arg)
    if target is None:
        return None
    start, end, day = float(target.start), float(target.end), float(DAY_MS)
    conditions: dict[str, Condition] = {
        "equals": ("number_value > ? AND number_value < ?", (start - day, end)),
        "before": ("number_value < ?", (start,)),
        "after": ("number_value >= ?", (end,)),
        "on_or_before": ("number_value < ?", (end,)),
        "on_or_after": ("number_value > ?", (start - day,)),
    }
    return conditions.get(op)


def _condition(kind: str, op: str, arg: object, now: datetime | None) -> Condition | None:
    is_number = isinstance(arg, (int, float)) and not isinstance(arg, bool)
    if kind in ("number", "unique_id") and op in _NUMBER_OPS and is_number:
        return _NUMBER_OPS[op], (float(arg),)  # type: ignore[arg-type]
    if kind == "checkbox" and op == "equals" and isinstance(arg, bool):
        return "number_value = ?", (1.0 if arg else 0.0,)
    if kind == "date":
        return _date_condition(op, arg, now)
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


@dataclass(frozen=True)
class Selection:
    """A SQL ``SELECT`` of the column ``page_id`` (page ids, possibly repeated), and its args."""

    sql: str
    args: tuple[Any, ...]


def candidate_selection(
    storage: Storage,
    data_source_id: str,
    schema: dict[str, dict[str, Any]],
    filter_json: object,
    *,
    now: datetime | None = None,
) -> Selection | None:
    """The pages that may match ``filter_json`` as SQL, or ``None`` when the index cannot tell.

    ``now`` must be the instant the filter was compiled at; without it, relative date
    conditions (``past_week``, …) are left to the filter engine.
    """
    return _Planner(storage, data_source_id, schema, now).narrow(filter_json)


def candidate_pages(
    storage: Storage,
    data_source_id: str,
    schema: dict[str, dict[str, Any]],
    filter_json: object,
    *,
    now: datetime | None = None,
) -> set[str] | None:
    """Page ids that may match ``filter_json``, or ``None`` when the index cannot narrow it."""
    selection = candidate_selection(storage, data_source_id, schema, filter_json, now=now)
    return None if selection is None else storage.selected_pages(selection.sql, selection.args)


def all_pages(data_source_id: str) -> Selection:
    """Every page of a data source that is not in the trash."""
    return Selection(
        "SELECT id AS page_id FROM objects WHERE data_source_id = ? AND kind = 'page'"
        " AND in_trash = 0",
        (data_source_id,),
    )


@dataclass(frozen=True)
class _Planner:
    storage: Storage
    ds_id: str
    schema: dict[str, dict[str, Any]]
    now: datetime | None

    def narrow(self, node: object) -> Selection | None:
        if not isinstance(node, dict):
            return None
        if isinstance(node.get("and"), list):
            return self.narrow_and(node["and"])
        if isinstance(node.get("or"), list):
            parts = [self.narrow(child) for child in node["or"]]
            if not parts or any(p is None for p in parts):
                return None
            return _compound("UNION", [p for p in parts if p is not None])
        leaf = self.leaf(node)
        return None if leaf is None else self.select([leaf])

    def narrow_and(self, children: list[Any]) -> Selection | None:
        leaves = _merge_rows([leaf for child in children if (leaf := self.leaf(child))])
        if leaves:
            return self.select(leaves)
        nested = [
            part
            for child in children
            if isinstance(child, dict) and ("and" in child or "or" in child)
            if (part := self.narrow(child)) is not None
        ]
        return _compound("INTERSECT", nested) if nested else None

    def leaf(self, node: object) -> _Leaf | None:
        if not isinstance(node, dict) or "property" not in node:
            return None
        prop = _find_prop(self.schema, node["property"])
        if prop is None:
            return None
        kind = prop["type"]
        body = node.get(kind)
        if not isinstance(body, dict) or len(body) != 1:
            return None
        ((op, arg),) = body.items()
        single = kind in _SINGLE_VALUED
        if kind in _TEXT_TYPES:
            text = _text_condition(op, arg)
            if text is None:
                return None
            where, args, pieces = text
            searchable = self.storage.text_search and kind in _SEARCHABLE and len(pieces) > 0
            return _Leaf(prop["id"], where, args, single, pieces if searchable else (), kind)
        condition = _condition(kind, op, arg, self.now)
        if condition is None:
            return None
        return _Leaf(prop["id"], condition[0], condition[1], single, kind=kind)

    def count(self, leaf: _Leaf, limit: int) -> int:
        return self.storage.count_indexed(self.ds_id, leaf.prop_id, leaf.where, leaf.args, limit)

    def select(self, leaves: list[_Leaf]) -> Selection:
        """Read the rows of the smallest condition; each other one is a probe per row.

        A probe looks the page's row of that property up in the index by page, so its cost
        follows the rows read, not the size of the probed condition.
        """
        searches = [leaf for leaf in leaves if leaf.pieces]
        indexed = [leaf for leaf in leaves if not leaf.pieces]
        if len(indexed) == 1 and not searches:
            ordered = [(indexed[0], 0)]  # nothing to choose between: no need to count
        else:
            ordered = sorted(self.sizes(indexed), key=lambda item: item[1])
        # A substring search leads unless an index condition is already small.
        if searches and not (ordered and ordered[0][1] < _SMALL_ENOUGH):
            first, rest = searches[0], [leaf for leaf, _ in ordered] + searches[1:]
            sql = (
                "SELECT d.page_id AS page_id FROM property_text AS t"
                " JOIN property_index AS d ON d.rowid = t.rowid"
                " WHERE property_text MATCH ? AND d.data_source_id = ? AND d.prop_id = ?"
            )
            args: tuple[Any, ...] = (_match(first.pieces), self.ds_id, first.prop_id)
        else:
            first, rest = ordered[0][0], [leaf for leaf, _ in ordered[1:]] + searches
            sql = (
                "SELECT d.page_id AS page_id FROM property_index AS d"
                f" WHERE d.data_source_id = ? AND d.prop_id = ? AND ({first.where})"
            )
            args = (self.ds_id, first.prop_id, *first.args)
        for leaf in rest:
            # Inside the probe, text_value and number_value name the probed row's columns. A
            # page's rows all carry its data source, so the probe reads the index alone.
            sql += (
                " AND EXISTS (SELECT 1 FROM property_index AS p INDEXED BY property_index_by_page"
                f" WHERE p.page_id = d.page_id AND p.prop_id = ? AND ({leaf.where}))"
            )
            args += (leaf.prop_id, *leaf.args)
        return Selection(sql, args)

    def sizes(self, leaves: list[_Leaf]) -> list[tuple[_Leaf, int]]:
        """Each leaf with its number of index rows, or a lower bound of it for large ones.

        Counts stop at a limit that grows until one condition is under it; the others are
        then counted only as far as that one's size. A small condition next to a large one
        never pays for counting the large one in full.
        """
        # Likely small ones first: a condition on a property of many values, then ranges, then
        # a checkbox (two values: about half the pages).
        leaves = sorted(leaves, key=lambda leaf: _COUNT_ORDER.get(leaf.kind, 1))
        limit = _FIRST_COUNT_LIMIT
        while leaves:
            for index, leaf in enumerate(leaves):
                size = self.count(leaf, limit)
                if size < limit:
                    others = leaves[:index] + leaves[index + 1 :]
                    return [(leaf, size), *((o, self.count(o, size + 1)) for o in others)]
            limit *= 8
        return []


def _match(pieces: tuple[str, ...]) -> str:
    """An FTS5 query holding every piece (each quoted: one trigram token)."""
    return " AND ".join('"' + piece.replace('"', '""') + '"' for piece in pieces)


def _compound(operator: str, parts: list[Selection]) -> Selection:
    sql = f" {operator} ".join(f"SELECT page_id FROM ({part.sql})" for part in parts)
    return Selection(sql, tuple(arg for part in parts for arg in part.args))


def _merge_rows(leaves: list[_Leaf]) -> list[_Leaf]:
    """Join conditions on one single-valued property into one: they must hold on one row."""
    merged: dict[str, _Leaf] = {}
    others: list[_Leaf] = []
    for leaf in leaves:
        if not leaf.single or leaf.pieces:
            others.append(leaf)
            continue
        seen = merged.get(leaf.prop_id)
        merged[leaf.prop_id] = (
            leaf
            if seen is None
            else _Leaf(
                leaf.prop_id,
                f"({seen.where}) AND ({leaf.where})",
                seen.args + leaf.args,
                single=True,
                kind=leaf.kind,
            )
        )
    return [*merged.values(), *others]
