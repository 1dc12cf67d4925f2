"""The fleet of AI agents: heartbeats kept at once in the hub database, the AI Agent Management
and System Metrics databases written by a collector, people's changes sent back to agents.

- ``record_heartbeat``: one transaction per heartbeat (no Notion request): the agent's latest
  figures, its hour's sums, alerts for low performance or high resource use (opened and
  resolved at once, with a live event), the work it reports done.
- ``collect`` (every 30 s): agents silent longer than the timeout become Error (an alert);
  each agent's page is written only on a significant change (status, type, performance moved
  by ``performance_step``), at most once per ``write_interval_seconds``, and its Last Activity
  refreshed every ``activity_refresh_seconds``; each closed hour becomes a System Metrics row;
  alerts are written.
- ``configuration_changed`` (a reaction): a person's Configuration or Status reaches the agent
  through ``GET /api/agents/{name}/config`` and a ``config_changed`` live event.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy import Connection, Engine, and_, select, update

from notionhub.hubdb.engine import read_connection, write_transaction
from notionhub.notion.changes import Change
from notionhub.notion.schema import NotionDate
from notionhub.packs.enterprise import live
from notionhub.packs.enterprise.alerts import Check, settle, write_alerts
from notionhub.packs.enterprise.models import AGENT_WRITES, AgentRecord, SystemMetric
from notionhub.packs.enterprise.revenue import complete_services
from notionhub.packs.enterprise.rows import iso, moment, upsert_statement
from notionhub.packs.enterprise.settings import EnterpriseSettings
from notionhub.packs.enterprise.tables import (
    enterprise_agent_hours,
    enterprise_agents,
    enterprise_assignments,
)
from notionhub.packs.pack import FlowContext

log = structlog.get_logger("notionhub.enterprise")

HOUR = 3600.0
MAINTENANCE = "Maintenance"
ERROR = "Error"


@dataclass(frozen=True)
class Heartbeat:
    """What an agent reports (``POST /api/agents/{name}/heartbeat``); shares are 0..1."""

    status: str
    performance: float | None = None
    cpu: float | None = None
    memory: float | None = None
    metrics: Mapping[str, Any] = field(default_factory=dict)
    agent_type: str | None = None
    completed: tuple[str, ...] = ()  # assignment ids the agent has finished


@dataclass(frozen=True)
class HeartbeatOutcome:
    status: str  # the status the hub now holds for the agent
    alerts: dict[str, str]  # check name → "opened" / "resolved"
    completed: tuple[str, ...]  # assignments newly marked done


def checks_of(name: str, beat: Heartbeat, settings: EnterpriseSettings) -> list[Check]:
    """The checks one heartbeat passes or fails. An open alert of a figure is resolved only
    once the figure is ``alert_margin`` on the good side of its threshold, so a figure hovering
    at the threshold keeps one alert open instead of opening one every other heartbeat."""
    margin = settings.alert_margin
    found = [
        Check(f"heartbeat:{name}", ok=True),
        Check(
            f"error:{name}",
            ok=beat.status != ERROR,
            alert_type="Health",
            severity="Critical",
            message=f"{name} reports the status Error.",
        ),
    ]
    if beat.performance is not None:
        threshold = settings.performance_threshold
        found.append(
            Check(
                f"performance:{name}",
                ok=beat.performance >= threshold,
                clear=beat.performance >= threshold + margin,
                alert_type="Performance",
                severity="Warning",
                message=f"{name} performs at {beat.performance:.0%}, below {threshold:.0%}.",
            )
        )
    usage = {k: v for k, v in (("CPU", beat.cpu), ("memory", beat.memory)) if v is not None}
    if usage:
        threshold = settings.resource_threshold
        over = {k: v for k, v in usage.items() if v > threshold}
        found.append(
            Check(
                f"resources:{name}",
                ok=not over,
                clear=all(v <= threshold - margin for v in usage.values()),
                alert_type="Resources",
                severity="Critical" if any(v >= 0.98 for v in over.values()) else "Warning",
                message=f"{name} uses "
                + ", ".join(f"{v:.0%} {k}" for k, v in over.items())
                + f", above {threshold:.0%}.",
            )
        )
    return found


def record_heartbeat(
    engine: Engine,
    settings: EnterpriseSettings,
    name: str,
    beat: Heartbeat,
    now: float,
    *,
    wait_seconds: float | None = None,
) -> HeartbeatOutcome:
    """Keep one heartbeat (one transaction); see the module's account."""
    alerts: dict[str, str] = {}
    with write_transaction(engine, wait_seconds) as connection:
        row = connection.execute(
            select(enterprise_agents).where(enterprise_agents.c.name == name)
        ).first()
        previous = None if row is None else _held_status(row.status, row.person_status)
        values = {
            "status": beat.status,
            "performance": beat.performance,
            "cpu": beat.cpu,
            "memory": beat.memory,
            "metrics": json.dumps(dict(beat.metrics), sort_keys=True),
            "last_heartbeat": now,
        }
        if beat.agent_type is not None:
            values["agent_type"] = beat.agent_type
        # An upsert: two first heartbeats of one agent at once both count, neither fails.
        statement = upsert_statement(connection, enterprise_agents).values(
            name=name, first_seen=now, heartbeats=1, configuration="{}", **values
        )
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=[enterprise_agents.c.name],
                set_={"heartbeats": enterprise_agents.c.heartbeats + 1, **values},
            )
        )
        person_status = None if row is None else row.person_status
        _add_to_hour(connection, name, beat, now)
        for check in checks_of(name, beat, settings):
            outcome = settle(connection, now, check)
            if outcome is not None:
                alerts[check.name] = outcome
        held = _held_status(beat.status, person_status)
        if held != previous:
            live.publish(connection, now, "agent_status", name, {"status": held, "was": previous})
        completed = _complete(connection, name, beat.completed, now)
        complete_services(connection, completed, now)
    return HeartbeatOutcome(held, alerts, completed)


