"""The database away while events are processed: a transient error, never a failed event.

The fault soak cut PostgreSQL mid-stream and 7 events ended failed with "The event's workflow
ended with status ERROR": workflows whose own database writes (the hub's or DBOS's) failed.
"""

from __future__ import annotations

import pickle
import threading
import time
from collections import Counter
from typing import Any

import psycopg
import pytest
from dbos import DBOS
from dbos._dbos import _get_dbos_instance
from sqlalchemy import Engine, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from notionhub.errors import ValidationFailed
from notionhub.ingest.event import Event
from notionhub.packs import Agent, FlowContext, Pack
from notionhub.queue.dispatcher import Dispatcher
from notionhub.queue.processor import died_of_database_away, is_database_away, is_transient
from notionhub.queue.recovery import StrandedClaims, running_here
from notionhub.queue.runtime import Runtime
from notionhub.queue.store import EventStore, StoredEvent
from tests.acceptance.tcp_proxy import TcpProxy
from tests.queue.conftest import RuntimeFactory, make_event, stop, wait_until_drained


def wrapped(driver_error: Exception, *, invalidated: bool = False) -> DBAPIError:
    return DBAPIError.instance(
        "SELECT 1", None, driver_error, psycopg.Error, connection_invalidated=invalidated
    )


@pytest.mark.parametrize(
    "error",
    [
        psycopg.OperationalError("connection failed: Connection refused"),
        psycopg.InterfaceError("the connection is closed"),
        OperationalError("SELECT 1", None, Exception("server closed the connection")),
        InterfaceError("SELECT 1", None, Exception("connection already closed")),
        wrapped(psycopg.DatabaseError("terminating connection"), invalidated=True),
        ConnectionRefusedError(111, "Connection refused"),
        ConnectionResetError(104, "Connection reset by peer"),
    ],
    ids=repr,
)
def test_the_database_away_is_transient(error: Exception) -> None:
    assert is_database_away(error) and is_transient(error)


def test_an_error_caused_by_the_database_away_is_transient() -> None:
    try:
        try:
            raise ConnectionResetError(104, "Connection reset by peer")
        except ConnectionResetError as cause:
            raise RuntimeError("checkpoint failed") from cause
    except RuntimeError as error:
        assert is_transient(error)


@pytest.mark.parametrize(
    "error",
    [
        ValidationFailed("Title is not a property that exists."),
        ValueError("this flow cannot handle the event"),
        wrapped(psycopg.DatabaseError("duplicate key")),  # a query's own fault
    ],
    ids=repr,
)
def test_a_permanent_error_is_not_transient(error: Exception) -> None:
    assert not is_database_away(error) and not is_transient(error)


def test_a_dead_workflow_is_judged_by_its_recorded_error() -> None:
    cause = ConnectionResetError(104, "Connection reset by peer")
    chained = RuntimeError("checkpoint failed")
    chained.__cause__ = cause
    # DBOS pickles the error: the cause is lost, a driver error keeps its class and text.
    assert not died_of_database_away(pickle.loads(pickle.dumps(chained)))
    assert died_of_database_away(pickle.loads(pickle.dumps(wrapped(cause, invalidated=True))))
    assert died_of_database_away("OperationalError: server closed the connection unexpectedly")
    assert not died_of_database_away(ValueError("this flow cannot handle the event"))
    assert not died_of_database_away(None)


def queued(store: EventStore, event: Event) -> StoredEvent:
    store.insert_many([event])
    [claimed] = [e for e in store.claim_pending(10) if e.id == event.idempotency_key]
    return claimed


def test_the_sweep_runs_again_an_event_whose_workflow_died_of_the_database(
    hub_engine: Engine,
) -> None:
    store = EventStore(hub_engine)
    away, broken = make_event(), make_event()
    queued(store, away)
    queued(store, broken)
    enqueued: list[str] = []
    dispatcher = Dispatcher(
        store,
        lambda event: enqueued.append(event.workflow_id),
        lambda _workflow_id: "ERROR",
        died_of_database_away=lambda workflow_id: workflow_id == away.idempotency_key,
    )
    assert dispatcher.sweep(older_than=-1) == 2
    again = store.get(away.idempotency_key)
    assert (again.status, again.replays) == ("pending", 1)  # a new run, dispatched next
    assert dispatcher.dispatch_once() == 1 and enqueued == [f"{away.idempotency_key}#replay-1"]
    failed = store.get(broken.idempotency_key)
    assert failed.status == "failed"
    assert failed.last_error == "The event's workflow ended with status ERROR."


