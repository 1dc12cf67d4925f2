"""Declared state machines for packs, with each instance's state and history in the hub database.

A pack declares a ``StateMachine`` (states, events as ``Transition``s with guards and updates);
``MachineStore`` starts instances and offers them events. Each event is applied in one database
transaction that locks the instance row, and is idempotent by its event key: flows run in
at-least-once steps, so an event offered again returns the outcome recorded the first time.
An event the current state does not allow, an event the machine does not declare (events come
from outside: a webhook, a form) and an event its guard refuses are recorded as refused and
change nothing but the history. Updates are pure (instance data, payload → new data); the flow
does the side effects (Notion writes) from the returned ``Outcome``.

Why not python-statemachine or transitions: both keep the current state on a Python object and
run callbacks in-process, and an event not allowed is an exception (or silently ignored). Our
state is a row, and what we need around it — one transaction per event, a row lock, an event
key that makes a re-run a no-op, refusals kept as history — is all outside what they do; using
one would mean building a throwaway model per event and fighting its error handling, for a
table lookup of a few lines. So this module is ours, with no new dependency.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from sqlalchemy import Engine, RowMapping, Select, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from notionhub.errors import StateMachineError
from notionhub.hubdb.engine import read_connection
from notionhub.hubdb.tables import machine_history, machine_instances

ANY_STATE = "*"
START_KEY = "start"  # the event key of the history entry written when an instance starts

Guard = Callable[[Mapping[str, Any], Mapping[str, Any]], bool]
Update = Callable[[Mapping[str, Any], Mapping[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Transition:
    """``event`` moves an instance from any of ``sources`` (``("*",)``: any state not final) to
    ``target`` if ``guard(data, payload)`` allows it; ``update(data, payload)`` is the new data."""

    event: str
    sources: tuple[str, ...]
    target: str
    guard: Guard | None = None
    guard_description: str = ""  # the reason recorded when the guard refuses
    update: Update | None = None


@dataclass(frozen=True)
class Decision:
    """What an event does to a state and its data, before anything is stored."""

    accepted: bool
    to_state: str  # the state after the event: the same state when refused
    data: dict[str, Any]
    reason: str


@dataclass(frozen=True)
class StateMachine:
    """A declared machine, checked when constructed."""

    name: str
    states: tuple[str, ...]
    initial: str
    transitions: tuple[Transition, ...]
    final: tuple[str, ...] = ()
    _by_source: dict[tuple[str, str], Transition] = field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        problems = self._problems()
        if problems:
            raise StateMachineError(f"state machine {self.name!r}: " + "; ".join(problems))
        by_source: dict[tuple[str, str], Transition] = {}
        for transition in self.transitions:
            for source in self._expand(transition.sources):
                if (transition.event, source) in by_source:
                    raise StateMachineError(
                        f"state machine {self.name!r}: event {transition.event!r} is declared "
                        f"twice from state {source!r}"
                    )
                by_source[transition.event, source] = transition
        object.__setattr__(self, "_by_source", by_source)

    def _problems(self) -> list[str]:
        declared = set(self.states)
        problems = []
        if not self.states:
            problems.append("no states declared")
        if len(declared) != len(self.states):
            problems.append("a state is declared twice")
        if self.initial not in declared:
            problems.append(f"initial state {self.initial!r} is not a declared state")
        problems += [
            f"final state {s!r} is not a declared state" for s in self.final if s not in declared
        ]
        for transition in self.transitions:
            where = f"event {transition.event!r}"
            if not transition.sources:
                problems.append(f"{where} has no source state")
            if ANY_STATE in transition.sources and len(transition.sources) > 1:
                problems.append(f"{where} mixes '*' with named source states")
            for source in transition.sources:
                if source != ANY_STATE and source not in declared:
                    problems.append(f"{where} leaves undeclared state {source!r}")
                elif source in self.final:
                    problems.append(f"{where} leaves final state {source!r}")
            if transition.target not in declared:
                problems.append(f"{where} goes to undeclared state {transition.target!r}")
        return problems

    def _expand(self, sources: tuple[str, ...]) -> tuple[str, ...]:
        if sources == (ANY_STATE,):
            return tuple(state for state in self.states if state not in self.final)
        return sources

    @property
    def events(self) -> tuple[str, ...]:
        """Every event the machine declares, in declaration order."""
        return tuple(dict.fromkeys(transition.event for transition in self.transitions))

    def events_from(self, state: str) -> tuple[str, ...]:
        """The events allowed in ``state`` (before guards), in declaration order."""
        return tuple(event for event in self.events if (event, state) in self._by_source)

    def transition_for(self, state: str, event: str) -> Transition | None:
        return self._by_source.get((event, state))

    def decide(
        self, state: str, data: Mapping[str, Any], event: str, payload: Mapping[str, Any]
    ) -> Decision:
        """The pure step: what ``event`` with ``payload`` does in ``state`` with ``data``."""
        unchanged = dict(data)
        if event not in self.events:
            declared = ", ".join(self.events) or "none"
            reason = f"event {event!r} is not declared by {self.name!r} (declared: {declared})"
            return Decision(False, state, unchanged, reason)
        transition = self.transition_for(state, event)
        if transition is None:
            allowed = ", ".join(self.events_from(state)) or "none"
            final = f"; {state!r} is final" if state in self.final else ""
            reason = (
                f"event {event!r} is not allowed in state {state!r} (allowed: {allowed}{final})"
            )
            return Decision(False, state, unchanged, reason)
        if transition.guard is not None and not transition.guard(data, payload):
            described = transition.guard_description or f"the guard of {event!r} refused it"
            return Decision(False, state, unchanged, f"refused by guard: {described}")
        new_data = transition.update(data, payload) if transition.update else unchanged
        return Decision(True, transition.target, dict(new_data), "accepted")


@dataclass(frozen=True)
class Outcome:
    """What became of one event offered to an instance."""

    instance_id: str
    event: str
    accepted: bool
    from_state: str
    to_state: str  # the state after the event: ``from_state`` when refused
    reason: str
    replayed: bool = False  # this event key was applied before; this is its recorded outcome


@dataclass(frozen=True)
class HistoryEntry:
    """One row of an instance's history: its start, or an event accepted or refused."""

    event_key: str
    event: str
    at: float
    from_state: str | None  # None for the start
    to_state: str | None
    accepted: bool
    reason: str


