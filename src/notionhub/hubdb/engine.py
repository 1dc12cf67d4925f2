"""Opening the hub database: SQLite (WAL, immediate transactions) or PostgreSQL (psycopg).

How long a transaction waits for the database's locks depends on who waits: background work
(workflows, the dispatcher, the Notion budget) waits ``BACKGROUND_BUSY_SECONDS``, a long wait
costing it nothing; a request a sender is waiting on (a webhook, a readiness probe) opens its
transaction through ``write_transaction`` with a short wait, and is refused with
``HubDatabaseBusy`` when the wait is over (docs/database-unavailable.md).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Float,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from notionhub.errors import (
    ConfigurationError,
    HubDatabaseBusy,
    HubDatabaseFull,
    HubDatabaseUnavailable,
)
from notionhub.hubdb.tables import metadata


def sqlalchemy_url(url: str) -> str:
    """``url`` as SQLAlchemy takes it (PostgreSQL through psycopg 3); ``ConfigurationError`` for
    another scheme."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith(("sqlite:", "postgresql+psycopg:")):
        return url
    raise ConfigurationError(
        f"DATABASE_URL must start with sqlite:/// or postgresql://, not {url.split(':', 1)[0]}:"
    )


READ_ONLY = "notionhub_read_only"
# Execution option: the seconds a transaction may wait for the database's locks (None: as long
# as background work does).
WRITE_WAIT = "notionhub_write_wait_seconds"
BACKGROUND_BUSY_SECONDS = 30.0
# PostgreSQL's SQLSTATEs of a lock not granted in time, a statement cancelled by its timeout, a
# deadlock; and of a full disk.
_PG_BUSY = frozenset({"55P03", "57014", "40P01"})
_PG_FULL = frozenset({"53100"})

# One row per worker, rewritten by each readiness probe: proof that the database takes a write.
_probe_metadata = MetaData()
write_probes = Table(
    "hub_write_probes",
    _probe_metadata,
    Column("worker", String(200), primary_key=True),
    Column("at", Float, nullable=False),
)
# The advisory lock taken while creating tables on PostgreSQL (any fixed 64-bit number).
_DDL_LOCK = 0x6E6F74696F6E6875  # "notionhu"


def read_connection(engine: Engine, wait_seconds: float | None = None) -> Connection:
    """A connection for reads only: on SQLite it neither takes nor waits for the write lock.

    ``wait_seconds`` bounds each statement on PostgreSQL, where a table lock can hold reads.
    """
    connection = engine.connect().execution_options(**{READ_ONLY: True})
    if wait_seconds is not None:
        connection.execution_options(**{WRITE_WAIT: wait_seconds})
    return connection


@contextmanager
def write_transaction(engine: Engine, wait_seconds: float | None) -> Iterator[Connection]:
    """``engine.begin()``, waiting at most ``wait_seconds`` for the database's locks.

    None waits as background work does. A refusal for a lock held too long or a full disk is
    raised as ``HubDatabaseBusy`` or ``HubDatabaseFull``; nothing of the transaction is kept.
    """
    with engine.connect() as connection:
        if wait_seconds is not None:
            connection.execution_options(**{WRITE_WAIT: wait_seconds})
        try:
            with connection.begin():
                yield connection
        except Exception as error:
            problem = database_problem(error)
            if problem is None or problem is error:
                raise
            raise problem from error


def database_problem(error: BaseException) -> HubDatabaseUnavailable | None:
    """What ``error`` (or what caused it) says of the hub database: busy, full, or None."""
    seen: BaseException | None = error
    while seen is not None:
        problem = _problem_of(seen)
        if problem is not None:
            return problem
        seen = seen.__cause__
    return None


def _problem_of(error: BaseException) -> HubDatabaseUnavailable | None:
    if isinstance(error, HubDatabaseUnavailable):
        return error
    cause = error.orig if isinstance(error, DBAPIError) else error
    message = str(cause).lower()
    sqlstate = getattr(cause, "sqlstate", None)
    if isinstance(cause, sqlite3.OperationalError) and ("locked" in message or "busy" in message):
        return HubDatabaseBusy(
            "The hub database is busy, retry: another process holds its write lock."
        )
    if sqlstate in _PG_BUSY:
        return HubDatabaseBusy(
            "The hub database is busy, retry: a lock it needs is held by another session."
        )
    if (isinstance(cause, sqlite3.OperationalError) and "full" in message) or sqlstate in _PG_FULL:
        return HubDatabaseFull("The hub database is full: no space is left for it on disk.")
    return None


