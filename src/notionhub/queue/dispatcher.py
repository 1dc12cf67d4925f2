"""Pending events → the DBOS queue, in arrival order, a window at a time.

The event log, not DBOS, is the inbox: ingest only writes a row, and this thread keeps at most
``window`` events enqueued in DBOS at once, topping the window up a quarter at a time. So a burst
of webhooks costs one insert each on the request path, however slow Notion is, and DBOS never
holds more than the window.

Ingest comes first: while webhooks are arriving faster than ``PRESSURE_RATE`` a second, no new
event is dispatched, and the CPU goes to acknowledging them; a burst is processed right behind
it. The hold lasts at most ``max_hold_seconds`` in a row: a stream that stays above the rate
longer is processed as it comes, at full pace, until it eases (holding one window per hold,
as before, processed 6.5 events/s under a sustained 1,460/s stream: ``bench ingest``).

A claimed event is marked ``queued`` before its workflow is enqueued; a crash in between leaves
a queued event with no workflow, which the sweep (at start, then every ``sweep_seconds``)
enqueues again. Enqueueing an existing workflow id is a no-op, so the sweep is always safe.

A workflow that died (``ERROR``) because the database was away (its own writes or DBOS's
checkpoints failed while PostgreSQL was cut) is not the event's fault: the sweep runs the event
again as a new run (finished failed, then replayed; at most ``MAX_DATABASE_RERUNS`` times), and
only a workflow that died of anything else marks its event failed for good.

Several processes sharing one PostgreSQL each run a dispatcher; ``turn`` lets one of them at a
time claim and enqueue (the others skip that round), so a later event of an entity is never
enqueued before an earlier one that another process claimed a moment before.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

import structlog

from notionhub.queue.store import EventStore, StoredEvent

log = structlog.get_logger("notionhub.dispatcher")

# DBOS workflow statuses after which a run will not finish by itself.
DEAD_STATUSES = frozenset({"ERROR", "CANCELLED", "MAX_RECOVERY_ATTEMPTS_EXCEEDED"})
# Runs of one event the sweep starts again after their workflow died of the database being away.
MAX_DATABASE_RERUNS = 5


class Dispatcher:
    """A background thread feeding the DBOS queue from the event log."""

    def __init__(
        self,
        store: EventStore,
        enqueue: Callable[[StoredEvent], None],
        workflow_status: Callable[[str], str | None],
        *,
        window: int = 64,
        poll_seconds: float = 0.5,
        sweep_seconds: float = 60.0,
        hold: Callable[[], bool] = lambda: False,
        max_hold_seconds: float = 10.0,
        died_of_database_away: Callable[[str], bool] = lambda _workflow_id: False,
        turn: Callable[[], AbstractContextManager[bool]] = lambda: nullcontext(True),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.enqueue = enqueue
        self.workflow_status = workflow_status
        self.window = window
        # A window with work in it is topped up once this much of it is free: every finished
        # event wakes the dispatcher, which would otherwise claim one event per transaction.
        self.refill = max(1, window // 4)
        self.poll_seconds = poll_seconds
        self.sweep_seconds = sweep_seconds
        self.hold = hold  # True while ingest is under pressure
        self.max_hold_seconds = max_hold_seconds
        self.died_of_database_away = died_of_database_away
        self.turn = turn  # yields whether this process may dispatch now
        self.clock = clock
        self._held_since: float | None = None  # when the pressure began, while it lasts
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self.sweep(older_than=0.0)
        self._thread = threading.Thread(target=self._run, name="event-dispatcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def wake(self, _count: int = 0) -> None:
        """New events were stored, or a run finished: look again now."""
        self._wake.set()

    def _run(self) -> None:
        last_sweep = time.monotonic()
        while not self._stop.is_set():
            try:
                self.dispatch_once()
                if time.monotonic() - last_sweep > self.sweep_seconds:
                    self.sweep(older_than=self.sweep_seconds)
                    last_sweep = time.monotonic()
            except Exception as error:  # the database is down: log, wait, try again
                log.error("dispatch_failed", error=f"{type(error).__name__}: {error}")
                self._stop.wait(self.poll_seconds * 4)
            self._wake.wait(self.poll_seconds)
            self._wake.clear()

    def dispatch_once(self) -> int:
        """Enqueue as many pending events as the window has room for; returns how many."""
        if self._holding():
            return 0
        with self.turn() as ours:
            return self._dispatch_window() if ours else 0

    def _holding(self) -> bool:
        """Whether to hold back: under pressure, for its first ``max_hold_seconds`` only."""
        if not self.hold():
            self._held_since = None
            return False
        now = self.clock()
        if self._held_since is None:
            self._held_since = now
        return now - self._held_since < self.max_hold_seconds

    def _dispatch_window(self) -> int:
        dispatched = 0
        while not self._stop.is_set():
            queued = self.store.count_queued()
            free = self.window - queued
            if queued and free < self.refill:
                return dispatched  # plenty enqueued still: claim in batches, not one by one
            claimed = self.store.claim_pending(free)
            for event in claimed:
                self.enqueue(event)
            dispatched += len(claimed)
            if len(claimed) < free or not claimed:
                return dispatched
        return dispatched

    def sweep(self, *, older_than: float) -> int:
        """Re-enqueue queued events whose workflow is missing; fail those whose run died.

        One process at a time, under the dispatching turn: two processes sweeping at once from
        lists read at the same moment would each fail and replay the same dead run (the event
        run twice). A process that finds the turn taken leaves the sweep to its holder.
        """
        with self.turn() as ours:
            return self._sweep(older_than) if ours else 0

    def _sweep(self, older_than: float) -> int:
        repaired = 0
        for event in self.store.queued_since(self.store.clock() - older_than):
            status = self.workflow_status(event.workflow_id)
            if status is None:
                self.enqueue(event)
                repaired += 1
            elif status in DEAD_STATUSES and self._rerun_after_database_away(event, status):
                repaired += 1
            elif status in DEAD_STATUSES:
                self.store.finish(
                    event.id,
                    "failed",
                    attempts=event.attempts,
                    detail={"workflow_status": status},
                    error=f"The event's workflow ended with status {status}.",
                )
                repaired += 1
        if repaired:
            log.warning("dispatch_sweep_repaired", events=repaired)
        return repaired

    def _rerun_after_database_away(self, event: StoredEvent, status: str) -> bool:
        """Run the event again when its workflow died only because the database was away."""
        if status != "ERROR" or event.replays >= MAX_DATABASE_RERUNS:
            return False
        if not self.died_of_database_away(event.workflow_id):
            return False
        error = f"The event's workflow ended with status {status}: the database was away."
        self.store.finish(
            event.id,
            "failed",
            attempts=event.attempts,
            detail={"workflow_status": status, "rerun": "database away"},
            error=error,
        )
        self.store.request_replay([event.id])
        log.warning("event_rerun_after_database_away", event_id=event.id, run=event.workflow_id)
        self.wake()
        return True