@dataclass(frozen=True)
class Instance:
    """One instance as stored; ``history`` is filled only when asked for."""

    instance_id: str
    machine: str
    subject: str | None
    state: str
    data: dict[str, Any]
    created_at: float
    updated_at: float
    history: tuple[HistoryEntry, ...] = ()


class MachineStore:
    """Instances of the given machines in the hub database (SQLite or PostgreSQL)."""

    def __init__(
        self,
        engine: Engine,
        machines: Iterable[StateMachine],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.machines: dict[str, StateMachine] = {}
        for machine in machines:
            if machine.name in self.machines:
                raise StateMachineError(f"state machine {machine.name!r} is registered twice")
            self.machines[machine.name] = machine

    def machine(self, name: str) -> StateMachine:
        try:
            return self.machines[name]
        except KeyError:
            raise StateMachineError(f"no state machine named {name!r} is registered") from None

    def start(
        self,
        machine_name: str,
        instance_id: str,
        *,
        subject: str | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> Instance:
        """Create the instance in the machine's initial state; an existing one is returned as is."""
        machine = self.machine(machine_name)
        now = self.clock()
        row = {
            "instance_id": instance_id,
            "machine": machine_name,
            "subject": subject,
            "state": machine.initial,
            "data_json": _dumps(data or {}),
            "created_at": now,
            "updated_at": now,
        }
        with self.engine.begin() as connection:
            # ON CONFLICT DO NOTHING: two workers starting one instance on PostgreSQL both succeed.
            insert_row = (
                self._insert_new_instance().values(row).returning(machine_instances.c.state)
            )
            if connection.execute(insert_row).first() is not None:
                started = f"started in state {machine.initial!r}"
                entry = HistoryEntry(START_KEY, "start", now, None, machine.initial, True, started)
                connection.execute(_insert_entry(instance_id, entry))
            stored = _instance(connection.execute(_select_instance(instance_id)).mappings().one())
        if stored.machine != machine_name:
            raise StateMachineError(
                f"instance {instance_id!r} belongs to machine {stored.machine!r}, "
                f"not {machine_name!r}"
            )
        return stored

    def _insert_new_instance(self) -> Any:
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        return dialect.insert(machine_instances).on_conflict_do_nothing(
            index_elements=["instance_id"]
        )

    def fire(
        self,
        instance_id: str,
        event: str,
        *,
        event_key: str,
        payload: Mapping[str, Any] | None = None,
    ) -> Outcome:
        """Offer ``event`` to the instance, once per ``event_key``, in one transaction.

        Raises StateMachineError for an unknown instance, for an instance whose machine is not
        registered here, and for an event key already used by a different event.
        """
        if event_key == START_KEY:
            raise StateMachineError(f"event key {START_KEY!r} is reserved for the start")
        with self.engine.begin() as connection:
            # FOR UPDATE on PostgreSQL serialises the events of one instance; SQLite's engine
            # already holds the write lock from BEGIN (and SQLAlchemy renders nothing there).
            query = _select_instance(instance_id).with_for_update()
            row = connection.execute(query).mappings().first()
            if row is None:
                raise StateMachineError(f"no state machine instance {instance_id!r}")
            history = machine_history.c
            recorded = connection.execute(
                select(machine_history).where(
                    history.instance_id == instance_id, history.event_key == event_key
                )
            ).first()
            if recorded is not None:
                return _replayed(instance_id, event, _entry(recorded._mapping))
            machine = self.machine(row["machine"])
            decision = machine.decide(
                row["state"], json.loads(row["data_json"]), event, dict(payload or {})
            )
            now = self.clock()
            if decision.accepted:
                connection.execute(
                    update(machine_instances)
                    .where(machine_instances.c.instance_id == instance_id)
                    .values(
                        state=decision.to_state, data_json=_dumps(decision.data), updated_at=now
                    )
                )
            entry = HistoryEntry(
                event_key, event, now, row["state"], decision.to_state, decision.accepted,
                decision.reason,
            )  # fmt: skip
            connection.execute(_insert_entry(instance_id, entry))
        return Outcome(
            instance_id, event, decision.accepted, row["state"], decision.to_state, decision.reason
        )

    # -- reads -------------------------------------------------------------------------

    def get(self, instance_id: str, *, with_history: bool = False) -> Instance | None:
        with read_connection(self.engine) as connection:
            row = connection.execute(_select_instance(instance_id)).mappings().first()
        if row is None:
            return None
        found = _instance(row)
        if with_history:
            found = replace(found, history=tuple(self.history(instance_id)))
        return found

    def find(
        self,
        *,
        machine: str | None = None,
        state: str | None = None,
        subject: str | None = None,
        limit: int = 100,
    ) -> list[Instance]:
        """Instances matching every filter given, newest first."""
        columns = machine_instances.c
        query = select(machine_instances).order_by(
            columns.created_at.desc(), columns.instance_id.desc()
        )
        filters = ((columns.machine, machine), (columns.state, state), (columns.subject, subject))
        for column, value in filters:
            if value is not None:
                query = query.where(column == value)
        with read_connection(self.engine) as connection:
            rows = connection.execute(query.limit(limit)).mappings().all()
        return [_instance(row) for row in rows]

    def history(self, instance_id: str) -> list[HistoryEntry]:
        """Every event offered to the instance, oldest first, starting with its start."""
        query = (
            select(machine_history)
            .where(machine_history.c.instance_id == instance_id)
            .order_by(machine_history.c.id)
        )
        with read_connection(self.engine) as connection:
            rows = connection.execute(query).mappings().all()
        return [_entry(row) for row in rows]


def _insert_entry(instance_id: str, entry: HistoryEntry) -> Any:
    return insert(machine_history).values(instance_id=instance_id, **asdict(entry))


def _dumps(data: Mapping[str, Any]) -> str:
    return json.dumps(dict(data), sort_keys=True)


def _select_instance(instance_id: str) -> Select[Any]:
    return select(machine_instances).where(machine_instances.c.instance_id == instance_id)


def _instance(row: RowMapping) -> Instance:
    names = ("instance_id", "machine", "subject", "state", "created_at", "updated_at")
    return Instance(data=json.loads(row["data_json"]), **{name: row[name] for name in names})


def _entry(row: RowMapping) -> HistoryEntry:
    return HistoryEntry(
        **{entry_field.name: row[entry_field.name] for entry_field in fields(HistoryEntry)}
    )


def _replayed(instance_id: str, event: str, entry: HistoryEntry) -> Outcome:
    if entry.event != event:
        raise StateMachineError(
            f"instance {instance_id!r}: event key {entry.event_key!r} was used for event "
            f"{entry.event!r}, not {event!r}"
        )
    # Only fire() writes under a key other than START_KEY, so both states are there.
    from_state, to_state = entry.from_state or "", entry.to_state or ""
    return Outcome(instance_id, event, entry.accepted, from_state, to_state, entry.reason, True)
