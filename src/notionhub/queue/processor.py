"""One DBOS workflow per event run: load, apply the packs' flows, retry what is transient, record.

The workflow is deterministic; every effect is a step: ``apply`` (the flows) and ``finish``.
Steps are at-least-once (a step in flight at a crash runs again on recovery), which is why flows
write only through upserts by key. Errors
are caught inside the ``apply`` step and returned as data, so the workflow decides: retry after a
durable sleep (transient), or record the event as failed (permanent, or out of attempts).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import structlog
from dbos import DBOS, DBOSConfiguredInstance, Queue, SetEnqueueOptions, SetWorkflowID
from sqlalchemy.exc import OperationalError

from notionhub.errors import (
    AmbiguousWrite,
    Conflict,
    GatewayTimeout,
    InternalServerError,
    NotionUnreachable,
    RateLimited,
    ServiceUnavailable,
)
from notionhub.metrics import Metrics
from notionhub.notion.connection import NotionConnection
from notionhub.packs import FlowContext, Pack
from notionhub.queue.store import EventStore, StoredEvent

log = structlog.get_logger("notionhub.processor")

# DBOS's largest priority (2^31 - 1): arrival sequences past it share the last place.
MAX_PRIORITY = 2**31 - 1

# Failures worth another attempt: Notion busy or unreachable, a write of unknown outcome, a
# locked database. Anything else (a validation error, a bug in a flow) fails the event at once.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    NotionUnreachable,
    AmbiguousWrite,
    RateLimited,
    Conflict,
    InternalServerError,
    ServiceUnavailable,
    GatewayTimeout,
    OperationalError,
    httpx.TransportError,
)


@dataclass(frozen=True)
class RetrySchedule:
    """Attempts per event run and the durable sleep between them (exponential, capped)."""

    max_attempts: int = 5
    base_seconds: float = 2.0
    cap_seconds: float = 300.0

    def delay(self, event_id: str, attempt: int) -> float:
        """Sleep after failed ``attempt``: base·2^(attempt-1), ±25 % jitter from the event id.

        The jitter is derived, not drawn, so the workflow stays deterministic on recovery.
        """
        digest = hashlib.sha256(f"{event_id}:{attempt}".encode()).digest()
        jitter = 0.75 + digest[0] / 255 * 0.5
        return float(min(self.cap_seconds, self.base_seconds * 2 ** (attempt - 1)) * jitter)


@dataclass
class ProcessingContext:
    """What the workflow's steps work with; attached to the processor before DBOS launches."""

    store: EventStore
    notion: NotionConnection
    packs: list[Pack]
    metrics: Metrics
    schedule: RetrySchedule = field(default_factory=RetrySchedule)
    on_finished: Callable[[], None] = lambda: None  # wakes the dispatcher


@DBOS.dbos_class()
class EventProcessor(DBOSConfiguredInstance):
    """The event workflow. One instance per process, named so DBOS finds it on recovery."""

    def __init__(self) -> None:
        super().__init__("notionhub-events")
        self._context: ProcessingContext | None = None

    def attach(self, context: ProcessingContext) -> None:
        self._context = context

    @property
    def context(self) -> ProcessingContext:
        if self._context is None:
            raise RuntimeError("EventProcessor used before attach().")
        return self._context

    # -- the workflow ------------------------------------------------------------------

    @DBOS.workflow(name="process_event")
    def process(self, event_id: str) -> str:
        max_attempts = self.context.schedule.max_attempts
        for attempt in range(1, max_attempts + 1):
            outcome = self.apply(event_id, attempt)
            if outcome.get("ignored"):
                self.finish(event_id, "ignored", 0, outcome)
                return "ignored"
            if outcome["ok"]:
                self.finish(event_id, "processed", attempt, outcome)
                return "processed"
            if not outcome["transient"] or attempt == max_attempts:
                self.finish(event_id, "failed", attempt, outcome)
                return "failed"
            self.record_attempt(event_id, attempt, outcome)
            DBOS.sleep(self.context.schedule.delay(event_id, attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    # -- its steps ---------------------------------------------------------------------

    @DBOS.step(name="apply")
    def apply(self, event_id: str, attempt: int) -> dict[str, Any]:
        """Run every matching flow; never raises: errors come back as data."""
        context = self.context
        requests: list[str] = []
        gateway = context.notion.gateway.observed(
            lambda operation, outcome: requests.append(f"{operation} {outcome}")
        )
        notes: list[str] = []
        try:
            event = context.store.get(event_id).event()
            flows = [(pack, flow) for pack in context.packs for flow in pack.flows_for(event)]
            if not flows:
                return {"ok": True, "ignored": True, "reason": "no enabled pack handles this type"}
            records = context.notion.records(context.notion.settings.worker_id, gateway)
            flow_context = FlowContext(
                records=records,
                gateway=gateway,
                engine=context.notion.engine,
                settings=context.notion.settings,
            )
            notes.extend(
                f"{pack.name}: {flow(event, flow_context) or 'done'}" for pack, flow in flows
            )
        except Exception as error:
            transient = isinstance(error, TRANSIENT_ERRORS)
            log.warning(
                "event_attempt_failed",
                event_id=event_id,
                attempt=attempt,
                transient=transient,
                error=f"{type(error).__name__}: {error}",
            )
            return {
                "ok": False,
                "transient": transient,
                "error": f"{type(error).__name__}: {error}",
                "notion_requests": requests,
            }
        return {"ok": True, "notes": notes, "notion_requests": requests}

    @DBOS.step(name="record_attempt", retries_allowed=True, max_attempts=5)
    def record_attempt(self, event_id: str, attempt: int, outcome: dict[str, Any]) -> None:
        self.context.store.record_attempt(
            event_id, attempt, outcome["error"], outcome["notion_requests"]
        )

    @DBOS.step(name="finish", retries_allowed=True, max_attempts=5)
    def finish(self, event_id: str, status: Any, attempts: int, outcome: dict[str, Any]) -> None:
        context = self.context
        detail = {
            key: value
            for key, value in outcome.items()
            if key not in ("ok", "transient", "ignored")
        }
        context.store.finish(
            event_id,
            status,
            attempts=attempts,
            detail=detail,
            error=outcome.get("error"),
            notion_requests=len(outcome.get("notion_requests", ())),
        )
        context.metrics.events_finished.labels(status=status).inc()
        log.info("event_finished", event_id=event_id, status=status, attempts=attempts)
        context.on_finished()


def enqueue_event(queue: Queue, processor: EventProcessor, event: StoredEvent) -> None:
    """Start the event's current run on the queue; a no-op if that run already exists.

    The partition is the entity, so one entity's events run one at a time; DBOS takes a
    partition's head by (priority, enqueue time), and enqueue times tie, so the arrival
    sequence is passed as the priority to keep arrival order.
    """
    priority = min(event.seq, MAX_PRIORITY)
    with (
        SetWorkflowID(event.workflow_id),
        SetEnqueueOptions(queue_partition_key=event.partition, priority=priority),
    ):
        queue.enqueue(processor.process, event.id)
