"""The property index in SQLite: its rows, and the queries the planner runs.

The tables (``property_index``, ``property_text``) are made with the store's own tables
(``storage.index_tables``), so the store needs nothing from here. ``index.planner`` decides
what goes in; this module only stores and reads.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from dataclasses import dataclass
from typing import Any

from notionhub.localnotion.storage.store import Storage


@dataclass(frozen=True)
class IndexRow:
    """One indexed value of a page property (text or number).

    ``searchable`` text is also indexed for substring search (``property_text``).
    """

    prop_id: str
    text_value: str | None = None
    number_value: float | None = None
    searchable: bool = False


def replace_rows(
    storage: Storage,
    data_source_id: str,
    page_id: str,
    rows: Iterable[IndexRow],
    *,
    new: bool = False,
) -> None:
    """Make ``rows`` the index rows of a page; ``new``: the page has none yet (just created)."""
    rows = list(rows)
    with storage.transaction(), storage.locked() as conn:
        if not new:
            if storage.text_search:
                conn.execute(
                    "DELETE FROM property_text WHERE rowid IN"
                    " (SELECT rowid FROM property_index WHERE page_id = ?)",
                    (page_id,),
                )
            conn.execute("DELETE FROM property_index WHERE page_id = ?", (page_id,))
        conn.executemany(
            "INSERT INTO property_index (data_source_id, prop_id, page_id, text_value,"
            " number_value) VALUES (?, ?, ?, ?, ?)",
            [(data_source_id, r.prop_id, page_id, r.text_value, r.number_value) for r in rows],
        )
        searchable = [r.prop_id for r in rows if r.searchable and r.text_value is not None]
        if storage.text_search and searchable:
            marks = ",".join("?" * len(searchable))
            conn.execute(
                "INSERT INTO property_text (rowid, text_value) SELECT rowid, text_value"
                f" FROM property_index WHERE page_id = ? AND prop_id IN ({marks})"
                " AND text_value IS NOT NULL",
                (page_id, *searchable),
            )


def drop_property(storage: Storage, data_source_id: str, prop_id: str) -> None:
    """Forget every indexed value of one property (removed, or changed type)."""
    with storage.transaction(), storage.locked() as conn:
        if storage.text_search:
            conn.execute(
                "DELETE FROM property_text WHERE rowid IN (SELECT rowid FROM property_index"
                " WHERE data_source_id = ? AND prop_id = ?)",
                (data_source_id, prop_id),
            )
        conn.execute(
            "DELETE FROM property_index WHERE data_source_id = ? AND prop_id = ?",
            (data_source_id, prop_id),
        )


def clear(storage: Storage) -> None:
    """Empty the property index (before rebuilding it)."""
    with storage.transaction(), storage.locked() as conn:
        conn.execute("DELETE FROM property_index")
        if storage.text_search:
            conn.execute("DELETE FROM property_text")


def count_rows(
    storage: Storage,
    data_source_id: str,
    prop_id: str,
    where: str,
    args: tuple[Any, ...],
    limit: int,
) -> int:
    """How many index rows of ``prop_id`` satisfy ``where``, counting no further than ``limit``.

    Counting reads the value index alone, so it costs a small part of reading the rows.
    """
    with storage.locked() as conn:
        row = conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM property_index WHERE data_source_id = ?"
            f" AND prop_id = ? AND ({where}) LIMIT ?)",
            (data_source_id, prop_id, *args, limit),
        ).fetchone()
    return int(row[0])


def selected_pages(storage: Storage, sql: str, args: tuple[Any, ...]) -> set[str]:
    """The page ids a planner's selection (a SELECT of ``page_id``) returns."""
    with storage.locked() as conn:
        rows = conn.execute(sql, args).fetchall()
    return {r[0] for r in rows}


def pages_with_texts(
    storage: Storage, data_source_id: str, prop_id: str, texts: Iterable[str]
) -> set[str]:
    """The pages whose ``prop_id`` has an index row holding one of ``texts`` (exactly)."""
    wanted = list(texts)
    marks = ",".join("?" * len(wanted))
    return selected_pages(
        storage,
        "SELECT page_id FROM property_index WHERE data_source_id = ? AND prop_id = ?"
        f" AND text_value IN ({marks})",
        (data_source_id, prop_id, *wanted),
    )


def selected_rows(storage: Storage, sql: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """Every row of a query over the index (an ordered, limited selection)."""
    with storage.locked() as conn:
        return conn.execute(sql, args).fetchall()


def selected_pages_by_value(
    storage: Storage,
    sql: str,
    args: tuple[Any, ...],
    prop_id: str,
    *,
    descending: bool,
    empty: float | None = None,
    first: int = 128,
    batch: int = 256,
) -> Generator[list[tuple[str, float | None]], None, None]:
    """A selection's pages with their indexed number of ``prop_id``, ordered by it.

    Pages without one read as ``empty`` (a checkbox's unset 0), or else come last; ties are
    in page id order, so a page the selection names twice comes twice in a row (the caller
    skips repeats). Rows come in batches (``first`` rows, then ``batch`` at a time), read
    only as far as the caller goes.
    """
    order = "DESC" if descending else "ASC"
    query = (
        "SELECT c.page_id, coalesce((SELECT v.number_value FROM property_index AS v"
        " INDEXED BY property_index_by_page"
        " WHERE v.page_id = c.page_id AND v.prop_id = ? AND v.number_value IS NOT NULL), ?)"
        f" AS value FROM ({sql}) AS c"
        f" ORDER BY value IS NULL, value {order}, c.page_id"
    )
    with storage.locked() as conn:
        cursor = conn.execute(query, (prop_id, empty, *args))
    try:
        size = first
        while True:
            with storage.locked():
                rows = cursor.fetchmany(size)
            if not rows:
                return
            yield rows
            size = batch
    finally:
        cursor.close()
