"""The agents' run ledger (``agent_runs``) under workers recording at the same moment."""

from __future__ import annotations

import threading

from sqlalchemy import Engine, select

from notionhub.hubdb.tables import agent_runs
from notionhub.metrics import Metrics
from notionhub.packs.agents import AgentLedger

WORKERS = 8
ROUNDS = 10


def test_workers_meeting_a_new_agent_at_once_all_count(any_hub_engine: Engine) -> None:
    """Each worker's first run of an agent finds no row: on PostgreSQL they all insert it, and
    all but one used to fail with a unique violation (which failed their event for good)."""
    ledger = AgentLedger(any_hub_engine, Metrics())
    errors: list[BaseException] = []

    def record(agent: str, start: threading.Barrier) -> None:
        start.wait()
        try:
            ledger.record("pack", agent, "ok", "done")
        except BaseException as error:  # reported by the assert below
            errors.append(error)

    for round_number in range(ROUNDS):
        start = threading.Barrier(WORKERS)
        agent = f"agent-{round_number}"
        threads = [threading.Thread(target=record, args=(agent, start)) for _ in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not errors, errors[:3]
    with any_hub_engine.connect() as connection:
        runs = connection.execute(select(agent_runs.c.agent, agent_runs.c.runs)).all()
    assert sorted(runs) == [(f"agent-{n}", WORKERS) for n in range(ROUNDS)]
