"""SQLite storage of the local Notion server: one connection, WAL, explicit transactions.

Every Notion object lives in ``objects`` as its stored JSON. Children keep their order by
``position``; pages of a data source carry ``data_source_id``. ``property_index`` holds one row
per (page, property, value) for the property types a query can narrow on, so a selective
filter over a large data source reads only the matching pages; ``property_text`` (SQLite FTS5,
trigram tokenizer) indexes the text values among them by their three-character pieces, so a
``contains`` filter on a text property finds its pages without reading every value.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Collection, Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS objects (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,             -- page, database, data_source, block, comment, user
    parent_id TEXT,                 -- page/block/database that holds it (NULL for users)
    data_source_id TEXT,            -- for pages in a data source
    position INTEGER NOT NULL DEFAULT 0,
    in_trash INTEGER NOT NULL DEFAULT 0,
    title TEXT NOT NULL DEFAULT '', -- plain-text title, for search
    created_time TEXT NOT NULL,
    last_edited_time TEXT NOT NULL,
    body BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS objects_parent ON objects (parent_id, position);
CREATE INDEX IF NOT EXISTS objects_data_source ON objects (data_source_id, created_time);
CREATE INDEX IF NOT EXISTS objects_kind_edited ON objects (kind, last_edited_time);
CREATE TABLE IF NOT EXISTS property_index (
    data_source_id TEXT NOT NULL,
    prop_id TEXT NOT NULL,
    page_id TEXT NOT NULL,
    text_value TEXT,
    number_value REAL
);
-- A row holds a text or a number, so each value index only has the rows with its kind of
-- value; both end with page_id, so narrowing a query reads the index alone.
DROP INDEX IF EXISTS property_index_text;
DROP INDEX IF EXISTS property_index_number;
CREATE INDEX IF NOT EXISTS property_index_texts
    ON property_index (data_source_id, prop_id, text_value, page_id)
    WHERE text_value IS NOT NULL;
CREATE INDEX IF NOT EXISTS property_index_numbers
    ON property_index (data_source_id, prop_id, number_value, page_id)
    WHERE number_value IS NOT NULL;
-- By page: a page's rows (to replace them), and one property's value of a page (a probe).
DROP INDEX IF EXISTS property_index_page;
CREATE INDEX IF NOT EXISTS property_index_by_page
    ON property_index (page_id, prop_id, number_value, text_value);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""
# Text values of property_index, by the same rowid; absent when SQLite lacks FTS5 or its
# trigram tokenizer (3.34+), and then substring filters read the value index instead.
_TEXT_SEARCH_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS property_text"
    " USING fts5(text_value, tokenize='trigram', detail='none')"
)


@dataclass(frozen=True)
class StoredObject:
    """One row of ``objects``, with its JSON body decoded."""

    id: str
    kind: str
    parent_id: str | None
    data_source_id: str | None
    in_trash: bool
    created_time: str
    last_edited_time: str
    body: dict[str, Any]


@dataclass(frozen=True)
class IndexRow:
    """One indexed value of a page property (text or number).

    ``searchable`` text is also indexed for substring search (``property_text``).
    """

    prop_id: str
    text_value: str | None = None
    number_value: float | None = None
    searchable: bool = False


_COLUMNS = "id, kind, parent_id, data_source_id, in_trash, created_time, last_edited_time, body"


# SQLite settings for one process serving many requests: a 64 MiB page cache, the file read
# through a memory map (a store of 100,000 pages is about 450 MiB), temporary sorts in memory.
_PRAGMAS = (
    "PRAGMA cache_size=-65536",  # KiB: 64 MiB
    "PRAGMA mmap_size=2147483648",  # 2 GiB of address space, used as the file grows
    "PRAGMA temp_store=MEMORY",
    # The log starts over after each complete checkpoint; past this it is cut back to it.
    "PRAGMA journal_size_limit=67108864",  # 64 MiB
)
# Decoded objects kept by ``get_shared`` (data sources: few, large, read by every page).
_SHARED_CACHE_SIZE = 64


def _partial_row(row: tuple[Any, ...], value_keys: Collection[str]) -> StoredObject:
    """A page row whose body keeps only the values of ``value_keys`` and the authors."""
    body = orjson.loads(row[7])
    values = body["values"]
    return _row(
        row,
        body={
            "values": {key: values[key] for key in value_keys if key in values},
            "created_by": body.get("created_by"),
            "last_edited_by": body.get("last_edited_by"),
        },
    )


class _Checkpointer:
    """Copies the write-ahead log back into the database file off the request path.

    SQLite's automatic checkpoint runs inside the COMMIT that crosses its threshold, so one
    request in a few dozen paid for copying the log and two fsyncs. This thread does that
    work on its own connection instead, without taking the storage lock: writers carry on
    while it copies. Writes that keep outpacing it would keep the log from ever starting over,
    so once the log is past ``restart_frames`` a checkpoint runs under the storage lock, with
    no write in between, and the next write starts the log from its beginning again.
    """

    def __init__(
        self,
        path: str,
        lock: threading.RLock,
        *,
        interval: float = 0.5,
        restart_frames: int = 8192,
    ) -> None:
        self._path = path
        self._lock = lock
        self._interval = interval
        self._restart_frames = restart_frames
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        conn = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None)
        try:
            conn.execute("PRAGMA busy_timeout=10000")
            while not self._stop.wait(self._interval):
                try:
                    self._checkpoint(conn)
                except sqlite3.Error:
                    continue  # busy or locked by another process: try again next time
        finally:
            conn.close()

    def _checkpoint(self, conn: sqlite3.Connection) -> None:
        _busy, log_frames, _done = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if log_frames > self._restart_frames:
            with self._lock:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def _row(row: tuple[Any, ...], body: dict[str, Any] | None = None) -> StoredObject:
    """A row of ``objects``; its JSON body decoded unless ``body`` is given."""
    return StoredObject(
        id=row[0],
        kind=row[1],
        parent_id=row[2],
        data_source_id=row[3],
        in_trash=bool(row[4]),
        created_time=row[5],
        last_edited_time=row[6],
        body=orjson.loads(row[7]) if body is None else body,
    )


class Storage:
    """The SQLite file of one local Notion workspace; safe to share between threads."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        self._depth = 0
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode keeps every committed transaction across a process crash.
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA busy_timeout=10000")
        for pragma in _PRAGMAS:
            self._conn.execute(pragma)
        self._conn.executescript(_DDL)
        try:
            self._conn.execute(_TEXT_SEARCH_DDL)
            self.text_search = True
        except sqlite3.OperationalError:  # no FTS5, or no trigram tokenizer
            self.text_search = False
        self._shared: dict[str, tuple[tuple[Any, ...], StoredObject]] = {}
        # Checkpoints run in the background (see _Checkpointer), not inside a request's COMMIT.
        self._conn.execute("PRAGMA wal_autocheckpoint=0")
        self._checkpointer: _Checkpointer | None = _Checkpointer(self.path, self._lock)

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: nested calls join the outer transaction."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")
            finally:
                self._depth = 0

    # -- objects -------------------------------------------------------------------------

    def get(self, object_id: str) -> StoredObject | None:
        with self._lock:
            row = self._conn.execute(
                f"SELECT {_COLUMNS} FROM objects WHERE id = ?", (object_id,)
            ).fetchone()
        return _row(row) if row else None

    def get_shared(self, object_id: str) -> StoredObject | None:
        """Like ``get``, but the object may be shared with other callers: never change it.

        The decoded object is kept and handed out again while the stored row is unchanged
        (compared in full), which spares decoding a large data source schema on every page
        written or rendered.
        """
        with self._lock:
            row = self._conn.execute(
                f"SELECT {_COLUMNS} FROM objects WHERE id = ?", (object_id,)
            ).fetchone()
            if row is None:
                return None
            cached = self._shared.get(object_id)
            if cached is not None and cached[0] == row:
                return cached[1]
            obj = _row(row)
            if len(self._shared) >= _SHARED_CACHE_SIZE:
                self._shared.clear()
            self._shared[object_id] = (row, obj)
            return obj

    def get_many(self, ids: Iterable[str]) -> dict[str, StoredObject]:
        """The objects among ``ids`` that exist, by id."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, StoredObject] = {}
        with self._lock:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for row in self._conn.execute(
                    f"SELECT {_COLUMNS} FROM objects WHERE id IN ({marks})", chunk
                ):
                    found[row[0]] = _row(row)
        return found

    def get_many_values(
        self, ids: Iterable[str], value_keys: Collection[str]
    ) -> dict[str, StoredObject]:
        """Like ``get_many`` for pages, but each body keeps only part of the stored values.

        A body holds ``values`` limited to ``value_keys`` (property ids) and the page's
        authors: what a filter or sort on those properties reads. Holding thousands of small
        bodies instead of whole ones is most of the cost of a query over many candidates.
        """
        wanted = list(dict.fromkeys(ids))
        found: dict[str, StoredObject] = {}
        with self._lock:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for row in self._conn.execute(
                    f"SELECT {_COLUMNS} FROM objects WHERE id IN ({marks})", chunk
                ):
                    found[row[0]] = _partial_row(row, value_keys)
        return found

    def put(
        self, obj: StoredObject, *, title: str | None = None, position: int | None = None
    ) -> None:
        """Insert or update ``obj``; ``title=None`` keeps the stored search title.

        A new child goes after its siblings unless ``position`` places it.
        """
        with self.transaction():
            existing = self._conn.execute(
                "SELECT position, title FROM objects WHERE id = ?", (obj.id,)
            ).fetchone()
            if position is None:
                position = existing[0] if existing else self._next_position(obj.parent_id)
            if title is None:
                title = existing[1] if existing else ""
            self._conn.execute(
                "INSERT OR REPLACE INTO objects (id, kind, parent_id, data_source_id, position,"
                " in_trash, title, created_time, last_edited_time, body)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    obj.id,
                    obj.kind,
                    obj.parent_id,
                    obj.data_source_id,
                    position,
                    int(obj.in_trash),
                    title,
                    obj.created_time,
                    obj.last_edited_time,
                    orjson.dumps(obj.body),
                ),
            )

    def _next_position(self, parent_id: str | None) -> int:
        row = self._conn.execute(
            "SELECT MAX(position) FROM objects WHERE parent_id IS ?", (parent_id,)
        ).fetchone()
        return (row[0] if row and row[0] is not None else 0) + 1024

    def position_of(self, object_id: str) -> int | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT position FROM objects WHERE id = ?", (object_id,)
            ).fetchone()
        return int(row[0]) if row else None

    def make_room_after(self, parent_id: str, position: int, count: int) -> None:
        """Shift the siblings after ``position`` so ``count`` new children fit right after it."""
        with self.transaction():
            self._conn.execute(
                "UPDATE objects SET position = position + ? WHERE parent_id = ? AND position > ?",
                (count * 1024 + 1024, parent_id, position),
            )

    def children(self, parent_id: str, kinds: tuple[str, ...]) -> list[StoredObject]:
        """Children of ``parent_id`` of the given kinds, in order, trashed ones excluded."""
        marks = ",".join("?" * len(kinds))
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_COLUMNS} FROM objects WHERE parent_id = ? AND kind IN ({marks})"
                " AND in_trash = 0 ORDER BY position, created_time",
                (parent_id, *kinds),
            ).fetchall()
        return [_row(r) for r in rows]

    def has_children(self, parent_id: str, kinds: tuple[str, ...]) -> bool:
        marks = ",".join("?" * len(kinds))
        with self._lock:
            row = self._conn.execute(
                f"SELECT 1 FROM objects WHERE parent_id = ? AND kind IN ({marks})"
                " AND in_trash = 0 LIMIT 1",
                (parent_id, *kinds),
            ).fetchone()
        return row is not None

    def ids_of_kind(self, kind: str) -> list[str]:
        """The ids of every object of ``kind``, trashed ones included."""
        with self._lock:
            rows = self._conn.execute("SELECT id FROM objects WHERE kind = ?", (kind,)).fetchall()
        return [r[0] for r in rows]

    def iter_pages_of(self, data_source_id: str, batch: int = 500) -> Iterator[StoredObject]:
        """Every page of a data source, trashed ones included, a batch at a time."""
        after = ""
        while True:
            with self._lock:
                rows = self._conn.execute(
                    f"SELECT {_COLUMNS} FROM objects WHERE data_source_id = ? AND kind = 'page'"
                    " AND id > ? ORDER BY id LIMIT ?",
                    (data_source_id, after, batch),
                ).fetchall()
            if not rows:
                return
            yield from (_row(r) for r in rows)
            after = rows[-1][0]

    def pages_of(
        self,
        data_source_id: str,
        *,
        in_trash: bool = False,
        value_keys: Collection[str] | None = None,
    ) -> list[StoredObject]:
        """Every page of a data source that is (or, with ``in_trash``, is not) in the trash.

        With ``value_keys``, bodies are partial as ``get_many_values`` makes them.
        """
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_COLUMNS} FROM objects WHERE data_source_id = ? AND kind = 'page'"
                " AND in_trash = ?",
                (data_source_id, int(in_trash)),
            ).fetchall()
        if value_keys is None:
            return [_row(r) for r in rows]
        return [_partial_row(r, value_keys) for r in rows]

    def search(self, kinds: tuple[str, ...], query: str, ascending: bool) -> list[StoredObject]:
        """Objects of ``kinds`` whose title contains ``query`` (case-insensitive)."""
        marks = ",".join("?" * len(kinds))
        order = "ASC" if ascending else "DESC"
        pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_COLUMNS} FROM objects WHERE kind IN ({marks}) AND in_trash = 0"
                f" AND title LIKE ? ESCAPE '\\' ORDER BY last_edited_time {order}, id",
                (*kinds, pattern),
            ).fetchall()
        return [_row(r) for r in rows]

    # -- property index --------------------------------------------------------------------

    def replace_index(self, data_source_id: str, page_id: str, rows: Iterable[IndexRow]) -> None:
        rows = list(rows)
        with self.transaction():
            if self.text_search:
                self._conn.execute(
                    "DELETE FROM property_text WHERE rowid IN"
                    " (SELECT rowid FROM property_index WHERE page_id = ?)",
                    (page_id,),
                )
            self._conn.execute("DELETE FROM property_index WHERE page_id = ?", (page_id,))
            self._conn.executemany(
                "INSERT INTO property_index (data_source_id, prop_id, page_id, text_value,"
                " number_value) VALUES (?, ?, ?, ?, ?)",
                [(data_source_id, r.prop_id, page_id, r.text_value, r.number_value) for r in rows],
            )
            searchable = [r.prop_id for r in rows if r.searchable and r.text_value is not None]
            if self.text_search and searchable:
                marks = ",".join("?" * len(searchable))
                self._conn.execute(
                    "INSERT INTO property_text (rowid, text_value) SELECT rowid, text_value"
                    f" FROM property_index WHERE page_id = ? AND prop_id IN ({marks})"
                    " AND text_value IS NOT NULL",
                    (page_id, *searchable),
                )

    def drop_index_of_property(self, data_source_id: str, prop_id: str) -> None:
        with self.transaction():
            if self.text_search:
                self._conn.execute(
                    "DELETE FROM property_text WHERE rowid IN (SELECT rowid FROM property_index"
                    " WHERE data_source_id = ? AND prop_id = ?)",
                    (data_source_id, prop_id),
                )
            self._conn.execute(
                "DELETE FROM property_index WHERE data_source_id = ? AND prop_id = ?",
                (data_source_id, prop_id),
            )

    def clear_index(self) -> None:
        """Empty the property index (before rebuilding it)."""
        with self.transaction():
            self._conn.execute("DELETE FROM property_index")
            if self.text_search:
                self._conn.execute("DELETE FROM property_text")

    def count_indexed(
        self, data_source_id: str, prop_id: str, where: str, args: tuple[Any, ...], limit: int
    ) -> int:
        """How many index rows of ``prop_id`` satisfy ``where``, counting no further than ``limit``.

        Counting reads the value index alone, so it costs a small part of reading the rows.
        """
        with self._lock:
            row = self._conn.execute(
                "SELECT count(*) FROM (SELECT 1 FROM property_index WHERE data_source_id = ?"
                f" AND prop_id = ? AND ({where}) LIMIT ?)",
                (data_source_id, prop_id, *args, limit),
            ).fetchone()
        return int(row[0])

    def selected_pages(self, sql: str, args: tuple[Any, ...]) -> set[str]:
        """The page ids a planner's selection (a SELECT of ``page_id``) returns."""
        with self._lock:
            rows = self._conn.execute(sql, args).fetchall()
        return {r[0] for r in rows}

    def selected_pages_by_value(
        self,
        sql: str,
        args: tuple[Any, ...],
        prop_id: str,
        *,
        descending: bool,
        first: int = 128,
        batch: int = 256,
    ) -> Generator[list[tuple[str, float | None]], None, None]:
        """A selection's pages with their indexed number of ``prop_id``, ordered by it.

        Pages without one come last; ties are in page id order, so a page the selection names
        twice comes twice in a row (the caller skips repeats). Rows come in batches (``first``
        rows, then ``batch`` at a time), read only as far as the caller goes.
        """
        order = "DESC" if descending else "ASC"
        query = (
            "SELECT c.page_id, (SELECT v.number_value FROM property_index AS v"
            " INDEXED BY property_index_by_page"
            " WHERE v.page_id = c.page_id AND v.prop_id = ? AND v.number_value IS NOT NULL)"
            f" AS value FROM ({sql}) AS c"
            f" ORDER BY value IS NULL, value {order}, c.page_id"
        )
        with self._lock:
            cursor = self._conn.execute(query, (prop_id, *args))
        try:
            size = first
            while True:
                with self._lock:
                    rows = cursor.fetchmany(size)
                if not rows:
                    return
                yield rows
                size = batch
        finally:
            cursor.close()

    # -- counters and meta -------------------------------------------------------------------

    def next_counter(self, name: str) -> int:
        """The next value of a named counter (1, 2, …), e.g. a data source's unique_id."""
        with self.transaction():
            self._conn.execute(
                "INSERT INTO counters (name, value) VALUES (?, 1)"
                " ON CONFLICT (name) DO UPDATE SET value = value + 1",
                (name,),
            )
            row = self._conn.execute(
                "SELECT value FROM counters WHERE name = ?", (name,)
            ).fetchone()
        return int(row[0])

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction():
            self._conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value)
            )
