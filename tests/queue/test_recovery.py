"""Processes sharing PostgreSQL: a lease per WORKER_ID, and the work of a dead one recovered.

A process holds its executor's lease while it runs; a second process with the same WORKER_ID is
refused; another process takes over only the work of executors whose lease nobody holds, and
frees their key leases first. (The whole of it, with processes killed, is
tests/acceptance/test_workers_postgres.py.)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from notionhub.errors import StartRefused
from notionhub.hubdb.advisory_locks import ExecutorLease, holding_lease_of, turn
from notionhub.hubdb.engine import create_hub_engine
from notionhub.notion.key_index import KeyIndex
from notionhub.queue.recovery import ExecutorRecovery


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    engine = create_hub_engine(postgres_url)
    yield engine
    engine.dispose()


def test_one_process_per_worker_id(engine: Engine) -> None:
    lease = ExecutorLease.take(engine, "w1")
    try:
        with pytest.raises(StartRefused, match="another process runs with WORKER_ID=w1"):
            ExecutorLease.take(engine, "w1", wait_seconds=0)
        with holding_lease_of(engine, "w1") as dead:
            assert not dead
        assert lease.held()
    finally:
        lease.release()
    with holding_lease_of(engine, "w1") as dead:
        assert dead
    ExecutorLease.take(engine, "w1", wait_seconds=0).release()  # free again after that


def test_turns_are_taken_one_at_a_time(engine: Engine) -> None:
    with turn(engine, "dispatch") as first, turn(engine, "dispatch") as second:
        assert first and not second
    with turn(engine, "dispatch") as again:
        assert again


def test_only_the_work_of_dead_executors_is_recovered(engine: Engine) -> None:
    me, alive = ExecutorLease.take(engine, "me"), ExecutorLease.take(engine, "alive")
    KeyIndex(engine, worker="dead")._acquire("source", "dead-key")
    KeyIndex(engine, worker="alive")._acquire("source", "alive-key")
    recovered: list[list[str]] = []
    recovery = ExecutorRecovery(
        engine, me, pending=lambda: {"me", "alive", "dead"}, recover=recovered.append
    )
    try:
        assert recovery.recover_dead() == ["dead"]
        assert recovered == [["dead"]]
        assert KeyIndex(engine).release_leases_of("dead") == 0  # freed by the recovery
        assert KeyIndex(engine).release_leases_of("alive") == 1  # kept: its process runs
    finally:
        alive.release()
        me.release()
