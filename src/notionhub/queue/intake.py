"""Group commit of accepted events: many concurrent requests, one transaction.

Each webhook handler awaits ``Intake.accept``; a single writer task gathers whatever arrived
while the previous transaction ran and stores it in one ``insert_many``, so the cost of a commit
is shared by every request waiting on it. A request is answered only after its commit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import anyio.to_thread
import structlog

from notionhub.ingest.event import Event
from notionhub.queue.store import EventStore

MAX_BATCH = 256
log = structlog.get_logger("notionhub.intake")


@dataclass
class _Waiting:
    event: Event
    done: asyncio.Future[bool]


class Intake:
    """The writer task of the event log; ``start`` inside the event loop, ``stop`` to drain."""

    def __init__(self, store: EventStore, on_stored: Callable[[int], None]) -> None:
        self.store = store
        self.on_stored = on_stored  # told how many new events were stored (wakes the dispatcher)
        self._queue: asyncio.Queue[_Waiting | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="event-intake")

    async def stop(self) -> None:
        if self._task is not None:
            await self._queue.put(None)
            await self._task
            self._task = None

    async def accept(self, event: Event) -> bool:
        """Store ``event``; True if it is new, False if it was already stored (a redelivery)."""
        if self._task is None or self._task.done():
            raise RuntimeError("The event intake is not running.")
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Waiting(event, done))
        return await done

    async def _run(self) -> None:
        stopping = False
        while not stopping:
            first = await self._queue.get()
            if first is None:
                break
            batch = [first]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                item = self._queue.get_nowait()
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            await self._write(batch)

    async def _write(self, batch: list[_Waiting]) -> None:
        try:
            new = await anyio.to_thread.run_sync(
                self.store.insert_many, [item.event for item in batch]
            )
        except Exception as error:  # the database refused: every waiting request gets a 503
            log.error("event_store_failed", error=str(error), batch=len(batch))
            for item in batch:
                if not item.done.done():
                    item.done.set_exception(error)
            return
        for item, is_new in zip(batch, new, strict=True):
            if not item.done.done():
                item.done.set_result(is_new)
        stored = sum(new)
        if stored:
            self.on_stored(stored)
