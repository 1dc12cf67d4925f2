"""Group commit of accepted events: many concurrent requests, one transaction.

Each webhook handler awaits ``Intake.accept``; a writer thread gathers whatever arrived while
the previous transaction ran and stores it in one ``insert_many``, so the cost of a commit is
shared by every request waiting on it. A request is answered only after its commit.

A request waits for the database at most ``EventStore.ingest_wait_seconds`` from its arrival
(``HUB_DB_BUSY_TIMEOUT_SECONDS``), counting the time it queued behind the previous transaction:
with the database locked by another process it is refused (503, Retry-After) within that wait,
not when a provider has long given up.

The intake also measures the rate of accepted requests: while a burst is coming in, the
dispatcher holds back new work so that acknowledging webhooks keeps the CPU (see
``Dispatcher``).
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import structlog

from notionhub.hubdb.engine import database_problem
from notionhub.ingest.event import Event
from notionhub.queue.store import EventStore

MAX_BATCH = 256
# Requests per second above which ingest counts as under pressure.
PRESSURE_RATE = 200.0
log = structlog.get_logger("notionhub.intake")


@dataclass
class _Waiting:
    event: Event
    done: asyncio.Future[bool]
    arrived: float  # time.monotonic()


class Intake:
    """The event log's writer thread; ``start`` inside the event loop, ``stop`` to drain."""

    def __init__(self, store: EventStore, on_stored: Callable[[int], None]) -> None:
        self.store = store
        self.on_stored = on_stored  # told how many new events were stored (wakes the dispatcher)
        self._queue: queue.SimpleQueue[_Waiting | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._recent: deque[float] = deque(maxlen=int(PRESSURE_RATE) + 1)

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._thread = threading.Thread(target=self._run, name="event-intake", daemon=True)
        self._thread.start()

    async def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            await asyncio.to_thread(self._thread.join)
            self._thread = None

    async def accept(self, event: Event) -> bool:
        """Store ``event``; True if it is new, False if it was already stored (a redelivery)."""
        if self._thread is None or self._loop is None:
            raise RuntimeError("The event intake is not running.")
        now = time.monotonic()
        self._recent.append(now)
        done: asyncio.Future[bool] = self._loop.create_future()
        self._queue.put(_Waiting(event, done, now))
        return await done

    def under_pressure(self) -> bool:
        """More than ``PRESSURE_RATE`` requests arrived within the last second."""
        recent = self._recent
        return len(recent) == recent.maxlen and time.monotonic() - recent[0] < 1.0

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stopping = False
            while len(batch) < MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            self._write(batch)
            if stopping:
                return

    def _write(self, batch: list[_Waiting]) -> None:
        assert self._loop is not None
        wait = self.store.ingest_wait_seconds
        if wait is not None:  # what is left of the wait of the batch's oldest request
            wait = max(0.0, wait - (time.monotonic() - batch[0].arrived))
        try:
            new = self.store.insert_many([item.event for item in batch], wait_seconds=wait)
        except Exception as error:  # the database refused: every waiting request gets a 503
            problem = database_problem(error)
            if problem is None:
                log.error("event_store_failed", error=f"{type(error).__name__}: {error}")
            else:
                waited = round(time.monotonic() - batch[0].arrived, 3)
                log.warning(
                    "event_store_refused", reason=str(problem), events=len(batch), waited=waited
                )
            self._loop.call_soon_threadsafe(_fail, batch, problem or error)
            return
        self._loop.call_soon_threadsafe(_resolve, batch, new)
        stored = sum(new)
        if stored:
            self.on_stored(stored)


def _resolve(batch: list[_Waiting], new: list[bool]) -> None:
    for item, is_new in zip(batch, new, strict=True):
        if not item.done.done():
            item.done.set_result(is_new)


def _fail(batch: list[_Waiting], error: Exception) -> None:
    for item in batch:
        if not item.done.done():
            item.done.set_exception(error)
