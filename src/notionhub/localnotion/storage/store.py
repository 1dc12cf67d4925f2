"""SQLite storage of the local Notion server: one connection, WAL, explicit transactions.

Every Notion object lives in ``objects`` as its stored JSON. Children keep their order by
``position``; pages of a data source carry ``data_source_id``. The property index's tables are
made here too (``storage.index_tables``); its rows and queries are in ``index.queries``.

Transactions can be grouped (``open_group``/``commit_group``): the transactions made until
the group commits become savepoints of one SQLite transaction, so writes that arrive together
share one COMMIT (one pass over the log for the index pages they all touch).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from notionhub.localnotion.storage.index_tables import create_index_tables

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
-- Only the trashed objects: a query leaves a data source's trashed pages out without reading
-- the row of every page it considers.
CREATE INDEX IF NOT EXISTS objects_trashed ON objects (data_source_id, id) WHERE in_trash = 1;
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


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


_COLUMNS = "id, kind, parent_id, data_source_id, in_trash, created_time, last_edited_time, body"
StoredRow = tuple[Any, ...]
"""One row of ``objects`` as read (the columns of ``StoredObject``), its body still JSON bytes."""


# SQLite settings for one process serving many requests: a 64 MiB page cache, the file read
# through a memory map (a store of 100,000 pages is about 450 MiB), temporary sorts in memory.
_PRAGMAS = (
    # KiB: 8 MiB. Reads of the file go through the memory map below; this cache holds the
    # pages read from the log and those being written. Kept small because SQLite walks the
    # whole cache at every COMMIT (pcache1's truncate, seen with perf in COMMIT phase two):
    # at 64 MiB that walk was ~11 % of the server's CPU time while creating pages.
    "PRAGMA cache_size=-8192",
    "PRAGMA mmap_size=2147483648",  # 2 GiB of address space, used as the file grows
    "PRAGMA temp_store=MEMORY",
    # The log starts over after each complete checkpoint; past this it is cut back to it.
    "PRAGMA journal_size_limit=67108864",  # 64 MiB
)
# (begin, undo on failure, end) of a transaction alone, and of one inside a group.
_TOP_LEVEL = ("BEGIN IMMEDIATE", ("ROLLBACK",), "COMMIT")
_IN_GROUP = ("SAVEPOINT request", ("ROLLBACK TO request", "RELEASE request"), "RELEASE request")
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


def decode_row(row: StoredRow) -> StoredObject:
    """The object of a row read by ``Storage.get_many_rows``."""
    return _row(row)


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
        self.text_search = create_index_tables(self._conn)
        self._group = False  # a group transaction is open (see open_group)
        self._shared: dict[str, tuple[tuple[Any, ...], StoredObject]] = {}
        # Checkpoints run in the background (see _Checkpointer), not inside a request's COMMIT.
        self._conn.execute("PRAGMA wal_autocheckpoint=0")
        self._checkpointer: _Checkpointer | None = _Checkpointer(self.path, self._lock)

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        with self._lock:
            if self._group:
                self.commit_group()
            self._conn.close()

    @contextmanager
    def locked(self) -> Iterator[sqlite3.Connection]:
        """The connection, for this thread alone while the block runs (for ``index.queries``)."""
        with self._lock:
            yield self._conn

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: nested calls join the outer transaction.

        Inside a group (``open_group``) it is a savepoint: its changes are undone alone if it
        fails, and become durable when the group commits.
        """
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            begin, undo, end = _TOP_LEVEL if not self._group else _IN_GROUP
            self._conn.execute(begin)
            self._depth = 1
            try:
                yield
            except BaseException:
                for statement in undo:
                    self._conn.execute(statement)
                raise
            else:
                self._conn.execute(end)
            finally:
                self._depth = 0

    def open_group(self) -> None:
        """Start one SQLite transaction that the following transactions join as savepoints.

        The calling thread holds the storage until ``commit_group``: other threads wait, so
        none of them reads or writes inside a transaction that is not committed yet.
        """
        self._lock.acquire()
        if self._group or self._depth:
            self._lock.release()
            raise RuntimeError("a transaction is already open")
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._lock.release()
            raise
        self._group = True

    def commit_group(self) -> None:
        """Commit the group's transaction (from the thread that opened it), if still open."""
        if not self._group:
            return
        try:
            self._conn.execute("COMMIT")
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise
        finally:
            self._group = False
            self._lock.release()

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
        return {object_id: _row(row) for object_id, row in self.get_many_rows(ids).items()}

    def get_many_rows(self, ids: Iterable[str]) -> dict[str, StoredRow]:
        """Like ``get_many``, but each object as its stored row, body not decoded."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, StoredRow] = {}
        with self._lock:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for row in self._conn.execute(
                    f"SELECT {_COLUMNS} FROM objects WHERE id IN ({marks})", chunk
                ):
                    found[row[0]] = row
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
        self,
        obj: StoredObject,
        *,
        title: str | None = None,
        position: int | None = None,
        new: bool = False,
    ) -> None:
        """Insert or update ``obj``; ``title=None`` keeps the stored search title.

        A new child goes after its siblings unless ``position`` places it. ``new`` says the
        object was just made (a new id): nothing stored to look up, and a clash fails.
        """
        with self.transaction():
            existing = (
                None
                if new
                else self._conn.execute(
                    "SELECT position, title FROM objects WHERE id = ?", (obj.id,)
                ).fetchone()
            )
            if position is None:
                position = existing[0] if existing else self._next_position(obj.parent_id)
            if title is None:
                title = existing[1] if existing else ""
            verb = "INSERT" if new else "INSERT OR REPLACE"
            self._conn.execute(
                f"{verb} INTO objects (id, kind, parent_id, data_source_id, position,"
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

    def next_position(self, parent_id: str) -> int:
        """A position after every child of ``parent_id`` (for an object moved under it)."""
        with self._lock:
            return self._next_position(parent_id)

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
