"""The property index: which pages a filter matches, read from SQLite.

``index_rows`` says what a page puts in the index (stored by ``index.queries``); the conditions
the index answers are in ``index.conditions``. The planner answers with SQL (``Selection``):

- ``candidate_selection`` only narrows: the pages it returns are a superset of the matches,
  and the filter engine then decides exactly;
- ``exact_selection`` answers only when every condition of the filter is exact in SQL, and
  then returns exactly the matching pages (trashed ones included: the caller decides).

For ``and``, the planner counts how many index rows each condition has (counting reads a small
part of the index), reads the rows of the smallest, and checks every other condition with one
look-up per row in the index by page, all in one statement; ``or`` is a ``UNION``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from notionhub.localnotion.filters.values import date_span
from notionhub.localnotion.index import queries as index_queries
from notionhub.localnotion.index.conditions import SEARCHABLE, TEXT_TYPES, Leaf, leaf_of
from notionhub.localnotion.index.queries import IndexRow
from notionhub.localnotion.rich_text.items import plain_text
from notionhub.localnotion.storage.store import Storage


def _text_rows(prop_id: str, value: dict[str, Any], kind: str) -> list[IndexRow]:
    raw = value.get(kind)
    text = plain_text(raw) if isinstance(raw, list) else (raw or "")
    # Titles are what people search in: only they go to the substring index, which costs a
    # share of every write; other text types answer ``contains`` by reading their values.
    return [IndexRow(prop_id, text_value=text.lower(), searchable=kind in SEARCHABLE)]


def _number_rows(prop_id: str, value: dict[str, Any], kind: str) -> list[IndexRow]:
    number = value.get(kind)
    if kind == "unique_id":
        number = (number or {}).get("number")
    return [IndexRow(prop_id, number_value=float(number))] if number is not None else []


def _checkbox_rows(prop_id: str, value: dict[str, Any], kind: str) -> list[IndexRow]:
    # Only checked boxes: "unchecked" is having no row, which also covers pages written
    # before the property existed (they read as unchecked too).
    return [IndexRow(prop_id, number_value=1.0)] if value.get(kind) is True else []


def _option_rows(prop_id: str, value: dict[str, Any], kind: str) -> list[IndexRow]:
    raw = value.get(kind)
    options = raw if isinstance(raw, list) else [raw] if raw else []
    return [IndexRow(prop_id, text_value=str(o["name"])) for o in options]


def _date_rows(prop_id: str, value: dict[str, Any], kind: str) -> list[IndexRow]:
    # The start of the span the filter engine compares (``date_span``), in epoch ms.
    span = date_span(value.get(kind))
    return [IndexRow(prop_id, number_value=float(span.start))] if span is not None else []


def _id_rows(prop_id: str, value: dict[str, Any], kind: str) -> list[IndexRow]:
    return [IndexRow(prop_id, text_value=str(item["id"])) for item in value.get(kind) or []]


_ROW_MAKERS: dict[str, Callable[[str, dict[str, Any], str], list[IndexRow]]] = {
    **dict.fromkeys(TEXT_TYPES, _text_rows),
    "number": _number_rows,
    "checkbox": _checkbox_rows,
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
        if maker is None or value is None or value.get("type") != prop["type"]:
            continue
        rows.extend(maker(prop["id"], value, prop["type"]))
    return rows


# Bump when index_rows changes what it stores: ensure_index then rebuilds the index.
INDEX_VERSION = "4"
_VERSION_KEY = "property_index_version"


def ensure_index(storage: Storage) -> bool:
    """Rebuild the property index if it was written by another ``INDEX_VERSION``.

    Returns whether it rebuilt. A new store has nothing to rebuild.
    """
    if storage.get_meta(_VERSION_KEY) == INDEX_VERSION:
        return False
    with storage.transaction():
        index_queries.clear(storage)
        for ds_id in storage.ids_of_kind("data_source"):
            ds = storage.get(ds_id)
            if ds is None:
                continue
            schema: dict[str, dict[str, Any]] = ds.body["properties"]
            for page in storage.iter_pages_of(ds_id):
                rows = index_rows(schema, page.body["values"])
                index_queries.replace_rows(storage, ds_id, page.id, rows, new=True)
        storage.set_meta(_VERSION_KEY, INDEX_VERSION)
    return True


@dataclass(frozen=True)
class Selection:
    """A SQL ``SELECT`` of the column ``page_id``, and its args: ids of pages of the data
    source it was planned for (trashed ones too), possibly repeated.

    ``everything``: it selects every page of the data source (no condition narrowed it);
    ``lead_rows``: how many index rows it starts from, counted up to ``BROAD`` (None: unknown).
    """

    sql: str
    args: tuple[Any, ...]
    everything: bool = False
    lead_rows: int | None = None


BROAD = 4096  # index rows: a selection that starts from this many is broad


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
    if _conditions(filter_json) > MAX_PLANNED_CONDITIONS:
        return None
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
    if selection is None:
        return None
    return index_queries.selected_pages(storage, selection.sql, selection.args)


def exact_selection(
    storage: Storage,
    data_source_id: str,
    schema: dict[str, dict[str, Any]],
    filter_json: object,
    *,
    now: datetime,
) -> Selection | None:
    """Exactly the pages (trashed or not) that match a valid, compiled ``filter_json``.

    ``None`` when some condition has no exact SQL form (formulas, people, …).
    """
    if filter_json is None:
        return all_pages(data_source_id)
    if _conditions(filter_json) > MAX_PLANNED_CONDITIONS:
        return None
    return _Planner(storage, data_source_id, schema, now).exact(filter_json)


MAX_PLANNED_CONDITIONS = 100
"""Conditions a filter may hold for the index to answer it. A valid filter can hold 10,000
(``filters.grammar.MAX_COMPOUND_ITEMS`` per list, two levels), and SQL for that many passes
SQLite's limits (500 terms of a ``UNION``, expression depth 1000, 32,766 variables): a 500.
Past this budget the filter engine reads every page instead, which answers the same."""


def _conditions(node: object) -> int:
    """How many property and timestamp conditions a filter holds."""
    if not isinstance(node, dict):
        return 0
    for key in ("and", "or"):
        if isinstance(node.get(key), list):
            return sum(_conditions(child) for child in node[key])
    return 1


def all_pages(data_source_id: str) -> Selection:
    """Every page of a data source, trashed ones included."""
    return Selection(
        "SELECT d.id AS page_id FROM objects AS d WHERE d.data_source_id = ? AND d.kind = 'page'",
        (data_source_id,),
        everything=True,
    )


_FIRST_COUNT_LIMIT = 512
_COUNT_ORDER = {**dict.fromkeys(TEXT_TYPES, 0), "number": 2, "date": 2, "checkbox": 3}
_SMALL_ENOUGH = 1024  # index rows: below this, a condition leads a substring search


@dataclass(frozen=True)
class _Planner:
    storage: Storage
    ds_id: str
    schema: dict[str, dict[str, Any]]
    now: datetime | None

    def leaf(self, node: object) -> Leaf | None:
        return leaf_of(node, self.schema, self.now, self.storage.text_search)

    # -- narrowing (a superset) ------------------------------------------------------------

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
        return None if leaf is None or leaf.negated else self.select([leaf], [])

    def narrow_and(self, children: list[Any]) -> Selection | None:
        leaves = [leaf for child in children if (leaf := self.leaf(child))]
        if any(not leaf.negated for leaf in leaves):
            return self.select(leaves, [])
        nested = [
            part
            for child in children
            if isinstance(child, dict) and ("and" in child or "or" in child)
            if (part := self.narrow(child)) is not None
        ]
        return _compound("INTERSECT", nested) if nested else None

    # -- exact -----------------------------------------------------------------------------

    def exact(self, node: object) -> Selection | None:
        if not isinstance(node, dict):
            return None
        if not node:
            return all_pages(self.ds_id)
        if isinstance(node.get("and"), list):
            return self.exact_and(node["and"])
        if isinstance(node.get("or"), list):
            parts = [self.exact(child) for child in node["or"]]
            if not parts or any(p is not None and p.everything for p in parts):
                return all_pages(self.ds_id)  # an empty group, or one part matches everything
            if any(p is None for p in parts):
                return None
            return _compound("UNION", [p for p in parts if p is not None])
        leaf = self.leaf(node)
        return None if leaf is None or not leaf.exact else self.select([leaf], [])

    def exact_and(self, children: list[Any]) -> Selection | None:
        leaves: list[Leaf] = []
        nested: list[Selection] = []
        for child in children:
            if isinstance(child, dict) and ("and" in child or "or" in child):
                part = self.exact(child)
                if part is None:
                    return None
                if not part.everything:
                    nested.append(part)
                continue
            leaf = self.leaf(child)
            if leaf is None or not leaf.exact:
                return None
            leaves.append(leaf)
        if not leaves and not nested:
            return all_pages(self.ds_id)
        if not leaves and len(nested) == 1:
            return nested[0]
        return self.select(leaves, nested)

    # -- SQL -------------------------------------------------------------------------------

    def count(self, leaf: Leaf, limit: int) -> int:
        return index_queries.count_rows(
            self.storage, self.ds_id, leaf.prop_id, leaf.where, leaf.args, limit
        )

    def select(self, leaves: list[Leaf], nested: list[Selection]) -> Selection:
        """Read the rows of the smallest condition; each other one is a probe per row.

        A probe looks the page's row of that property up in the index by page, so its cost
        follows the rows read, not the size of the probed condition. Negated conditions are
        probes only; with nothing else to lead, every page of the data source is read.
        """
        leaves = _merge_rows(leaves)
        positive = [leaf for leaf in leaves if not leaf.negated]
        probes = [leaf for leaf in leaves if leaf.negated]
        searches = [leaf for leaf in positive if leaf.pieces]
        indexed = [leaf for leaf in positive if not leaf.pieces]
        if len(indexed) == 1 and not searches:
            # Nothing to choose between; counted (cheaply, to a limit) to tell broad ones.
            ordered = [(indexed[0], self.count(indexed[0], BROAD))]
        else:
            ordered = sorted(self.sizes(indexed), key=lambda item: item[1])
        page = "d.page_id"
        lead_rows: int | None = None
        if not positive:
            lead = all_pages(self.ds_id)
            sql, args, page, lead_rows = lead.sql, lead.args, "d.id", BROAD
        # A substring search leads unless an index condition is already small.
        elif searches and not (ordered and ordered[0][1] < _SMALL_ENOUGH):
            first = searches[0]
            probes += [leaf for leaf, _ in ordered] + searches[1:]
            # The search's rows first (CROSS JOIN keeps that order); in the subquery, the
            # text search's own column does not hide the index row's text_value.
            sql = (
                "SELECT d.page_id AS page_id FROM (SELECT rowid AS found FROM property_text"
                " WHERE property_text MATCH ?) AS t CROSS JOIN property_index AS d"
                " ON d.rowid = t.found"
                f" WHERE d.data_source_id = ? AND d.prop_id = ? AND ({first.where})"
            )
            args = (_match(first.pieces), self.ds_id, first.prop_id, *first.args)
        else:
            first, lead_rows = ordered[0]
            probes += [leaf for leaf, _ in ordered[1:]] + searches
            sql = (
                "SELECT d.page_id AS page_id FROM property_index AS d"
                f" WHERE d.data_source_id = ? AND d.prop_id = ? AND ({first.where})"
            )
            args = (self.ds_id, first.prop_id, *first.args)
        for leaf in probes:
            # Inside the probe, text_value and number_value name the probed row's columns. A
            # page's rows all carry its data source, so the probe reads the index alone.
            exists = "NOT EXISTS" if leaf.negated else "EXISTS"
            sql += (
                f" AND {exists} (SELECT 1 FROM property_index AS p"
                " INDEXED BY property_index_by_page"
                f" WHERE p.page_id = {page} AND p.prop_id = ? AND ({leaf.where}))"
            )
            args += (leaf.prop_id, *leaf.args)
        for part in nested:
            sql += f" AND {page} IN (SELECT page_id FROM ({part.sql}))"
            args += part.args
        return Selection(sql, args, lead_rows=lead_rows)

    def sizes(self, leaves: list[Leaf]) -> list[tuple[Leaf, int]]:
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


def _merge_rows(leaves: list[Leaf]) -> list[Leaf]:
    """Join conditions on one single-valued property into one: they must hold on one row.

    The joined SQL is flat (``(a) AND (b) AND (c)``): nesting each join in the last one's
    parentheses overflows SQLite's parser stack at about a hundred conditions.
    """
    merged: dict[str, list[Leaf]] = {}
    others: list[Leaf] = []
    for leaf in leaves:
        if not leaf.single or leaf.pieces or leaf.negated:
            others.append(leaf)
            continue
        merged.setdefault(leaf.prop_id, []).append(leaf)
    joined = [
        group[0]
        if len(group) == 1
        else Leaf(
            group[0].prop_id,
            " AND ".join(f"({leaf.where})" for leaf in group),
            tuple(arg for leaf in group for arg in leaf.args),
            single=True,
            kind=group[-1].kind,
            exact=all(leaf.exact for leaf in group),
        )
        for group in merged.values()
    ]
    return [*joined, *others]