class SlowFlows:
    """A pack whose flow takes a moment, so that the cut lands while events are in flight."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.applied: set[str] = set()
        self.runs: Counter[str] = Counter()

    def flow(self, event: Event, _context: FlowContext) -> str:
        time.sleep(0.05)
        with self.lock:
            self.applied.add(event.idempotency_key)
            self.runs[event.idempotency_key] += 1
        return "applied"

    def pack(self) -> Pack:
        return Pack(
            "slow", "test", models=(), agents=(Agent("slow", "", flows={"test:*": self.flow}),)
        )


def drained_with_sweeps(runtime: Runtime, expected: int, timeout: float = 60) -> dict[str, int]:
    """Wait for every event to finish, sweeping as the minute-long timer would."""
    assert runtime.store is not None and runtime.dispatcher is not None
    deadline = time.monotonic() + timeout  # a guard against hanging, not a timing
    while True:
        try:
            counts = runtime.store.counts()
            if counts["processed"] + counts["failed"] >= expected and not (
                counts["pending"] or counts["queued"]
            ):
                return counts
            runtime.dispatcher.sweep(older_than=0.5)
        except OperationalError:
            pass  # this test's own reads, while cut
        if time.monotonic() > deadline:
            raise AssertionError(f"the queue did not drain: {counts}")
        time.sleep(0.2)


def test_postgresql_cut_mid_stream_every_event_ends_processed(
    postgres_url: str, start_runtime: RuntimeFactory
) -> None:
    url = make_url(postgres_url)
    proxy = TcpProxy(target_port=url.port or 5432).start()
    try:
        through_proxy = url.set(port=proxy.port).render_as_string(hide_password=False)
        flows = SlowFlows()
        runtime = start_runtime(packs=[flows.pack()], database_url=through_proxy)
        assert runtime.store is not None
        events = [make_event(f"email:c{i % 8}@example.com") for i in range(60)]
        runtime.store.insert_many(events)
        runtime.wake()
        while len(flows.applied) < 10:
            time.sleep(0.01)
        proxy.cut()
        time.sleep(3)
        proxy.restore()
        counts = drained_with_sweeps(runtime, len(events))
        assert proxy.counts.cut > 0
        assert counts["failed"] == 0, [
            (e.id, e.last_error) for e in runtime.store.recent(status="failed")
        ]
        assert counts["processed"] == len(events)
        # Stopped while the database is still there: a workflow whose event is done may still
        # be writing DBOS's own record of it, and DBOS retries that write for as long as the
        # database is away, so a process whose database is gone for good cannot exit.
        stop(runtime)
    finally:
        proxy.close()


def test_a_claim_whose_answer_was_lost_is_given_back_and_run_once(
    postgres_url: str, start_runtime: RuntimeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The connection drops as DBOS claims workflows: the claim commits, its answer is lost.

    The CI run of 2026-12-07 (the cut test above) left 26 events queued for a minute behind 6
    such claims: ``PENDING`` under this process, run by no thread, each holding its entity's
    partition. Here the claim's answer is lost on purpose, once.
    """
    flows = SlowFlows()
    runtime = start_runtime(packs=[flows.pack()], database_url=postgres_url)
    assert runtime.store is not None and runtime._recovery is not None
    runtime._recovery.stop()  # this test does the recovery thread's work, on its own clock
    system_db = _get_dbos_instance()._sys_db
    claim = system_db.start_queued_partitioned_workflows
    lost: list[str] = []

    def claim_then_lose_the_answer(*args: Any, **kwargs: Any) -> list[str]:
        claimed: list[str] = claim(*args, **kwargs)
        if claimed and not lost:
            lost.extend(claimed)
            raise OperationalError("COMMIT", None, Exception("server closed the connection"))
        return claimed

    monkeypatch.setattr(system_db, "start_queued_partitioned_workflows", claim_then_lose_the_answer)
    events = [make_event(f"email:c{i % 4}@example.com") for i in range(20)]
    runtime.store.insert_many(events)
    runtime.wake()
    deadline = time.monotonic() + 60  # a guard against hanging, not a timing
    while not lost:
        assert time.monotonic() < deadline, "DBOS claimed nothing through the patched call"
        time.sleep(0.01)
    assert all(DBOS.get_workflow_status(w).status == "PENDING" for w in lost)  # type: ignore[union-attr]
    assert not set(lost) & running_here()
    now = [0.0]
    stranded = StrandedClaims(
        runtime.store.engine, runtime.settings.worker_id, clock=lambda: now[0]
    )
    assert stranded.give_back() == []  # not yet: a claim may be about to start
    now[0] = 10.0
    assert sorted(stranded.give_back()) == sorted(lost)
    counts = wait_until_drained(runtime.store, len(events))
    assert counts["processed"] == len(events)
    assert flows.runs == Counter({event.idempotency_key: 1 for event in events})
