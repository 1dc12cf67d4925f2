"""Two transactions writing the same first row at once, on PostgreSQL, made to happen every time.

The first row is inserted in a transaction left open; the write under test starts in a thread,
reads "no row" (the first one is not committed) and waits on the row's lock when it inserts;
then the first transaction commits. Before ``INSERT … ON CONFLICT``, that write failed with a
``UniqueViolation``. SQLite runs one writer at a time, so the race is PostgreSQL's alone.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import Connection, Engine, Executable, text

from tests.waiting import wait_until

DEADLINE_S = 30.0  # guards against a hang only


def waiting_on_a_lock(engine: Engine) -> bool:
    with engine.connect() as connection:
        waiting = connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        ).scalar_one()
    return int(waiting) > 0


def write_behind_an_uncommitted_row(
    engine: Engine,
    first_row: Executable | Callable[[Connection], object],
    write: Callable[[], None],
) -> BaseException | None:
    """Insert ``first_row`` (a statement, or what a function does with the connection) without
    committing, start ``write`` in a thread, and commit once that write waits on a lock the
    first transaction holds; returns what the thread raised (None: nothing)."""
    raised: list[BaseException] = []

    def run() -> None:
        try:
            write()
        except BaseException as error:  # handed to the test, which fails on it
            raised.append(error)

    with engine.connect() as connection:
        transaction = connection.begin()
        if isinstance(first_row, Executable):
            connection.execute(first_row)
        else:
            first_row(connection)
        thread = threading.Thread(target=run)
        thread.start()

        def blocked() -> bool:
            assert thread.is_alive(), f"the write did not wait for the first row: {raised}"
            return waiting_on_a_lock(engine)

        wait_until(blocked, "the write waits for the first row", deadline=DEADLINE_S)
        transaction.commit()
    thread.join(DEADLINE_S)
    assert not thread.is_alive()
    return raised[0] if raised else None
