"""What a pack declares, and what its flows are given.

A pack is a plug-in (see ``discovery.py``): its Notion models, its agents (each a named set of
flows and schedules), its own tables, settings, HTTP routes and state machines. The hub reads
the declaration and does the rest: provisions the models, creates the tables, mounts the routes,
registers the schedules with DBOS, runs each pack's flows for an event as a durable step of its
own. A flow is a function of one event and a ``FlowContext``; it runs inside a durable step, may
run more than once (steps are at-least-once), and so writes only through upserts by key, state
machine events with keys, and outbound calls with idempotency keys.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, TypeVar

from fastapi import APIRouter
from pydantic_settings import BaseSettings
from sqlalchemy import Engine, MetaData

from notionhub.clock import Clock, system_clock
from notionhub.errors import ConfigurationError
from notionhub.ingest.event import Event
from notionhub.ingest.provider import Provider
from notionhub.notion.changes import CHANGE_KINDS, Change, ChangeKind, PageChange
from notionhub.notion.gateway import NotionGateway
from notionhub.notion.records import Records
from notionhub.notion.schema import NotionModel, properties_of
from notionhub.outbound import OutboundClient, OutboundClients, OutboundPolicy
from notionhub.packs.state_machine import MachineStore, StateMachine
from notionhub.settings import Settings

S = TypeVar("S", bound=BaseSettings)


@dataclass(frozen=True)
class FlowContext:
    """What a flow may use: typed upserts and reads, the gateway for anything else, the hub
    database for a pack's own tables, the settings (the hub's and the pack's), the clock, the
    state machines and outbound calls to other APIs."""

    records: Records
    gateway: NotionGateway
    engine: Engine
    settings: Settings
    now: Clock = system_clock
    pack_settings: BaseSettings | None = None
    machines: MachineStore | None = None
    outbound_clients: OutboundClients | None = None
    # In a schedule's job: the tick being run (a report of "the day of the tick" uses it).
    scheduled_at: datetime | None = None

    def settings_of(self, kind: type[S]) -> S:
        """The pack's own settings, as the class it declared."""
        if not isinstance(self.pack_settings, kind):
            raise ConfigurationError(f"This pack declares no settings of type {kind.__name__}.")
        return self.pack_settings

    @property
    def state_machines(self) -> MachineStore:
        if self.machines is None:
            raise ConfigurationError("This pack declares no state machines.")
        return self.machines

    def outbound(
        self,
        service: str,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        policy: OutboundPolicy | None = None,
    ) -> OutboundClient:
        """A client of another API: its own budget, retries, and one effect per idempotency key."""
        if self.outbound_clients is None:
            raise ConfigurationError("Outbound calls are not available in this context.")
        return self.outbound_clients.client(
            service, base_url, headers=headers or {}, policy=policy or OutboundPolicy()
        )


# A flow returns a one-line account of what it did (for the event's history), or None.
Flow = Callable[[Event, FlowContext], str | None]
# A reaction to a change made in Notion, likewise.
React = Callable[[Change[Any], FlowContext], str | None]
# Work that is not about one event (a dashboard, a report): given the context, says what it did.
Job = Callable[[FlowContext], str | None]


@dataclass(frozen=True)
class WrittenReport:
    """A report a pack wrote on demand: its Notion page and a one-line account."""

    page_id: str
    summary: str


# A report written on demand (``notionhub report KIND [--date]``): given the context and the day
# asked for (None: the period just ended), the page it wrote.
ReportJob = Callable[[FlowContext, date | None], WrittenReport]


@dataclass(frozen=True)
class Schedule:
    """A job run on a cron expression, once per tick across every process sharing a database.

    ``cron``: five fields (minute hour day month weekday), or six with seconds first.
    """

    name: str
    cron: str
    run: Job
    description: str = ""
    time_zone: str | None = None  # the cron's zone (IANA name); None = UTC


@dataclass(frozen=True)
class Reaction:
    """What a pack does when a record of one of its models changes in Notion.

    ``kinds``: which changes (created, updated, deleted, undeleted); ``fields``: for updates,
    only when one of these fields (field names) changed (empty: any); ``people_only``: only
    changes people made (the default), or also those of other integrations. The hub's own
    writes never come back as changes.
    """

    model: type[NotionModel]
    run: React
    kinds: tuple[ChangeKind, ...] = CHANGE_KINDS
    fields: tuple[str, ...] = ()
    people_only: bool = True
    description: str = ""

    def wants(self, change: PageChange) -> bool:
        if change.database != self.model.__database__.name or change.kind not in self.kinds:
            return False
        if self.people_only and not change.by_person:
            return False
        if change.kind != "updated" or not self.fields:
            return True
        return bool(Change.of(self.model, change).changed & set(self.fields))


