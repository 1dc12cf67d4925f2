"""Two workers writing a key's first row at once, on PostgreSQL: neither fails.

On PostgreSQL a transaction that reads "no row" and then inserts races another one doing the
same: the second insert waits for the first transaction, then must neither fail (a failed write
fails the event whose flow made it) nor undo what the first one wrote. SQLite runs one writer
at a time, so the race is PostgreSQL's alone. Each test holds the first row in an open
transaction, lets the hub's write start and wait on it, then commits the first.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, Executable, insert, text

from notionhub.hubdb.engine import create_hub_engine
from notionhub.hubdb.tables import key_index, page_mirror
from notionhub.notion.key_index import KeyIndex
from notionhub.notion.mirror import PageMirror

DATA_SOURCE = "01a24ea7-30ab-757e-9cae-9b0366571109"
BLOCKED_WITHIN_S = 30.0  # a guard against a hung test, not a measurement


@contextmanager
def postgres_engine(url: str) -> Iterator[Engine]:
    engine = create_hub_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def waiting_on_a_lock(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
        )


def write_behind_an_uncommitted_row(
    engine: Engine, first_row: Executable, write: Callable[[], None]
) -> BaseException | None:
    """Insert ``first_row`` without committing, start ``write`` in a thread, and commit once
    that write waits on the row's lock; returns what the thread raised (None: nothing)."""
    raised: list[BaseException] = []

    def run() -> None:
        try:
            write()
        except BaseException as error:  # reported to the test, which fails on it
            raised.append(error)

    with engine.connect() as connection:
        transaction = connection.begin()
        connection.execute(first_row)
        thread = threading.Thread(target=run)
        thread.start()
        deadline = time.monotonic() + BLOCKED_WITHIN_S
        while not waiting_on_a_lock(engine):
            assert thread.is_alive(), f"the write did not wait for the first row: {raised}"
            assert time.monotonic() < deadline, "the write never waited for the first row"
            time.sleep(0.01)
        transaction.commit()
    thread.join(BLOCKED_WITHIN_S)
    assert not thread.is_alive()
    return raised[0] if raised else None


def test_a_key_learned_while_a_writer_inserts_it_leaves_the_writers_row(
    postgres_url: str,
) -> None:
    with postgres_engine(postgres_url) as engine:
        index = KeyIndex(engine)
        writers_row = insert(key_index).values(
            data_source_id=DATA_SOURCE,
            record_key="Discovery call",
            page_id="page-of-the-writer",
            create_started=False,
            lease_owner="the-writer",
            lease_until=time.time() + 60,
        )
        raised = write_behind_an_uncommitted_row(
            engine,
            writers_row,
            lambda: index.record(DATA_SOURCE, "Discovery call", "page-learned-from-notion"),
        )
        assert raised is None
        assert index.page_id(DATA_SOURCE, "Discovery call") == "page-of-the-writer"


def test_a_page_mirrored_by_two_workers_at_once_keeps_the_last_values(
    postgres_url: str,
) -> None:
    with postgres_engine(postgres_url) as engine:
        mirror = PageMirror(engine)
        first = insert(page_mirror).values(
            page_id="page-1", data_source_id=DATA_SOURCE, values_json='{"Price": {"number": 1}}'
        )
        raised = write_behind_an_uncommitted_row(
            engine, first, lambda: mirror.put("page-1", DATA_SOURCE, {"Price": {"number": 2}})
        )
        assert raised is None
        assert mirror.get("page-1") == {"Price": {"number": 2}}
        assert mirror.data_source_of_page("page-1") == DATA_SOURCE
