"""The runtime in-process on DBOS: events applied once, in order per entity, retried, failed,
replayed, ignored, and recovered after a crash between claiming and enqueueing."""

from __future__ import annotations

import threading
from collections import defaultdict

from dbos import DBOS, SetWorkflowID

from notionhub.errors import NotionUnreachable
from notionhub.ingest.event import Event
from notionhub.notion.schema import from_page
from notionhub.packs import Agent, FlowContext, Pack
from notionhub.packs.echo import PACK as ECHO
from notionhub.packs.echo.models import EventLogEntry
from notionhub.queue.processor import EventProcessor
from notionhub.queue.runtime import Runtime
from notionhub.queue.store import EventStore
from tests.queue.conftest import RuntimeFactory, make_event, wait_until_drained


def steps_of(workflow_id: str) -> list[str]:
    """The steps DBOS recorded for a workflow, in order (its durable sleeps left out)."""
    names = [str(step["function_name"]) for step in DBOS.list_workflow_steps(workflow_id)]
    return [name for name in names if name != "DBOS.sleep"]


def store_of(runtime: Runtime) -> EventStore:
    assert runtime.store is not None
    return runtime.store


def submit(runtime: Runtime, events: list[Event]) -> list[bool]:
    new = store_of(runtime).insert_many(events)
    runtime.wake()
    return new


