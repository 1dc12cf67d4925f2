"""The packs' schedules, run by DBOS: a cron tick is a workflow, once across every process.

Each schedule is registered with DBOS under ``<pack>.<schedule>``; DBOS fires a tick as the
workflow ``sched-<name>-<tick time>``, so processes sharing a database run each tick once. The
tick's job runs as a step (at-least-once: jobs write through upserts), its outcome is kept in
``schedule_runs`` and in the agent ledger.

DBOS runs a scheduled workflow as a plain or class function, never a configured instance, so
the runtime that jobs need is attached to the class: the one piece of state DBOS requires.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, ClassVar

import structlog
from croniter import croniter
from dbos import DBOS
from sqlalchemy import Engine, select

from notionhub.errors import ConfigurationError
from notionhub.hubdb.engine import read_connection, upsert_statement
from notionhub.hubdb.tables import schedule_runs
from notionhub.packs.agents import AgentLedger
from notionhub.packs.pack import FlowContext, Pack, scheduled_at_text

log = structlog.get_logger("notionhub.schedules")
NOTE_CHARS = 500


def schedule_name(pack: Pack | str, schedule: str) -> str:
    return f"{pack if isinstance(pack, str) else pack.name}.{schedule}"


def schedule_queue(pack: Pack) -> str:
    """The DBOS queue of ``pack``'s ticks: only processes that enable the pack listen to it."""
    return f"notionhub-schedules-{pack.name}"


def schedule_queues(packs: Sequence[Pack]) -> list[str]:
    return [schedule_queue(pack) for pack in packs if pack.schedules()]


@dataclass
class ScheduleHost:
    """What a tick needs from the runtime of this process."""

    packs: Sequence[Pack]
    flow_context: Callable[[Pack], FlowContext]
    agents: AgentLedger
    engine: Engine
    clock: Callable[[], float] = time.time


@DBOS.dbos_class("notionhub-schedules")
class ScheduleRunner:
    host: ClassVar[ScheduleHost | None] = None

    @classmethod
    @DBOS.workflow(name="run_schedule")
    def run(cls, scheduled_at: datetime, context: Any) -> str:
        return cls.tick(
            str(context["pack"]), str(context["schedule"]), scheduled_at_text(scheduled_at)
        )

    @classmethod
    @DBOS.step(name="schedule_tick")
    def tick(cls, pack_name: str, schedule: str, tick: str) -> str:
        """Run the job of one tick; its outcome recorded, errors logged, never raised."""
        host = cls.host
        if host is None:
            raise RuntimeError("No runtime is attached to the schedules.")
        pack = next((p for p in host.packs if p.name == pack_name), None)
        found = None if pack is None else _find(pack, schedule)
        if pack is None or found is None:
            note = f"{schedule_name(pack_name, schedule)} is not enabled in this process"
            log.warning("schedule_unknown", schedule=schedule_name(pack_name, schedule))
            _record(host, schedule_name(pack_name, schedule), tick, "failed", note)
            return "failed"
        agent, job = found
        try:
            at = datetime.fromisoformat(tick.replace("Z", "+00:00"))
            note = job.run(replace(host.flow_context(pack), scheduled_at=at)) or "done"
            outcome = "ok"
        except Exception as error:
            note = f"{type(error).__name__}: {error}"
            outcome = "failed"
            log.warning("schedule_failed", schedule=schedule_name(pack, schedule), error=note)
        else:
            log.info("schedule_done", schedule=schedule_name(pack, schedule), tick=tick, note=note)
        host.agents.record(pack.name, agent, outcome, f"{schedule} at {tick}: {note}")
        _record(host, schedule_name(pack, schedule), tick, outcome, note)
        return outcome


def _find(pack: Pack, schedule: str) -> tuple[str, Any] | None:
    for agent, declared in pack.schedules():
        if declared.name == schedule:
            return agent.name, declared
    return None


def _record(host: ScheduleHost, name: str, tick: str, outcome: str, note: str) -> None:
    values = {
        "last_tick": tick,
        "last_run_at": host.clock(),
        "last_outcome": outcome,
        "last_note": note[:NOTE_CHARS],
    }
    with host.engine.begin() as connection:  # two first ticks on two processes both count
        connection.execute(
            upsert_statement(connection, schedule_runs)
            .values(name=name, runs=1, **values)
            .on_conflict_do_update(
                index_elements=["name"], set_={"runs": schedule_runs.c.runs + 1, **values}
            )
        )


def register_schedules(packs: Sequence[Pack]) -> list[str]:
    """Create or update the DBOS schedules of ``packs`` (after launch); their names.

    Any process sharing the database may fire a tick; it is enqueued on the pack's own queue,
    which only processes enabling the pack dequeue from (``DBOS.listen_queues`` at start).
    """
    entries: list[Any] = []
    for name in schedule_queues(packs):
        DBOS.register_queue(name, worker_concurrency=1, on_conflict="always_update")
    for pack in packs:
        for _agent, schedule in pack.schedules():
            if not croniter.is_valid(schedule.cron, second_at_beginning=True):
                raise ConfigurationError(
                    f"Schedule {schedule_name(pack, schedule.name)} has an invalid cron"
                    f" expression {schedule.cron!r}."
                )
            entries.append(
                {
                    "schedule_name": schedule_name(pack, schedule.name),
                    "workflow_fn": ScheduleRunner.run,
                    "schedule": schedule.cron,
                    "context": {"pack": pack.name, "schedule": schedule.name},
                    "cron_timezone": schedule.time_zone,
                    "queue_name": schedule_queue(pack),
                }
            )
    if entries:
        DBOS.apply_schedules(entries)
    return [entry["schedule_name"] for entry in entries]


@dataclass(frozen=True)
class ScheduleStatus:
    """A schedule as ``notionhub schedules`` shows it."""

    name: str
    cron: str
    description: str
    next_run: datetime
    runs: int
    last_tick: str | None
    last_outcome: str | None
    last_note: str | None


def schedule_statuses(packs: Sequence[Pack], engine: Engine, now: datetime) -> list[ScheduleStatus]:
    """Every schedule of ``packs`` with its next tick after ``now`` and its latest run."""
    with read_connection(engine) as connection:
        rows = {row.name: row for row in connection.execute(select(schedule_runs))}
    statuses = []
    for pack in packs:
        for _agent, schedule in pack.schedules():
            name = schedule_name(pack, schedule.name)
            row = rows.get(name)
            start = now.astimezone(UTC)
            following = croniter(schedule.cron, start, second_at_beginning=True).get_next(datetime)
            statuses.append(
                ScheduleStatus(
                    name=name,
                    cron=schedule.cron,
                    description=schedule.description,
                    next_run=following,
                    runs=row.runs if row else 0,
                    last_tick=row.last_tick if row else None,
                    last_outcome=row.last_outcome if row else None,
                    last_note=row.last_note if row else None,
                )
            )
    return statuses
