"""The event log, on SQLite and PostgreSQL: intake, claiming in order, finishing, replay."""

from __future__ import annotations

from sqlalchemy import Engine

from notionhub.queue.store import EventStore
from tests.queue.conftest import make_event


def test_insert_reports_new_and_duplicate_events(any_hub_engine: Engine) -> None:
    store = EventStore(any_hub_engine)
    first, second = make_event(), make_event()
    assert store.insert_many([first, second]) == [True, True]
    # A redelivery, and the same event twice in one batch: stored once.
    third = make_event()
    assert store.insert_many([first, third, third]) == [False, True, False]
    assert store.counts()["pending"] == 3
    stored = store.get(third.idempotency_key)
    assert (stored.provider, stored.type, stored.data) == ("test", "test.happened", third.data)
    assert [entry.kind for entry in store.history(third.idempotency_key)] == ["received"]


def test_claims_pending_events_in_arrival_order(any_hub_engine: Engine) -> None:
    store = EventStore(any_hub_engine)
    events = [make_event() for _ in range(5)]
    for event in events:
        store.insert_many([event])
    claimed = store.claim_pending(3)
    assert [row.id for row in claimed] == [e.idempotency_key for e in events[:3]]
    assert store.count_queued() == 3
    assert [row.id for row in store.claim_pending(10)] == [e.idempotency_key for e in events[3:]]
    assert store.claim_pending(10) == []


def test_finish_and_replay_make_a_new_run(any_hub_engine: Engine) -> None:
    store = EventStore(any_hub_engine)
    event = make_event()
    store.insert_many([event])
    [row] = store.claim_pending(1)
    assert row.workflow_id == event.idempotency_key
    # A queued event is not finished: it cannot be replayed yet.
    assert store.request_replay([event.idempotency_key]) == []
    store.record_attempt(
        event.idempotency_key, 1, "NotionUnreachable: down", ["pages.create timeout"]
    )
    store.finish(event.idempotency_key, "failed", attempts=2, detail={"x": 1}, error="boom")
    failed = store.get(event.idempotency_key)
    assert (failed.status, failed.attempts, failed.last_error, failed.notion_requests) == (
        "failed",
        2,
        "boom",
        1,
    )
    assert store.failed_ids() == [event.idempotency_key]
    assert store.request_replay([event.idempotency_key, "test:unknown"]) == [event.idempotency_key]
    replayed = store.get(event.idempotency_key)
    assert (replayed.status, replayed.replays, replayed.attempts) == ("pending", 1, 0)
    assert replayed.workflow_id == f"{event.idempotency_key}#replay-1"
    kinds = [entry.kind for entry in store.history(event.idempotency_key)]
    assert kinds == ["received", "attempt_failed", "failed", "replay"]


def test_recent_pages_back_newest_first(hub_engine: Engine) -> None:
    store = EventStore(hub_engine)
    events = [make_event() for _ in range(5)]
    store.insert_many(events)
    page = store.recent(limit=2)
    assert [row.id for row in page] == [e.idempotency_key for e in reversed(events[3:])]
    older = store.recent(limit=10, before_seq=page[-1].seq)
    assert [row.id for row in older] == [e.idempotency_key for e in reversed(events[:3])]
    assert store.recent(status="failed") == []
