"""One DBOS workflow per event run: load, apply the packs' flows, retry what is transient, record.

The workflow is deterministic; every effect is a step. Most events need one step: ``first_attempt``
plans, runs every pack's flows once and records the outcome when nothing is worth another attempt
(a DBOS step costs two transactions in DBOS's database, and was most of an event's CPU). When a
pack fails transiently, the workflow goes on from there: a durable sleep, then that pack's flows
again as ``apply`` steps, and the outcome recorded by ``finish``. A Notion event (two-way) reads its
change first, in an ``observe`` step, then takes the same steps one by one.

Steps are at-least-once (a step in flight at a crash runs again on recovery), which is why flows
write only through upserts by key. Errors are caught inside the flows' steps and returned as data,
so the workflow decides: retry after a durable sleep (transient), or record the event as failed
(permanent, or out of attempts).

Runs left pending by an earlier notionhub (workflow ``process_event``: a step for the plan, one per
pack, one for the outcome) are recovered with those steps, under that name: a workflow recovered
after an upgrade must take the steps it took before. New runs are ``process_event_v2``.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import httpx
import structlog
from dbos import DBOS, DBOSConfiguredInstance, Queue, SetEnqueueOptions, SetWorkflowID
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from notionhub.errors import (
    AmbiguousWrite,
    ConfigurationError,
    Conflict,
    GatewayTimeout,
    HubDatabaseUnavailable,
    InternalServerError,
    NotionUnreachable,
    OutboundUnavailable,
    RateLimited,
    ServiceUnavailable,
)
from notionhub.metrics import Metrics
from notionhub.notion.changes import Change, ChangeObserver, PageChange
from notionhub.notion.gateway import NotionGateway, RequestObserver
from notionhub.packs.agents import AgentLedger
from notionhub.packs.pack import FlowContext, Pack
from notionhub.queue.store import EventStore, StoredEvent

log = structlog.get_logger("notionhub.processor")

# The provider whose events are changes made in Notion (read through the ChangeObserver).
NOTION_SOURCE = "notion"
# Why an event no enabled pack handles ends ignored.
NO_PACK = "no enabled pack handles this type"
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
    OutboundUnavailable,
)

# DBOS's own retries of the steps that only touch the hub database (1 s, doubling): about
# four minutes of the database being away before the workflow gives up (and the sweep runs it
# again, see dispatcher.py).
STEP_DB_ATTEMPTS = 9

# The database away (refused, reset, restarting): the hub database's or DBOS's own. Worth
# another attempt, never a failed event. A driver error is matched by class name so that no
# driver (psycopg, sqlite3) need be importable here.
DATABASE_AWAY_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    HubDatabaseUnavailable,
    ConnectionError,  # refused, reset, aborted, broken pipe
)
DRIVER_AWAY_ERRORS = frozenset({"OperationalError", "InterfaceError", "AdminShutdown"})


def is_database_away(error: BaseException | None) -> bool:
    """Whether ``error`` (or what caused it) says the database could not be reached."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, DATABASE_AWAY_ERRORS):
            return True
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            return True
        if type(error).__name__ in DRIVER_AWAY_ERRORS and type(error).__module__.startswith(
            ("psycopg", "sqlite3")
        ):
            return True
        error = error.__cause__ or error.__context__
    return False


# What a driver says when the server is away, for an error known only by its text: a
# workflow's error as DBOS recorded it (pickled: the chain of causes is lost) or could not
# read back (then a string).
DATABASE_AWAY_PHRASES = (
    "connection refused",
    "connection reset",
    "server closed the connection",
    "terminating connection",
    "could not connect",
    "connection is closed",
    "connection already closed",
    "connection timed out",
)


def died_of_database_away(error: object) -> bool:
    """Whether a dead workflow's recorded error says the database was away."""
    if error is None:
        return False
    if isinstance(error, BaseException) and is_database_away(error):
        return True
    text = str(error).lower()
    return any(phrase in text for phrase in DATABASE_AWAY_PHRASES)


def is_transient(error: BaseException) -> bool:
    """Worth another attempt: Notion busy or away, or the database away."""
    return isinstance(error, TRANSIENT_ERRORS) or is_database_away(error)


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
    packs: list[Pack]
    metrics: Metrics
    # A pack's flow context, around the gateway view that records the step's Notion requests.
    flow_context: Callable[[Pack, NotionGateway | None], FlowContext]
    # The gateway a pack writes through (None: the deployment's); each token has its budget.
    gateway_of: Callable[[str | None], NotionGateway]
    agents: AgentLedger
    schedule: RetrySchedule = field(default_factory=RetrySchedule)
    on_finished: Callable[[], None] = lambda: None  # wakes the dispatcher
    # Notion's own events become changes of the packs' models through this, given the event's
    # data and what records the step's Notion requests; None = not two-way.
    observer: Callable[[Mapping[str, Any], RequestObserver], ChangeObserver] | None = None

    def pack(self, name: str) -> Pack:
        for pack in self.packs:
            if pack.name == name:
                return pack
        raise ConfigurationError(f"Pack {name!r} is not enabled in this process.")


