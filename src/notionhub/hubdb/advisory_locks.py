"""PostgreSQL session advisory locks: which processes are alive, and whose turn it is.

Many processes share one PostgreSQL (``serve``, ``notionhub worker`` on several machines). Two
questions need an answer that survives ``kill -9``:

- **Is the process that runs as WORKER_ID x alive?** Each process holds the lock of its own
  executor id, on a connection of its own, for as long as it runs (``ExecutorLease``).
  PostgreSQL drops a session's locks when its connection ends, however the process ended (a
  killed process's socket is closed by the kernel), so a process that *can* take x's lock knows
  x is gone, and holds it while it recovers x's work (``queue/recovery.py``).
- **Whose turn is it to dispatch?** ``turn`` takes a lock without waiting and gives it back at
  once: one process at a time moves events into the queue, so they are enqueued in arrival
  order (``queue/dispatcher.py``).
- **Who provisions?** ``one_at_a_time`` waits for the lock: processes starting together on a new
  database provision Notion's databases one after the other, so the later ones adopt what the
  first one created instead of creating each its own (``notion/connection.py``).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text

from notionhub.errors import StartRefused

_TRY_LOCK = text("SELECT pg_try_advisory_lock(:key)")
_UNLOCK = text("SELECT pg_advisory_unlock(:key)")
# How long a start waits for its executor's lock: a peer holds it for a moment while it
# recovers the work this executor left when it last died.
LEASE_WAIT_SECONDS = 15.0


def lock_key(name: str) -> int:
    """A lock's 64-bit key (signed, as PostgreSQL takes it) for a name."""
    digest = hashlib.sha256(f"notionhub:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def wait_for_turn_in_transaction(connection: Connection, name: str) -> None:
    """Wait until no other transaction holds ``name``'s turn, and hold it until this one ends.

    On PostgreSQL a transaction-level advisory lock; on SQLite nothing: its write lock, taken at
    BEGIN, already makes every writing transaction wait for the others.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(name)})


def executor_lock_name(executor_id: str) -> str:
    return f"executor:{executor_id}"


def _try_lock(connection: Connection, key: int) -> bool:
    taken = bool(connection.execute(_TRY_LOCK, {"key": key}).scalar())
    connection.commit()  # a session lock outlives the transaction; no transaction stays open
    return taken


def _unlock(connection: Connection, key: int) -> None:
    connection.execute(_UNLOCK, {"key": key})
    connection.commit()


@contextmanager
def turn(engine: Engine, name: str) -> Iterator[bool]:
    """Take the lock ``name`` if nobody holds it (yields whether it was taken), then give it
    back."""
    key = lock_key(name)
    with engine.connect() as connection:
        taken = _try_lock(connection, key)
        try:
            yield taken
        finally:
            if taken:
                _unlock(connection, key)


@contextmanager
def one_at_a_time(
    engine: Engine,
    name: str,
    *,
    wait_seconds: float,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[None]:
    """Run the block in one process at a time: on PostgreSQL, under the lock ``name``, waited
    for at most ``wait_seconds`` (then ``StartRefused``); on SQLite, which one process serves
    (a worker refuses it), at once."""
    if engine.dialect.name != "postgresql":
        yield
        return
    key = lock_key(name)
    deadline = time.monotonic() + wait_seconds
    with engine.connect() as connection:
        while not _try_lock(connection, key):
            if time.monotonic() >= deadline:
                raise StartRefused(
                    f"another process has held {name!r} for over {wait_seconds:g} s:"
                    " is a process stuck while starting on this DATABASE_URL?"
                )
            sleep(0.2)
        try:
            yield
        finally:
            _unlock(connection, key)


# Leases a stopped runtime left held because workflows of it were still running: released when
# the process exits (its connections close), or taken up again by a runtime of the same id
# started in this process, which recovers those workflows itself.
_KEPT: dict[str, Connection] = {}


class ExecutorLease:
    """The lock of this process's executor id, held on a connection of its own until released."""

    def __init__(self, engine: Engine, executor_id: str, connection: Connection) -> None:
        self.engine = engine
        self.executor_id = executor_id
        self._connection: Connection | None = connection
        self._key = lock_key(executor_lock_name(executor_id))

    @classmethod
    def take(
        cls, engine: Engine, executor_id: str, *, wait_seconds: float = LEASE_WAIT_SECONDS
    ) -> ExecutorLease:
        """Take the lease, or raise ``StartRefused`` once another process held it for
        ``wait_seconds``."""
        kept = _KEPT.pop(executor_id, None)
        if kept is not None:
            lease = cls(engine, executor_id, kept)
            if lease.held():
                return lease
            lease.release()  # its connection died, and the lock with it: take it anew
        key = lock_key(executor_lock_name(executor_id))
        deadline = time.monotonic() + wait_seconds
        connection = engine.connect()
        try:
            while not _try_lock(connection, key):
                if time.monotonic() >= deadline:
                    raise StartRefused(
                        f"another process runs with WORKER_ID={executor_id} on this"
                        " DATABASE_URL: give each process sharing it a WORKER_ID of its own"
                        " (two with one id would recover each other's work while it runs)"
                    )
                time.sleep(0.1)  # a peer recovering this executor's work gives it back soon
        except BaseException:
            connection.close()
            raise
        return cls(engine, executor_id, connection)

    def held(self) -> bool:
        """Whether the lease's connection still answers (its lock is lost with it)."""
        if self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1"))
            self._connection.commit()
        except Exception:  # the connection is gone: so is the lock
            return False
        return True

    def renew(self) -> bool:
        """Take the lock again on a new connection after the old one was lost; whether done."""
        self.release()
        connection = self.engine.connect()
        if _try_lock(connection, self._key):
            self._connection = connection
            return True
        connection.close()  # a peer holds it: it is recovering our work
        return False

    def keep_until_exit(self) -> None:
        """Hold the lease until this process exits: workflows of it are still running here, and
        another process recovering them now would run them twice at once."""
        connection, self._connection = self._connection, None
        if connection is not None:
            _KEPT[self.executor_id] = connection

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            _unlock(connection, self._key)
        except Exception:  # the connection is gone: the lock went with it
            pass
        finally:
            connection.close()


@contextmanager
def holding_lease_of(engine: Engine, executor_id: str) -> Iterator[bool]:
    """Take another executor's lease if its process is gone (yields whether it was taken):
    held, that executor cannot start again until its work has been handed over."""
    with turn(engine, executor_lock_name(executor_id)) as taken:
        yield taken