def _held_status(reported: str, person_status: str | None) -> str:
    """A Maintenance set by a person holds whatever the agent reports."""
    return person_status or reported


def _add_to_hour(connection: Connection, name: str, beat: Heartbeat, now: float) -> None:
    table = enterprise_agent_hours
    hour = now - now % HOUR
    row = {"name": name, "hour": hour, "beats": 1, "written": 0}
    row["errors"] = 1 if beat.status == ERROR else 0
    for figure, value in (("cpu", beat.cpu), ("memory", beat.memory),
                          ("performance", beat.performance)):  # fmt: skip
        row[f"{figure}_sum"] = value or 0.0
        row[f"{figure}_beats"] = 0 if value is None else 1
    statement = upsert_statement(connection, table).values(row)
    added = ("beats", "errors", *(k for k in row if k.endswith(("_sum", "_beats"))))
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.name, table.c.hour],
        set_={key: table.c[key] + statement.excluded[key] for key in dict.fromkeys(added)},
    )
    connection.execute(statement)


def average(total: float, count: int) -> float | None:
    """``total / count``, or None when nothing was counted."""
    return round(total / count, 4) if count else None


def _complete(
    connection: Connection, agent: str, done: tuple[str, ...], now: float
) -> tuple[str, ...]:
    if not done:
        return ()
    table = enterprise_assignments
    open_ones = connection.execute(
        select(table.c.assignment_id).where(
            and_(
                table.c.agent == agent,
                table.c.assignment_id.in_(done),
                table.c.done_at.is_(None),
            )
        )
    ).all()
    finished = tuple(row.assignment_id for row in open_ones)
    if finished:
        connection.execute(
            update(table).where(table.c.assignment_id.in_(finished)).values(done_at=now)
        )
    return finished


# -- the collector ---------------------------------------------------------------------------


def collect(context: FlowContext) -> str:
    """Time out silent agents, write what changed enough, close hours, write alerts."""
    settings = context.settings_of(EnterpriseSettings)
    now = context.now().timestamp()
    timed_out = _time_out(context.engine, settings, now)
    written = sum(_write_agent(context, settings, row, now) for row in _agents(context.engine))
    hours = _write_closed_hours(context, now)
    alerts = write_alerts(context)
    return (
        f"{written} agent pages, {hours} hourly metrics, {alerts} alerts written;"
        f" {timed_out} agents timed out"
    )


def _agents(engine: Engine) -> list[Any]:
    with read_connection(engine) as connection:
        return list(connection.execute(select(enterprise_agents).order_by("name")).all())


