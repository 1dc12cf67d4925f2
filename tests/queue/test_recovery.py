"""Processes sharing PostgreSQL: a lease per WORKER_ID, and the work of a dead one recovered.

A process holds its executor's lease while it runs; a second process with the same WORKER_ID is
refused; another process takes over only the work of executors whose lease nobody holds, and
frees their key leases first. (The whole of it, with processes killed, is
tests/acceptance/test_workers_postgres.py.)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from notionhub.errors import StartRefused
from notionhub.hubdb.advisory_locks import ExecutorLease, holding_lease_of, turn
from notionhub.hubdb.engine import create_hub_engine
from notionhub.notion.key_index import KeyIndex
from notionhub.queue.migrate import _run_dbos_migrations
from notionhub.queue.recovery import ExecutorRecovery, StrandedClaims


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    engine = create_hub_engine(postgres_url)
    yield engine
    engine.dispose()


@pytest.fixture
def dbos_engine(postgres_url: str, engine: Engine) -> Engine:
    """The same database with DBOS's tables (where its workflows' states are kept)."""
    _run_dbos_migrations(postgres_url)
    return engine


def put_workflow(
    engine: Engine,
    workflow_id: str,
    *,
    status: str = "PENDING",
    executor: str = "me",
    owner: str | None = "claim-1",
    queue: str | None = "events",
) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO dbos.workflow_status (workflow_uuid, status, executor_id, owner_xid,"
                " queue_name, queue_partition_key, started_at_epoch_ms)"
                " VALUES (:id, :status, :executor, :owner, :queue, 'email:a', 1)"
                " ON CONFLICT (workflow_uuid) DO UPDATE SET status = :status, owner_xid = :owner"
            ),
            {
                "id": workflow_id,
                "status": status,
                "executor": executor,
                "owner": owner,
                "queue": queue,
            },
        )


def workflow_row(engine: Engine, workflow_id: str) -> tuple[object, ...]:
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT status, owner_xid, queue_name, queue_partition_key, started_at_epoch_ms"
                " FROM dbos.workflow_status WHERE workflow_uuid = :id"
            ),
            {"id": workflow_id},
        ).one()
    return tuple(row)


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


def test_a_claim_no_thread_runs_is_given_back_to_its_queue_after_a_while(
    dbos_engine: Engine,
) -> None:
    put_workflow(dbos_engine, "lost")
    put_workflow(dbos_engine, "running", owner="claim-2")
    put_workflow(dbos_engine, "of-another-process", executor="other")
    put_workflow(dbos_engine, "done", status="SUCCESS")
    put_workflow(dbos_engine, "started-without-a-queue", queue=None)
    now = [0.0]
    stranded = StrandedClaims(
        dbos_engine, "me", running=lambda: {"running"}, clock=lambda: now[0], after=10
    )
    assert stranded.give_back() == []
    now[0] = 9.9
    assert stranded.give_back() == []
    now[0] = 10.0
    assert stranded.give_back() == ["lost"]
    assert workflow_row(dbos_engine, "lost") == ("ENQUEUED", None, "events", "email:a", None)
    for untouched in ("running", "of-another-process", "started-without-a-queue"):
        assert workflow_row(dbos_engine, untouched)[0] == "PENDING"
    assert workflow_row(dbos_engine, "done")[0] == "SUCCESS"
    now[0] = 30.0
    assert stranded.give_back() == []  # "running" never stopped running


def test_only_a_claim_unrun_throughout_is_given_back(dbos_engine: Engine) -> None:
    """A workflow seen running once, or claimed again, starts its wait anew."""
    put_workflow(dbos_engine, "w")
    now, running = [0.0], set[str]()
    stranded = StrandedClaims(
        dbos_engine, "me", running=lambda: running, clock=lambda: now[0], after=10
    )
    assert stranded.give_back() == []
    now[0], running = 5.0, {"w"}
    assert stranded.give_back() == []
    now[0], running = 6.0, set()
    assert stranded.give_back() == []
    now[0] = 12.0
    assert stranded.give_back() == []  # unrun since 6 s only
    put_workflow(dbos_engine, "w", owner="claim-2")  # finished, enqueued again, claimed again
    now[0] = 17.0
    assert stranded.give_back() == []  # this claim was first seen now
    now[0] = 27.0
    assert stranded.give_back() == ["w"]
    assert workflow_row(dbos_engine, "w")[:2] == ("ENQUEUED", None)
