"""Opening the hub database: SQLite (WAL, immediate transactions) or PostgreSQL (psycopg)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, create_engine, event, text

from notionhub.errors import ConfigurationError
from notionhub.hubdb.tables import metadata


def _sqlalchemy_url(url: str) -> str:
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith(("sqlite:", "postgresql+psycopg:")):
        return url
    raise ConfigurationError(
        f"DATABASE_URL must start with sqlite:/// or postgresql://, not {url.split(':', 1)[0]}:"
    )


READ_ONLY = "notionhub_read_only"
# The advisory lock taken while creating tables on PostgreSQL (any fixed 64-bit number).
_DDL_LOCK = 0x6E6F74696F6E6875  # "notionhu"


def read_connection(engine: Engine) -> Connection:
    """A connection for reads only: on SQLite it neither takes nor waits for the write lock."""
    return engine.connect().execution_options(**{READ_ONLY: True})


def create_hub_engine(url: str) -> Engine:
    """An engine for ``url`` with the hub's tables created."""
    real_url = _sqlalchemy_url(url)
    if real_url.startswith("sqlite"):
        path = real_url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(real_url, connect_args={"timeout": 30, "isolation_level": None})
        _immediate_sqlite_transactions(engine)
    else:
        engine = create_engine(real_url, pool_pre_ping=True)
    create_tables(engine, metadata)
    return engine


def create_tables(engine: Engine, tables: MetaData) -> None:
    """Create what is missing of ``tables``, one process at a time.

    On PostgreSQL two processes starting at once on a new database would both find a table
    missing and both create it (one then fails on the catalogue's unique index): they take
    turns on an advisory lock. SQLite's write lock, taken at BEGIN here, does the same.
    """
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _DDL_LOCK})
        tables.create_all(connection)


def _immediate_sqlite_transactions(engine: Engine) -> None:
    """WAL, and every transaction takes the write lock up front so two writers never deadlock.

    Threads of one process also queue on a Python lock before ``BEGIN IMMEDIATE``: SQLite's own
    busy handler waits by sleeping (1, 2, 5 … 100 ms), so with eight workflow threads a free
    lock sat unused for tens of milliseconds (measured: most of a worker's time). Other
    processes sharing the file still meet SQLite's lock and its 30-second timeout.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    queue_sqlite_writers(engine, begin="BEGIN IMMEDIATE")


def queue_sqlite_writers(engine: Engine, *, begin: str | None) -> None:
    """Make this process's transactions on ``engine`` wait their turn on a Python lock.

    ``begin`` is the statement that opens a transaction (None: the driver opens it itself).
    Connections marked by ``read_connection`` open a plain snapshot and skip the queue.
    """
    in_process = threading.RLock()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            if begin is not None:
                connection.exec_driver_sql("BEGIN")  # a snapshot: WAL readers never wait
            return
        in_process.acquire()
        try:
            if begin is not None:
                connection.exec_driver_sql(begin)
        except BaseException:
            in_process.release()
            raise
        connection.info["holds_write_lock"] = True

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _end(connection: Any) -> None:
        if connection.info.pop("holds_write_lock", False):
            in_process.release()
