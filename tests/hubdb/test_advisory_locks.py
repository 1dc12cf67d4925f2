"""``one_at_a_time``: on PostgreSQL one process at a time runs the block, the others wait for
it (or give up past their wait); on SQLite, which one process serves, the block runs at once."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import Engine

from notionhub.errors import StartRefused
from notionhub.hubdb.advisory_locks import one_at_a_time
from tests.waiting import wait_until

DEADLINE_S = 30.0  # guards against a hang only


def test_a_second_process_waits_for_the_first_to_finish(postgres_hub_engine: Engine) -> None:
    engine = postgres_hub_engine
    waited = threading.Event()
    second_in = threading.Event()

    def note_the_wait(seconds: float) -> None:
        waited.set()
        time.sleep(seconds)

    def second() -> None:
        with one_at_a_time(engine, "provision", wait_seconds=DEADLINE_S, sleep=note_the_wait):
            second_in.set()

    with one_at_a_time(engine, "provision", wait_seconds=DEADLINE_S):
        thread = threading.Thread(target=second)
        thread.start()
        wait_until(waited.is_set, "the second one waits for its turn", deadline=DEADLINE_S)
        assert not second_in.is_set()
    thread.join(DEADLINE_S)
    assert second_in.is_set()


def test_a_turn_held_past_the_wait_refuses_the_start(postgres_hub_engine: Engine) -> None:
    held = one_at_a_time(postgres_hub_engine, "provision", wait_seconds=DEADLINE_S)
    refused = pytest.raises(StartRefused, match="another process has held 'provision'")
    with held, refused, one_at_a_time(postgres_hub_engine, "provision", wait_seconds=0.0):
        pass


def test_on_sqlite_the_block_runs_at_once(hub_engine: Engine) -> None:
    ran = False
    first = one_at_a_time(hub_engine, "provision", wait_seconds=0.0)
    with first, one_at_a_time(hub_engine, "provision", wait_seconds=0.0):
        ran = True
    assert ran