@DBOS.dbos_class()
class EventProcessor(DBOSConfiguredInstance):
    """The event workflow. One instance per process, named so DBOS finds it on recovery.

    Each pack's flows for an event run as a step of their own, with their own attempts: one
    pack's transient error retries only that pack, and a permanent one fails only that pack's
    part (the event is failed, and a replay can run that pack alone).
    """

    def __init__(self) -> None:
        super().__init__("notionhub-events")
        self._context: ProcessingContext | None = None
        self._running = 0  # workflow bodies executing in this process now
        self._running_lock = threading.Lock()

    def attach(self, context: ProcessingContext) -> None:
        self._context = context

    @property
    def context(self) -> ProcessingContext:
        if self._context is None:
            raise RuntimeError("EventProcessor used before attach().")
        return self._context

    def running(self) -> int:
        """How many event workflows this process is executing (for a prompt, graceful stop)."""
        with self._running_lock:
            return self._running

    @contextmanager
    def _counted(self) -> Iterator[None]:
        with self._running_lock:
            self._running += 1
        try:
            yield
        finally:
            with self._running_lock:
                self._running -= 1

    # -- the workflow ------------------------------------------------------------------

    @DBOS.workflow(name="process_event_v2")
    def process(self, event_id: str, source: str | None = None) -> str:
        with self._counted():
            if source == NOTION_SOURCE:
                return self._process(event_id, source)
            first = self.first_attempt(event_id)
            if first["status"] is not None:
                return str(first["status"])
            return self._retry_transient(event_id, first["packs"])

    @DBOS.workflow(name="process_event")
    def process_v1(self, event_id: str, source: str | None = None) -> str:
        """A run an earlier notionhub left pending, recovered with the steps it began with."""
        with self._counted():
            return self._process(event_id, source)

    def _retry_transient(self, event_id: str, first: dict[str, dict[str, Any]]) -> str:
        """After a first attempt with transient failures: each such pack again, then the end."""
        results: dict[str, dict[str, Any]] = {}
        for pack, outcome in first.items():
            if outcome["ok"] or not outcome["transient"]:
                results[pack] = outcome
                continue
            self.record_attempt(event_id, 1, outcome)
            DBOS.sleep(self.context.schedule.delay(f"{event_id}:{pack}", 1))
            results[pack] = self._run_step(
                event_id, pack, partial(self.apply, event_id, pack), first=2
            )
        status, attempts, outcome_ = concluded(results)
        self.finish(event_id, status, attempts, outcome_)
        return status

    def _process(self, event_id: str, source: str | None) -> str:
        change: dict[str, Any] | None = None
        notes: list[str] = []
        requests: list[str] = []
        if source == NOTION_SOURCE:
            seen = self._run_step(event_id, "observe", lambda _attempt: self.observe(event_id))
            if not seen["ok"]:
                self.finish(event_id, "failed", seen["attempts"], seen)
                return "failed"
            change, notes, requests = seen["change"], seen["notes"], seen["notion_requests"]
            if seen.get("own"):  # the hub's own write: no flow sees it (no echo loop)
                self.finish(event_id, "ignored", 0, {"reason": notes[0], "notes": notes})
                return "ignored"
        packs = self.plan(event_id, change)
        if not packs:
            reason = notes[0] if notes else NO_PACK
            outcome_: dict[str, Any] = {"reason": reason, "notes": notes}
            outcome_["notion_requests"] = requests
            self.finish(event_id, "ignored", 0, outcome_)
            return "ignored"
        results: dict[str, dict[str, Any]] = {}
        for pack in packs:
            results[pack] = self._run_step(
                event_id, pack, partial(self.apply, event_id, pack, change=change)
            )
        status, attempts, outcome = concluded(results, notes, requests, change)
        self.finish(event_id, status, attempts, outcome)
        return status

    def _run_step(
        self,
        event_id: str,
        part: str,
        attempt_once: Callable[[int], dict[str, Any]],
        *,
        first: int = 1,
    ) -> dict[str, Any]:
        """One part (a pack's flows, or reading a change), attempted from attempt ``first`` until
        it succeeds, fails for good or runs out of attempts."""
        max_attempts = self.context.schedule.max_attempts
        for attempt in range(first, max_attempts + 1):
            outcome = attempt_once(attempt)
            outcome["attempts"] = attempt
            if outcome["ok"] or not outcome["transient"] or attempt == max_attempts:
                return outcome
            self.record_attempt(event_id, attempt, outcome)
            DBOS.sleep(self.context.schedule.delay(f"{event_id}:{part}", attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    # -- its steps ---------------------------------------------------------------------

    @DBOS.step(name="observe")
    def observe(self, event_id: str) -> dict[str, Any]:
        """A Notion event: read the page, update the mirror, say what changed (as data)."""
        context = self.context
        requests: list[str] = []
        try:
            if context.observer is None:
                return {"ok": True, "change": None, "notes": [], "notion_requests": []}
            stored = context.store.get(event_id)
            observer = context.observer(stored.data, partial(_note_request, requests))
            seen = observer.observe(stored.data, stored.received_at, replayed=stored.replays > 0)
        except Exception as error:
            return _failure(event_id, "notion", error, requests)
        context.metrics.notion_changes.labels(
            outcome="change" if seen.change is not None else "none"
        ).inc()
        return {
            "ok": True,
            "change": None if seen.change is None else seen.change.to_json(),
            "own": seen.own,
            "notes": [f"notion: {seen.note}"],
            "notion_requests": requests,
        }

    @DBOS.step(name="first_attempt", retries_allowed=True, max_attempts=STEP_DB_ATTEMPTS)
    def first_attempt(self, event_id: str) -> dict[str, Any]:
        """Plan, run every pack's flows once, and record the outcome unless a pack is worth
        another attempt: ``{"status": <recorded>}``, or ``{"status": None, "packs": <each
        pack's outcome>}`` for the workflow to go on with.

        A pack's error comes back as data. What raises (the database away, mostly) makes DBOS
        attempt the whole step again, as it did ``plan`` and ``finish``: the flows then run
        again, writing through upserts by key.
        """
        stored: StoredEvent | None = self.context.store.get(event_id)
        packs = self._plan(event_id, stored=stored)
        if not packs:
            nothing = {"reason": NO_PACK, "notes": [], "notion_requests": []}
            self._finish(event_id, "ignored", 0, nothing)
            return {"status": "ignored"}
        last = self.context.schedule.max_attempts == 1
        results: dict[str, dict[str, Any]] = {}
        for pack in packs:
            # The first pack's flows get the row the plan read; each other pack reads its own,
            # so that no pack sees what another one's flows did to the event's data.
            results[pack] = {**self._apply(event_id, pack, 1, stored=stored), "attempts": 1}
            stored = None
        if not last and any(
            not result["ok"] and result["transient"] for result in results.values()
        ):
            return {"status": None, "packs": results}
        status, attempts, outcome = concluded(results)
        self._finish(event_id, status, attempts, outcome)
        return {"status": status}

    @DBOS.step(name="plan", retries_allowed=True, max_attempts=STEP_DB_ATTEMPTS)
    def plan(self, event_id: str, change: dict[str, Any] | None = None) -> list[str]:
        return self._plan(event_id, change)

    def _plan(
        self,
        event_id: str,
        change: dict[str, Any] | None = None,
        *,
        stored: StoredEvent | None = None,
    ) -> list[str]:
        """The packs to run: those enabled that handle the event or react to its change (a
        replay may name fewer). ``stored``: the event's row, when already read."""
        context = self.context
        stored = stored or context.store.get(event_id)
        event = stored.event()
        page = None if change is None else PageChange.from_json(change)
        wanted = context.store.replay_packs(event_id) if stored.replays else None
        return [
            pack.name
            for pack in context.packs
            if (pack.handles(event) or (page is not None and pack.reactions_for(page)))
            and (wanted is None or pack.name in wanted)
        ]

    @DBOS.step(name="apply")
    def apply(
        self,
        event_id: str,
        pack_name: str,
        attempt: int,
        change: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        return self._apply(event_id, pack_name, attempt, change)

    def _apply(
        self,
        event_id: str,
        pack_name: str,
        _attempt: int,
        change: dict[str, Any] | None = None,
        *,
        stored: StoredEvent | None = None,
    ) -> dict[str, Any]:
        """Run one pack's matching flows and reactions; never raises: errors come back as data.
        ``stored``: the event's row, when already read (and seen by no other pack's flows)."""
        context = self.context
        requests: list[str] = []
        gateway = context.gateway_of(pack_name).observed(partial(_note_request, requests))
        notes: list[str] = []
        agent_name = pack_name
        try:
            pack = context.pack(pack_name)
            event = (stored or context.store.get(event_id)).event()
            flow_context = context.flow_context(pack, gateway)
            for agent, flow in pack.flows_for(event):
                agent_name = agent.name
                notes.append(f"{pack.name}: {flow(event, flow_context) or 'done'}")
                context.agents.record(pack.name, agent.name, "ok", notes[-1])
            page = None if change is None else PageChange.from_json(change)
            for agent, reaction in pack.reactions_for(page) if page is not None else []:
                agent_name = agent.name
                assert page is not None
                done = reaction.run(Change.of(reaction.model, page), flow_context)
                notes.append(f"{pack.name}: {done or 'done'}")
                context.agents.record(pack.name, agent.name, "ok", notes[-1])
        except Exception as error:
            failure = _failure(event_id, pack_name, error, requests, agent=agent_name)
            outcome = "retrying" if failure["transient"] else "failed"
            context.metrics.pack_runs.labels(pack=pack_name, outcome=outcome).inc()
            try:  # the agents' ledger is news, not the outcome: the database may be away
                context.agents.record(pack_name, agent_name, outcome, failure["error"])
            except Exception as ledger_error:
                if not is_database_away(ledger_error):
                    raise
                log.warning("agent_record_skipped", pack=pack_name, error=str(ledger_error))
            return failure
        context.metrics.pack_runs.labels(pack=pack_name, outcome="ok").inc()
        return {"ok": True, "notes": notes, "notion_requests": requests}

    @DBOS.step(name="record_attempt", retries_allowed=True, max_attempts=STEP_DB_ATTEMPTS)
    def record_attempt(self, event_id: str, attempt: int, outcome: dict[str, Any]) -> None:
        self.context.store.record_attempt(
            event_id,
            attempt,
            outcome["error"],
            outcome["notion_requests"],
            pack=outcome.get("pack"),
        )

    @DBOS.step(name="finish", retries_allowed=True, max_attempts=STEP_DB_ATTEMPTS)
    def finish(self, event_id: str, status: Any, attempts: int, outcome: dict[str, Any]) -> None:
        self._finish(event_id, status, attempts, outcome)

    def _finish(self, event_id: str, status: Any, attempts: int, outcome: dict[str, Any]) -> None:
        context = self.context
        requests = len(outcome.get("notion_requests", ()))
        context.store.finish(
            event_id,
            status,
            attempts=attempts,
            detail=outcome,
            error=outcome.get("error"),
            notion_requests=requests,
        )
        context.metrics.events_finished.labels(status=status).inc()
        log.info("event_finished", event_id=event_id, status=status, attempts=attempts)
        context.on_finished()


def concluded(
    results: Mapping[str, dict[str, Any]],
    notes: list[str] | None = None,
    requests: list[str] | None = None,
    change: dict[str, Any] | None = None,
) -> tuple[str, int, dict[str, Any]]:
    """An event's end from its packs' last outcomes: its status, attempts and recorded detail."""
    notes, requests = notes or [], requests or []
    failed = sorted(name for name, result in results.items() if not result["ok"])
    outcome: dict[str, Any] = {
        "packs": dict(results),
        "notes": notes + [note for result in results.values() for note in result.get("notes", [])],
        "notion_requests": requests
        + [request for result in results.values() for request in result["notion_requests"]],
    }
    if change is not None:
        outcome["change"] = change
    attempts = max(result["attempts"] for result in results.values())
    if not failed:
        return "processed", attempts, outcome
    outcome["error"] = "; ".join(f"{name}: {results[name]['error']}" for name in failed)
    outcome["failed_packs"] = failed
    return "failed", attempts, outcome


def _note_request(requests: list[str], operation: str, outcome: str, page_id: str | None) -> None:
    """One line of an event's Notion requests: ``pages.update ok /v1/pages/<id>`` (the page's
    path when the request was about one; ``notionhub events show`` and the console list those
    pages as the ones the event touched)."""
    requests.append(f"{operation} {outcome}" + (f" /v1/pages/{page_id}" if page_id else ""))


def _failure(
    event_id: str, part: str, error: Exception, requests: list[str], *, agent: str | None = None
) -> dict[str, Any]:
    """A failed attempt as data: transient (worth another) or not, and what it said."""
    transient = is_transient(error)
    message = f"{type(error).__name__}: {error}"
    log.warning(
        "event_attempt_failed",
        event_id=event_id,
        pack=part,
        agent=agent,
        transient=transient,
        error=message,
    )
    return {
        "ok": False,
        "transient": transient,
        "error": message,
        "pack": part,
        "notion_requests": requests,
    }


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
        queue.enqueue(processor.process, event.id, event.provider)
