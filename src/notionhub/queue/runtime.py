"""The processing side of a hub process: Notion, packs, DBOS, the dispatcher; started and stopped.

SQLite by default (the hub database and DBOS's system database, two files under
``NOTIONHUB_HOME``), or one PostgreSQL for both when ``DATABASE_URL`` is set, so several workers
on several machines share the event log, the Notion budget and the DBOS queue.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

import structlog
from dbos import DBOS, DBOSConfig, Queue

from notionhub import __version__
from notionhub.metrics import Metrics
from notionhub.notion.connection import NotionConnection, open_notion
from notionhub.notion.provision import Provisioner, ProvisionReport
from notionhub.packs import Pack, load_packs
from notionhub.queue.dispatcher import Dispatcher
from notionhub.queue.processor import (
    EventProcessor,
    ProcessingContext,
    RetrySchedule,
    enqueue_event,
)
from notionhub.queue.store import EventStore, StoredEvent
from notionhub.settings import Settings

log = structlog.get_logger("notionhub.runtime")

QUEUE_NAME = "notionhub-events"
# Workflows of this process running at once: each mostly waits on Notion and its budget.
WORKER_CONCURRENCY = 8


def dbos_config(settings: Settings) -> DBOSConfig:
    """DBOS's settings: its system database beside the hub's, and a fixed application version.

    The version is fixed (not DBOS's default hash of the code) so an upgraded notionhub still
    recovers the workflows a previous version left pending.
    """
    url = settings.database_url
    if url is None or url.startswith("sqlite"):
        settings.notionhub_home.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{(settings.notionhub_home / 'dbos.sqlite3').as_posix()}"
    return {
        "name": "notionhub",
        "system_database_url": url,
        "application_version": f"notionhub-{__version__}",
        "executor_id": settings.worker_id,
        "log_level": "WARNING",
    }


@dataclass
class Runtime:
    """Everything behind the 202: owns the Notion connection and the DBOS lifecycle."""

    settings: Settings
    processor: EventProcessor
    metrics: Metrics = field(default_factory=Metrics)
    schedule: RetrySchedule = field(default_factory=RetrySchedule)
    window: int = 64
    # The packs to run; None = those named by NOTIONHUB_PACKS.
    packs: list[Pack] | None = None
    notion: NotionConnection | None = None
    store: EventStore | None = None
    provision_report: ProvisionReport | None = None
    dispatcher: Dispatcher | None = None
    # True while webhooks arrive in a burst (set by the hub to its intake's measure).
    ingest_pressure: Callable[[], bool] = lambda: False
    _queue: Queue | None = None

    def start(self) -> None:
        """Provision the enabled packs, launch DBOS (recovering pending runs), start dispatching."""
        if self.packs is None:
            self.packs = load_packs(self.settings.notionhub_packs)
        self.notion = open_notion(self.settings, self.metrics)
        self.store = EventStore(self.notion.engine)
        models = [model for pack in self.packs for model in pack.models]
        self.provision_report = Provisioner(
            self.notion.gateway, self.notion.engine, os.environ
        ).run(models, self.notion.parent_page_id())
        packs = self.packs
        self.dispatcher = Dispatcher(
            self.store,
            self._enqueue,
            _workflow_status,
            window=self.window,
            hold=self._under_pressure,
        )
        self.processor.attach(
            ProcessingContext(
                store=self.store,
                notion=self.notion,
                packs=packs,
                metrics=self.metrics,
                schedule=self.schedule,
                on_finished=self.dispatcher.wake,
            )
        )
        DBOS(config=dbos_config(self.settings))
        DBOS.launch()
        self._queue = DBOS.register_queue(
            QUEUE_NAME,
            worker_concurrency=WORKER_CONCURRENCY,
            partition_concurrency=1,
            polling_interval_sec=0.1,
            on_conflict="always_update",
        )
        self.dispatcher.start()
        log.info("runtime_started", packs=[pack.name for pack in packs])

    def stop(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.stop()
        DBOS.destroy(workflow_completion_timeout_sec=5)
        if self.notion is not None:
            self.notion.close()

    def wake(self, count: int = 0) -> None:
        if self.dispatcher is not None:
            self.dispatcher.wake(count)

    def _under_pressure(self) -> bool:
        return self.ingest_pressure()  # looked up each time: the hub sets it once it starts

    def _enqueue(self, event: StoredEvent) -> None:
        if self._queue is None:
            raise RuntimeError("DBOS is not launched.")
        enqueue_event(self._queue, self.processor, event)


def _workflow_status(workflow_id: str) -> str | None:
    status = DBOS.get_workflow_status(workflow_id)
    return None if status is None else str(status.status)