def _time_out(engine: Engine, settings: EnterpriseSettings, now: float) -> int:
    """Agents silent past the timeout are Error, with an alert (also those whose last report
    was Error: silence is news of its own); the number of alerts newly opened.

    The silent agents' rows are read locked: a heartbeat committed while this waited takes its
    agent out of the silent ones (PostgreSQL checks the condition again), instead of being
    overwritten with Error and a Critical alert.
    """
    deadline = now - settings.heartbeat_timeout_seconds
    table = enterprise_agents
    count = 0
    with engine.begin() as connection:
        silent = connection.execute(
            select(table.c.name, table.c.status, table.c.last_heartbeat)
            .where(
                and_(
                    table.c.last_heartbeat < deadline,
                    table.c.person_status.is_(None),  # an agent in maintenance may be silent
                )
            )
            .with_for_update()
        ).all()
        for row in silent:
            opened = settle(
                connection,
                now,
                Check(
                    f"heartbeat:{row.name}",
                    ok=False,
                    alert_type="Agent Unresponsive",
                    severity="Critical",
                    message=f"No heartbeat from {row.name} since {iso(row.last_heartbeat)}.",
                ),
            )
            if row.status != ERROR:
                connection.execute(
                    update(table).where(table.c.name == row.name).values(status=ERROR)
                )
                live.publish(connection, now, "agent_status", row.name, {"status": ERROR})
            count += opened == "opened"
    return count


def _write_agent(context: FlowContext, settings: EnterpriseSettings, row: Any, now: float) -> int:
    """Write the agent's page when it changed enough and was not written too recently."""
    status = _held_status(row.status, row.person_status)
    never = row.written_at is None
    significant = (
        never
        or status != row.written_status
        or (row.agent_type or None) != (row.written_type or None)
        or _moved(row.performance, row.written_performance, settings.performance_step)
    )
    due = never or now - row.written_at >= settings.write_interval_seconds
    stale = not never and now - row.written_at >= settings.activity_refresh_seconds
    if not ((significant and due) or stale):
        return 0
    last = row.last_heartbeat or row.first_seen
    context.records.upsert(
        AgentRecord(
            name=row.name,
            agent_type=row.agent_type,
            status=status,
            performance=None if row.performance is None else round(row.performance, 4),
            last_activity=NotionDate(moment(last)),
        ),
        only=(*AGENT_WRITES, "configuration") if never else _changed_fields(row, status),
    )
    with context.engine.begin() as connection:
        connection.execute(
            update(enterprise_agents)
            .where(enterprise_agents.c.name == row.name)
            .values(
                written_at=now,
                written_status=status,
                written_performance=row.performance,
                written_type=row.agent_type,
            )
        )
    return 1


def _changed_fields(row: Any, status: str) -> tuple[str, ...]:
    # A person's Maintenance is theirs: the hub does not write a status over it.
    fields = ["last_activity", "performance", "agent_type"]
    if row.person_status is None:
        fields.append("status")
    return tuple(fields)


def _moved(now: float | None, before: float | None, step: float) -> bool:
    if now is None or before is None:
        return (now is None) != (before is None)
    return abs(now - before) >= step - 1e-9


def _write_closed_hours(context: FlowContext, now: float) -> int:
    """Each agent's hours that have ended, not yet in System Metrics, written."""
    table = enterprise_agent_hours
    current_hour = now - now % HOUR
    with read_connection(context.engine) as connection:
        rows = connection.execute(
            select(table)
            .where(and_(table.c.written == 0, table.c.hour < current_hour))
            .order_by(table.c.hour, table.c.name)
            .limit(200)
        ).all()
    for row in rows:
        agent = context.records.upsert(AgentRecord(name=row.name), only=("name",))
        context.records.upsert(
            SystemMetric(
                sample=f"{row.name} {iso(row.hour)}",
                agent=[agent.page_id],
                hour=NotionDate(moment(row.hour)),
                cpu=average(row.cpu_sum, row.cpu_beats),
                memory=average(row.memory_sum, row.memory_beats),
                performance=average(row.performance_sum, row.performance_beats),
                heartbeats=row.beats,
            )
        )
        with context.engine.begin() as connection:
            # Only as read: a late heartbeat of that hour (added since) leaves the row unwritten,
            # so the next pass writes the hour again with it.
            connection.execute(
                update(table)
                .where(
                    and_(
                        table.c.name == row.name,
                        table.c.hour == row.hour,
                        table.c.beats == row.beats,
                    )
                )
                .values(written=1)
            )
    return len(rows)