class Recorder:
    """A test pack's flows: record what ran, fail on demand."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: dict[str, int] = defaultdict(int)
        self.order: dict[str | None, list[int]] = defaultdict(list)
        self.transient_failures: dict[str, int] = {}
        self.broken: set[str] = set()

    def flow(self, event: Event, _context: FlowContext) -> str:
        with self.lock:
            self.calls[event.idempotency_key] += 1
            if self.transient_failures.get(event.idempotency_key, 0) > 0:
                self.transient_failures[event.idempotency_key] -= 1
                raise NotionUnreachable("no answer from Notion (test)")
            if event.idempotency_key in self.broken:
                raise ValueError("this flow cannot handle the event (test)")
            self.order[event.entity_key].append(event.data["n"])
        return "recorded"

    def pack(self) -> Pack:
        return Pack(
            "recorder",
            "test",
            models=(),
            agents=(Agent("recorder", "records events", flows={"test:test.*": self.flow}),),
        )


def test_echo_pack_writes_one_row_per_event_and_ignores_redeliveries(
    start_runtime: RuntimeFactory,
) -> None:
    runtime = start_runtime(packs=[ECHO])
    events = [make_event(f"email:client{i % 3}@example.com") for i in range(12)]
    assert submit(runtime, events) == [True] * 12
    counts = wait_until_drained(store_of(runtime), 12)
    assert counts["processed"] == 12
    assert submit(runtime, events[:4]) == [False] * 4  # redelivered: nothing new
    assert runtime.notion is not None
    records = runtime.notion.records()
    data_source = records.data_source_of(EventLogEntry)
    pages = list(runtime.notion.gateway.query(data_source))
    rows = sorted(from_page(EventLogEntry, page).event_id for page in pages)
    assert rows == sorted(event.idempotency_key for event in events)
    stored = store_of(runtime).get(events[0].idempotency_key)
    assert stored.notion_requests >= 1
    [finished] = [h for h in store_of(runtime).history(stored.id) if h.kind == "processed"]
    [page_id] = [p["id"] for p in pages if from_page(EventLogEntry, p).event_id == stored.id]
    assert finished.detail["notion_requests"] == [f"pages.create ok /v1/pages/{page_id}"]
    assert finished.detail["notes"][0].startswith("echo: Event Log row created")


def test_events_of_one_entity_apply_in_arrival_order(start_runtime: RuntimeFactory) -> None:
    recorder = Recorder()
    runtime = start_runtime(packs=[recorder.pack()])
    events = [make_event(f"email:c{i % 4}@example.com") for i in range(60)]
    for chunk in range(0, 60, 7):  # arriving in several batches, as requests do
        submit(runtime, events[chunk : chunk + 7])
    wait_until_drained(store_of(runtime), 60)
    for entity in {e.entity_key for e in events}:
        expected = [e.data["n"] for e in events if e.entity_key == entity]
        assert recorder.order[entity] == expected
    assert all(count == 1 for count in recorder.calls.values())


def test_transient_failures_are_retried_then_processed(start_runtime: RuntimeFactory) -> None:
    recorder = Recorder()
    runtime = start_runtime(packs=[recorder.pack()])
    event = make_event()
    recorder.transient_failures[event.idempotency_key] = 2
    submit(runtime, [event])
    wait_until_drained(store_of(runtime), 1)
    stored = store_of(runtime).get(event.idempotency_key)
    assert (stored.status, stored.attempts, stored.last_error) == ("processed", 3, None)
    kinds = [entry.kind for entry in store_of(runtime).history(event.idempotency_key)]
    assert kinds == ["received", "attempt_failed", "attempt_failed", "processed"]
    # The first attempt, then the pack again as steps of their own, then the outcome.
    assert steps_of(stored.workflow_id) == [
        "first_attempt",
        "record_attempt",
        "apply",
        "record_attempt",
        "apply",
        "finish",
    ]


def test_an_event_done_at_the_first_attempt_takes_one_step(
    start_runtime: RuntimeFactory,
) -> None:
    recorder = Recorder()
    runtime = start_runtime(packs=[recorder.pack(), ECHO])
    done, broken = make_event(), make_event()
    recorder.broken.add(broken.idempotency_key)
    submit(runtime, [done, broken])
    wait_until_drained(store_of(runtime), 2)
    for event, status in ((done, "processed"), (broken, "failed")):
        stored = store_of(runtime).get(event.idempotency_key)
        assert (stored.status, stored.attempts) == (status, 1)
        # Planned, both packs run, the outcome recorded: one step, nothing left to retry.
        assert steps_of(stored.workflow_id) == ["first_attempt"]
    [finished] = [
        h for h in store_of(runtime).history(done.idempotency_key) if h.kind != "received"
    ]
    assert sorted(finished.detail["packs"]) == ["echo", "recorder"]
    [failed] = [h for h in store_of(runtime).history(broken.idempotency_key) if h.kind == "failed"]
    assert failed.detail["failed_packs"] == ["recorder"]
    assert failed.detail["packs"]["echo"]["ok"] is True


def test_a_run_begun_by_an_earlier_version_keeps_its_steps(
    start_runtime: RuntimeFactory, processor: EventProcessor
) -> None:
    """``process_event``, as enqueued before ``process_event_v2``, still runs (so DBOS can
    recover one left pending by an upgrade) with the steps it had: plan, apply, finish."""
    recorder = Recorder()
    runtime = start_runtime(packs=[recorder.pack()])
    assert runtime.dispatcher is not None
    runtime.dispatcher.stop()  # the run is enqueued by hand here, as the older hub did
    store = store_of(runtime)
    event = make_event()
    store.insert_many([event])
    [claimed] = store.claim_pending(1)
    with SetWorkflowID(claimed.workflow_id):
        handle = DBOS.start_workflow(processor.process_v1, claimed.id, claimed.provider)
    assert handle.get_result() == "processed"
    assert store.get(event.idempotency_key).status == "processed"
    assert steps_of(claimed.workflow_id) == ["plan", "apply", "finish"]
    assert recorder.calls[event.idempotency_key] == 1


def test_out_of_attempts_fails_and_a_replay_applies_it(start_runtime: RuntimeFactory) -> None:
    recorder = Recorder()
    runtime = start_runtime(packs=[recorder.pack()])
    event = make_event()
    recorder.transient_failures[event.idempotency_key] = 100
    submit(runtime, [event])
    wait_until_drained(store_of(runtime), 1)
    failed = store_of(runtime).get(event.idempotency_key)
    assert (failed.status, failed.attempts) == ("failed", 3)  # FAST_SCHEDULE: 3 attempts
    assert failed.last_error == "recorder: NotionUnreachable: no answer from Notion (test)"
    recorder.transient_failures.clear()
    assert store_of(runtime).request_replay([event.idempotency_key]) == [event.idempotency_key]
    runtime.wake()
    wait_until_drained(store_of(runtime), 1)
    replayed = store_of(runtime).get(event.idempotency_key)
    assert (replayed.status, replayed.replays, replayed.last_error) == ("processed", 1, None)
    assert recorder.calls[event.idempotency_key] == 4


def test_a_permanent_error_fails_at_once(start_runtime: RuntimeFactory) -> None:
    recorder = Recorder()
    runtime = start_runtime(packs=[recorder.pack()])
    broken, fine = make_event("email:a@example.com"), make_event("email:a@example.com")
    recorder.broken.add(broken.idempotency_key)
    submit(runtime, [broken, fine])
    wait_until_drained(store_of(runtime), 2)
    failed = store_of(runtime).get(broken.idempotency_key)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert failed.last_error == "recorder: ValueError: this flow cannot handle the event (test)"
    # A failed event does not hold back the next one of the same entity.
    assert store_of(runtime).get(fine.idempotency_key).status == "processed"


def test_unknown_event_types_are_stored_and_ignored(start_runtime: RuntimeFactory) -> None:
    recorder = Recorder()
    runtime = start_runtime(packs=[recorder.pack()])
    event = make_event(type="other.thing")
    submit(runtime, [event])
    wait_until_drained(store_of(runtime), 1)
    stored = store_of(runtime).get(event.idempotency_key)
    assert stored.status == "ignored"
    assert steps_of(stored.workflow_id) == ["first_attempt"]
    assert recorder.calls == {}


def test_claimed_events_without_a_workflow_are_recovered_at_start(
    start_runtime: RuntimeFactory,
) -> None:
    recorder = Recorder()
    runtime = start_runtime(packs=[recorder.pack()])
    store = store_of(runtime)
    runtime.stop()
    runtime.store = None
    # A crash between claiming (status queued) and enqueueing: no DBOS workflow exists.
    events = [make_event() for _ in range(3)]
    store.insert_many(events)
    assert len(store.claim_pending(3)) == 3
    restarted = start_runtime(packs=[recorder.pack()])
    wait_until_drained(store_of(restarted), 3)
    assert recorder.order["email:jane@example.com"] == [e.data["n"] for e in events]


def test_postgresql_holds_the_event_log_and_the_dbos_queue(
    postgres_url: str, start_runtime: RuntimeFactory
) -> None:
    recorder = Recorder()
    runtime = start_runtime(packs=[recorder.pack()], database_url=postgres_url)
    assert runtime.store is not None
    assert runtime.store.engine.dialect.name == "postgresql"
    events = [make_event(f"email:c{i % 3}@example.com") for i in range(15)]
    submit(runtime, events)
    assert submit(runtime, events[:3]) == [False] * 3
    wait_until_drained(store_of(runtime), 15)
    for entity in {e.entity_key for e in events}:
        assert recorder.order[entity] == [e.data["n"] for e in events if e.entity_key == entity]