@dataclass(frozen=True)
class Agent:
    """A named unit of a pack: the events it handles, the schedules it runs, what it writes."""

    name: str
    description: str
    # "provider:type" patterns (shell-style: "stripe:charge.*", "*") → the flow to run.
    flows: Mapping[str, Flow] = field(default_factory=dict)
    schedules: tuple[Schedule, ...] = ()
    writes: tuple[type[NotionModel], ...] = ()
    reactions: tuple[Reaction, ...] = ()

    def flows_for(self, event: Event) -> list[Flow]:
        """The flows whose pattern matches ``provider:type`` of the event, in declared order."""
        name = f"{event.provider}:{event.type}"
        return [flow for pattern, flow in self.flows.items() if fnmatchcase(name, pattern)]


@dataclass(frozen=True)
class Pack:
    """A named set of Notion databases and the agents that keep them, with what they need."""

    name: str
    description: str
    models: tuple[type[NotionModel], ...]
    agents: tuple[Agent, ...] = ()
    # Work that follows events rather than one event (recomputing a dashboard): run after
    # events were processed, at most every NOTIONHUB_UPKEEP_SECONDS (periodic work: a Schedule).
    upkeep: Job | None = None
    # Its own settings: a pydantic-settings class (give it an env_prefix), read at start.
    settings: type[BaseSettings] | None = None
    # Its own tables in the hub database, and the Alembic scripts that create and migrate them
    # (a folder of revisions; the pack's version is kept in its own table).
    tables: MetaData | None = None
    migrations: Path | None = None
    # Its HTTP routes, mounted on the hub as they are (the routes choose their own checks; a
    # route for operators depends on ``notionhub.packs.web.requires(permission)``).
    router: APIRouter | None = None
    machines: tuple[StateMachine, ...] = ()
    # Ingest schemes of its own (verify and parse), for its routes to take deliveries with.
    providers: tuple[Provider, ...] = ()
    # The rows a pack brings with its databases (a library, a registry): run at every start once
    # the databases are provisioned. Upserts: rows people own are created once and never
    # overwritten (see ``Owned``), rows the hub owns are brought in line with the code.
    seed: Job | None = None
    # Agents outside the hub that report to it (the enterprise pack's fleet, by heartbeats):
    # each a dict with at least ``name``, ``status`` and ``last_heartbeat`` (ISO 8601 or None),
    # listed by ``GET /api/agents`` after the packs' own agents, with ``"kind": "fleet"``.
    external_agents: Callable[[FlowContext], list[dict[str, Any]]] | None = None
    # Reports people ask for by name: ``notionhub report <kind> [--date]`` runs the one of the
    # enabled pack that declares ``kind``.
    reports: Mapping[str, ReportJob] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = [agent.name for agent in self.agents]
        if len(set(names)) != len(names):
            raise ConfigurationError(f"Pack {self.name!r} names an agent twice: {names}.")
        schedules = [schedule.name for _, schedule in self.schedules()]
        if len(set(schedules)) != len(schedules):
            raise ConfigurationError(f"Pack {self.name!r} names a schedule twice: {schedules}.")
        for agent in self.agents:
            for reaction in agent.reactions:
                _check_reaction(self, agent, reaction)

    def flows_for(self, event: Event) -> list[tuple[Agent, Flow]]:
        """Every (agent, flow) of this pack that handles the event, in declared order."""
        return [(agent, flow) for agent in self.agents for flow in agent.flows_for(event)]

    def handles(self, event: Event) -> bool:
        return any(agent.flows_for(event) for agent in self.agents)

    def reactions_for(self, change: PageChange) -> list[tuple[Agent, Reaction]]:
        """Every (agent, reaction) of this pack that wants the change, in declared order."""
        return [
            (agent, reaction)
            for agent in self.agents
            for reaction in agent.reactions
            if reaction.wants(change)
        ]

    def reacts_to(self) -> set[str]:
        """Names of the databases whose changes this pack reacts to."""
        return {
            reaction.model.__database__.name
            for agent in self.agents
            for reaction in agent.reactions
        }

    def schedules(self) -> list[tuple[Agent, Schedule]]:
        return [(agent, schedule) for agent in self.agents for schedule in agent.schedules]

    def read_settings(self) -> BaseSettings | None:
        """The pack's settings read from the environment (and ``.env``), or None if it has none."""
        return None if self.settings is None else self.settings()


def _check_reaction(pack: Pack, agent: Agent, reaction: Reaction) -> None:
    model = reaction.model
    where = f"Pack {pack.name!r}, agent {agent.name!r}: a reaction to {model.__name__}"
    if model not in pack.models:
        raise ConfigurationError(f"{where}: the pack does not declare that model.")
    known = {f.field_name for f in properties_of(model)}
    unknown = sorted(set(reaction.fields) - known)
    if unknown:
        raise ConfigurationError(f"{where} names fields it does not have: {unknown}.")
    wrong = sorted(set(reaction.kinds) - set(CHANGE_KINDS))
    if wrong:
        raise ConfigurationError(f"{where}: unknown kinds {wrong}; use {list(CHANGE_KINDS)}.")


def scheduled_at_text(moment: datetime) -> str:
    """A schedule tick as written in history and logs."""
    return moment.isoformat().replace("+00:00", "Z")
