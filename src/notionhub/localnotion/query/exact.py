"""A query answered by SQLite alone: filter, order, cursor and ``LIMIT``.

When every condition of a query's filter is exact in SQL (``index.planner.exact_selection``)
and every sort has an exact SQL key, SQLite finds the matching pages, orders them and returns
the ``page_size + 1`` of the requested page; only those are read and rendered.

The order is the filter engine's: each sort in turn, empty values last in both directions,
then page id (the engine sorts stably, starting from pages in id order). Sort keys: a number,
unique id or date property by its indexed value (for a date, the start the sort compares), a
checkbox by its indexed 1 (unchecked: 0), ``created_time``/``last_edited_time`` by the stored
timestamp text (one fixed UTC format, so text order is time order).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from notionhub.errors import ValidationFailed
from notionhub.localnotion.api.pagination import PageRequest
from notionhub.localnotion.filters.grammar import find_property
from notionhub.localnotion.index import queries as index_queries
from notionhub.localnotion.index.planner import Selection
from notionhub.localnotion.storage.store import Storage

_INDEXED_NUMBER = (
    "(SELECT v.number_value FROM property_index AS v INDEXED BY property_index_by_page"
    " WHERE v.page_id = c.page_id AND v.prop_id = ? AND v.number_value IS NOT NULL)"
)
# The data source's trashed pages, from an index of the trashed objects alone.
_TRASHED = (
    "(SELECT id FROM objects INDEXED BY objects_trashed WHERE data_source_id = ? AND in_trash = 1)"
)
_SORTABLE_TYPES = {"number", "unique_id", "date"}
_TIMESTAMPS = ("created_time", "last_edited_time")


@dataclass(frozen=True)
class SortKey:
    """One sort as SQL over a matching page ``c.page_id``; ``NULL`` is an empty value.

    ``row``: the key reads the page's ``objects`` row, ``o`` (a timestamp).
    """

    sql: str
    args: tuple[Any, ...]
    descending: bool
    row: bool = False


# No sorts: newest created first (``filters.sorts``'s default).
_DEFAULT = [SortKey("o.created_time", (), descending=True, row=True)]


def sort_keys(schema: dict[str, dict[str, Any]], sorts_json: object) -> list[SortKey] | None:
    """The SQL keys of valid, compiled ``sorts``; ``None`` when one has no exact SQL key."""
    if sorts_json is None or sorts_json == []:
        return _DEFAULT
    if not isinstance(sorts_json, list):
        return None
    keys: list[SortKey] = []
    for item in sorts_json:
        if not isinstance(item, dict):
            return None
        descending = item.get("direction") == "descending"
        if item.get("timestamp") in _TIMESTAMPS:
            keys.append(SortKey(f"o.{item['timestamp']}", (), descending, row=True))
            continue
        reference = item.get("property")
        prop = find_property(schema, reference) if isinstance(reference, str) else None
        kind = prop.get("type") if prop is not None else None
        if prop is None or (kind not in _SORTABLE_TYPES and kind != "checkbox"):
            return None
        sql = _INDEXED_NUMBER if kind != "checkbox" else f"coalesce({_INDEXED_NUMBER}, 0.0)"
        keys.append(SortKey(sql, (prop["id"],), descending))
    return keys


def exact_page(
    storage: Storage,
    data_source_id: str,
    selection: Selection,
    keys: list[SortKey],
    request: PageRequest,
    *,
    in_trash: bool,
) -> tuple[list[str], str | None]:
    """The ids of the requested page of matches, in order, and the next cursor.

    The selection's pages are pages of the data source (the planner's selections are), so
    only the trashed ones are left out (or kept), by the index of trashed objects; a page's
    ``objects`` row is read only for a sort on a timestamp.
    """
    columns = ", ".join(f"{key.sql} AS k{index}" for index, key in enumerate(keys))
    pages = f"(SELECT DISTINCT page_id FROM ({selection.sql})) AS c"
    if any(key.row for key in keys):
        matching = (
            f"SELECT c.page_id AS id, {columns} FROM {pages}"
            " CROSS JOIN objects AS o ON o.id = c.page_id"
            " WHERE o.kind = 'page' AND o.data_source_id = ? AND o.in_trash = ?"
        )
        where_args: tuple[Any, ...] = (data_source_id, int(in_trash))
    else:
        trashed = "IN" if in_trash else "NOT IN"
        matching = (
            f"SELECT c.page_id AS id, {columns} FROM {pages} WHERE c.page_id {trashed} {_TRASHED}"
        )
        where_args = (data_source_id,)
    args: tuple[Any, ...] = (
        *(arg for key in keys for arg in key.args),
        *selection.args,
        *where_args,
    )
    after, after_args = "", ()
    if request.start_cursor is not None:
        found = index_queries.selected_rows(
            storage, f"{matching} AND c.page_id = ?", (*args, request.start_cursor)
        )
        if not found:
            raise ValidationFailed(f"start_cursor provided is invalid: {request.start_cursor}")
        condition, after_args = _from_row(keys, found[0])
        after = f" WHERE {condition}"
    order = ", ".join(
        f"k{index} IS NULL, k{index}{' DESC' if key.descending else ''}"
        for index, key in enumerate(keys)
    )
    rows = index_queries.selected_rows(
        storage,
        # Materialized: each sort key is computed once per page, not again by ORDER BY.
        f"WITH matching AS MATERIALIZED ({matching})"
        f" SELECT id FROM matching{after} ORDER BY {order}, id LIMIT ?",
        (*args, *after_args, request.page_size + 1),
    )
    ids = [row[0] for row in rows]
    next_cursor = ids[request.page_size] if len(ids) > request.page_size else None
    return ids[: request.page_size], next_cursor


def _from_row(keys: list[SortKey], row: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
    """SQL true for the rows at or after ``row`` (the cursor's) in the order of ``keys``.

    Built from the last key: at or after is *strictly after on this key*, or *equal on it and
    at or after on the rest*; with empty (NULL) values last, nothing is strictly after an
    empty one.
    """
    condition = "id >= ?"
    args: tuple[Any, ...] = (row[0],)
    for index in reversed(range(len(keys))):
        column, value = f"k{index}", row[index + 1]
        if value is None:
            condition = f"({column} IS NULL AND {condition})"
            continue
        beyond = "<" if keys[index].descending else ">"
        condition = f"({column} IS NULL OR {column} {beyond} ? OR ({column} = ? AND {condition}))"
        args = (value, value, *args)
    return condition, args
