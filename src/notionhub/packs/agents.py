"""Agents at work: how often each ran and how it last went, kept in the hub database.

Every process sharing the database writes here, so ``GET /api/agents`` shows the whole fleet;
Prometheus counts the runs of this process (``notionhub_agent_runs_total``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from notionhub.hubdb.engine import read_connection
from notionhub.hubdb.tables import agent_runs
from notionhub.metrics import Metrics
from notionhub.packs.pack import Pack

NOTE_CHARS = 500


class AgentLedger:
    """Reads and writes of ``agent_runs``."""

    def __init__(
        self, engine: Engine, metrics: Metrics, clock: Callable[[], float] = time.time
    ) -> None:
        self.engine = engine
        self.metrics = metrics
        self.clock = clock

    def record(self, pack: str, agent: str, outcome: str, note: str) -> None:
        """One run of ``agent``: ok, retrying (a transient error) or failed."""
        self.metrics.agent_runs.labels(pack=pack, agent=agent, outcome=outcome).inc()
        failed = 0 if outcome == "ok" else 1
        values = {
            "last_run_at": self.clock(),
            "last_outcome": outcome,
            "last_note": note[:NOTE_CHARS],
        }
        key = (agent_runs.c.pack == pack) & (agent_runs.c.agent == agent)
        count = (
            update(agent_runs)
            .where(key)
            .values(runs=agent_runs.c.runs + 1, failures=agent_runs.c.failures + failed, **values)
        )
        with self.engine.begin() as connection:
            if connection.execute(count).rowcount:
                return
        # The agent's first run: two workers may both get here; the one whose insert loses
        # (a unique violation on PostgreSQL) counts its run on the row the other made.
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    insert(agent_runs).values(
                        pack=pack, agent=agent, runs=1, failures=failed, **values
                    )
                )
        except IntegrityError:
            with self.engine.begin() as connection:
                connection.execute(count)

    def describe(self, packs: Sequence[Pack]) -> list[dict[str, Any]]:
        """Every agent of ``packs``: what it handles and writes, its status and last run."""
        with read_connection(self.engine) as connection:
            rows = {(row.pack, row.agent): row for row in connection.execute(select(agent_runs))}
        described = []
        for pack in packs:
            for agent in pack.agents:
                row = rows.get((pack.name, agent.name))
                described.append(
                    {
                        "name": agent.name,
                        "kind": "pack",
                        "pack": pack.name,
                        "description": agent.description,
                        "handles": sorted(agent.flows),
                        "schedules": [
                            {"name": s.name, "cron": s.cron, "description": s.description}
                            for s in agent.schedules
                        ],
                        "writes": [model.__database__.name for model in agent.writes],
                        "status": _status(row),
                        "runs": row.runs if row else 0,
                        "failures": row.failures if row else 0,
                        "last_run": _last_run(row),
                    }
                )
        return described


def _status(row: Any) -> str:
    """idle (never ran), ok, retrying or failed: how its last run went."""
    return "idle" if row is None else str(row.last_outcome)


def _last_run(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    at = datetime.fromtimestamp(row.last_run_at, tz=UTC).isoformat().replace("+00:00", "Z")
    return {"at": at, "outcome": row.last_outcome, "note": row.last_note}
