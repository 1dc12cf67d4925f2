"""The dispatcher's hold: ingest first during a burst, never processing starved by a stream."""

from __future__ import annotations

from contextlib import nullcontext

from sqlalchemy import Engine

from notionhub.queue.dispatcher import Dispatcher
from notionhub.queue.store import EventStore
from tests.queue.conftest import make_event


class Moment:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_pressure_holds_dispatching_for_its_first_seconds_only(hub_engine: Engine) -> None:
    store = EventStore(hub_engine)
    enqueued: list[str] = []
    pressure = [True]
    moment = Moment()
    dispatcher = Dispatcher(
        store,
        lambda event: enqueued.append(event.id),
        lambda _workflow_id: None,
        hold=lambda: pressure[0],
        max_hold_seconds=10.0,
        clock=moment,
    )

    def arrive(count: int) -> None:
        store.insert_many([make_event() for _ in range(count)])

    arrive(3)
    assert dispatcher.dispatch_once() == 0  # a burst begins: ingest first
    moment.now = 9.9
    assert dispatcher.dispatch_once() == 0
    moment.now = 10.0
    assert dispatcher.dispatch_once() == 3  # held long enough
    for second in (11.0, 15.0, 40.0):  # the stream goes on: processed as it comes
        moment.now = second
        arrive(2)
        assert dispatcher.dispatch_once() == 2
    pressure[0] = False
    arrive(1)
    assert dispatcher.dispatch_once() == 1  # the stream eased
    pressure[0] = True
    moment.now = 41.0
    arrive(1)
    assert dispatcher.dispatch_once() == 0  # a new burst is held again
    moment.now = 51.0
    assert dispatcher.dispatch_once() == 1
    assert len(enqueued) == len(set(enqueued)) == 11


def test_a_busy_window_is_topped_up_a_quarter_at_a_time(hub_engine: Engine) -> None:
    store = EventStore(hub_engine)
    enqueued: list[str] = []
    dispatcher = Dispatcher(
        store, lambda event: enqueued.append(event.id), lambda _id: None, window=8
    )
    store.insert_many([make_event() for _ in range(20)])
    assert dispatcher.dispatch_once() == 8  # an empty window fills at once

    def finish(count: int) -> None:
        for event_id in enqueued[:count]:
            store.finish(event_id, "processed", attempts=1, detail={})
        del enqueued[:count]

    finish(1)
    assert dispatcher.dispatch_once() == 0  # seven still enqueued: wait for a quarter
    finish(1)
    assert dispatcher.dispatch_once() == 2
    finish(8)  # the window empties: it fills again at once
    assert dispatcher.dispatch_once() == 8
    finish(8)
    assert dispatcher.dispatch_once() == 2
    assert store.counts()["pending"] == 0


def test_a_process_without_the_turn_leaves_the_sweep_to_its_holder(hub_engine: Engine) -> None:
    """Sweeping takes the dispatching turn: two processes sweeping one dead run at once would
    each fail it and replay it."""
    store = EventStore(hub_engine)
    store.insert_many([make_event()])
    enqueued: list[str] = []
    sweeps = {
        ours: Dispatcher(
            store,
            lambda event: enqueued.append(event.id),
            lambda _workflow_id: None,  # the workflow is missing: the sweep enqueues it again
            turn=lambda ours=ours: nullcontext(ours),
        )
        for ours in (False, True)
    }
    assert sweeps[True].dispatch_once() == 1
    enqueued.clear()
    assert sweeps[False].sweep(older_than=0.0) == 0
    assert enqueued == []
    assert sweeps[True].sweep(older_than=0.0) == 1
    assert len(enqueued) == 1