def upsert_statement(connection: Connection, table: Table) -> Any:
    """``INSERT … ON CONFLICT`` of the connection's dialect (SQLite or PostgreSQL).

    What a row that may not exist yet needs: on PostgreSQL, two transactions that both read "no
    row" both insert (a ``SELECT … FOR UPDATE`` of a missing row locks nothing), and without
    ``ON CONFLICT`` the second one fails. The result's ``rowcount`` says whether the row was
    written (0: it was there already): SQLAlchemy keeps an INSERT's count only when asked, and
    on PostgreSQL it is otherwise -1, which reads as "written".
    """
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).execution_options(preserve_rowcount=True)


def record_write_probe(connection: Connection, worker: str, at: float) -> None:
    """Rewrite ``worker``'s probe row: the database took a write (and found room for it).

    One statement, so that two first probes at once (a readiness check beside ``doctor``) do
    not fail the second on PostgreSQL.
    """
    connection.execute(
        upsert_statement(connection, write_probes)
        .values(worker=worker, at=at)
        .on_conflict_do_update(index_elements=["worker"], set_={"at": at})
    )


def create_hub_engine(url: str) -> Engine:
    """An engine for ``url`` with the hub's tables created."""
    real_url = sqlalchemy_url(url)
    if real_url.startswith("sqlite"):
        path = real_url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            real_url,
            connect_args={"timeout": BACKGROUND_BUSY_SECONDS, "isolation_level": None},
        )
        _immediate_sqlite_transactions(engine)
    else:
        engine = create_engine(real_url, pool_pre_ping=True)
        _bounded_postgresql_waits(engine)
    create_tables(engine, metadata)
    create_tables(engine, _probe_metadata)
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
        # create_all skips the indexes of tables that already exist: one declared later (the
        # console's, on events) is added to a database made before it.
        for table in tables.sorted_tables:
            for index in table.indexes:
                index.create(connection, checkfirst=True)


def _immediate_sqlite_transactions(engine: Engine) -> None:
    """WAL, and every transaction takes the write lock up front so two writers never deadlock.

    Threads of one process also queue on a Python lock before ``BEGIN IMMEDIATE``: SQLite's own
    busy handler waits by sleeping (1, 2, 5 … 100 ms), so with eight workflow threads a free
    lock sat unused for tens of milliseconds (measured: most of a worker's time). Other
    processes sharing the file still meet SQLite's lock and its busy timeout: 30 s for
    background work, the caller's ``WRITE_WAIT`` for a request.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={_milliseconds(BACKGROUND_BUSY_SECONDS)}")
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
        options = connection.get_execution_options()
        if options.get(READ_ONLY):
            if begin is not None:
                connection.exec_driver_sql("BEGIN")  # a snapshot: WAL readers never wait
            return
        wait: float | None = options.get(WRITE_WAIT)
        started = time.monotonic()
        if wait is None:
            in_process.acquire()
        elif not in_process.acquire(timeout=wait):
            # Another thread of this process holds (or waits for) the write lock.
            raise HubDatabaseBusy(
                f"The hub database is busy, retry: its write lock was not free within {wait:g} s."
            )
        try:
            if begin is not None and wait is None:
                connection.exec_driver_sql(begin)
            elif begin is not None and wait is not None:
                _begin_within(connection, begin, wait - (time.monotonic() - started))
        except BaseException:
            in_process.release()
            raise
        connection.info["holds_write_lock"] = True

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _end(connection: Any) -> None:
        if connection.info.pop("holds_write_lock", False):
            in_process.release()


def _begin_within(connection: Any, begin: str, seconds: float) -> None:
    """Open a transaction with ``begin``, waiting at most ``seconds`` for SQLite's write lock."""
    connection.exec_driver_sql(f"PRAGMA busy_timeout={_milliseconds(seconds)}")
    try:
        connection.exec_driver_sql(begin)
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={_milliseconds(BACKGROUND_BUSY_SECONDS)}")


def _bounded_postgresql_waits(engine: Engine) -> None:
    """A transaction opened with ``WRITE_WAIT`` gives up on a lock, or a statement, after it.

    PostgreSQL waits for a lock without limit by default: a session holding a table lock
    would hold every webhook until the sender times out.
    """

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        wait = connection.get_execution_options().get(WRITE_WAIT)
        if wait is not None:
            milliseconds = f"{_milliseconds(wait)}ms"
            connection.exec_driver_sql(
                "SELECT set_config('lock_timeout', %(ms)s, true),"
                " set_config('statement_timeout', %(ms)s, true)",
                {"ms": milliseconds},
            )


def _milliseconds(seconds: float) -> int:
    """SQLite's and PostgreSQL's unit; at least 1 (0 means "wait forever" to PostgreSQL)."""
    return max(1, round(seconds * 1000))