# -- what people change in Notion --------------------------------------------------------------


def configuration_changed(change: Change[Any], context: FlowContext) -> str | None:
    """A person changed an agent's Configuration or Status: keep it for the agent."""
    record = change.after
    if not isinstance(record, AgentRecord):
        return None
    now = context.now().timestamp()
    notes = []
    with context.engine.begin() as connection:
        row = connection.execute(
            select(enterprise_agents).where(enterprise_agents.c.name == record.name)
        ).first()
        if row is None:
            connection.execute(
                upsert_statement(connection, enterprise_agents)
                .values(
                    name=record.name,
                    status=record.status or "Idle",
                    agent_type=record.agent_type,
                    first_seen=now,
                    heartbeats=0,
                    metrics="{}",
                    configuration="{}",
                    config_version=0,
                )
                .on_conflict_do_nothing()
            )
            row = connection.execute(
                select(enterprise_agents).where(enterprise_agents.c.name == record.name)
            ).one()
        values: dict[str, Any] = {}
        if "configuration" in change.changed and record.configuration != row.configuration:
            values.update(
                configuration=record.configuration,
                config_version=row.config_version + 1,
                config_changed_at=now,
            )
            notes.append(f"configuration v{row.config_version + 1}")
        if "status" in change.changed:
            person_status = MAINTENANCE if record.status == MAINTENANCE else None
            if person_status != row.person_status:
                values["person_status"] = person_status
                values["config_changed_at"] = now
                # What the page says is what Notion holds: nothing to write back.
                values["written_status"] = record.status
                notes.append(f"status {record.status}")
        if not values:
            return None
        connection.execute(
            update(enterprise_agents).where(enterprise_agents.c.name == record.name).values(values)
        )
        live.publish(
            connection,
            now,
            "config_changed",
            record.name,
            {
                "status": _held_status(row.status, values.get("person_status", row.person_status)),
                "config_version": values.get("config_version", row.config_version),
            },
        )
    return f"{record.name}: " + ", ".join(notes) + " sent to the agent"


def agent_config(engine: Engine, name: str) -> dict[str, Any] | None:
    """What ``GET /api/agents/{name}/config`` answers, or None for an unknown agent."""
    with read_connection(engine) as connection:
        row = connection.execute(
            select(enterprise_agents).where(enterprise_agents.c.name == name)
        ).first()
        if row is None:
            return None
        work = connection.execute(
            select(enterprise_assignments)
            .where(
                and_(
                    enterprise_assignments.c.agent == name,
                    enterprise_assignments.c.done_at.is_(None),
                )
            )
            .order_by(enterprise_assignments.c.created_at)
            .limit(100)
        ).all()
    try:
        configuration: Any = json.loads(row.configuration)
        problem = None
    except ValueError as error:
        configuration, problem = None, f"the Configuration in Notion is not JSON: {error}"
    return {
        "name": row.name,
        "status": _held_status(row.status, row.person_status),
        "maintenance": row.person_status == MAINTENANCE,
        "configuration": configuration,
        "configuration_error": problem,
        "version": row.config_version,
        "changed_at": iso(row.config_changed_at),
        "assignments": [
            {
                "id": w.assignment_id,
                "kind": w.kind,
                "reference": w.reference,
                "detail": w.detail,
                "created_at": iso(w.created_at),
            }
            for w in work
        ],
    }


def fleet(engine: Engine) -> list[dict[str, Any]]:
    """Every agent that ever beat or was set up in Notion: name, status, last heartbeat."""
    return [
        {
            "name": row.name,
            "kind": "fleet",
            "agent_type": row.agent_type,
            "status": _held_status(row.status, row.person_status),
            "last_heartbeat": iso(row.last_heartbeat),
            "performance": row.performance,
            "cpu": row.cpu,
            "memory": row.memory,
            "heartbeats": row.heartbeats,
        }
        for row in _agents(engine)
    ]
