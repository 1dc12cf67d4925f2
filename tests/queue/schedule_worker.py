"""A hub process for test_schedules_postgres.py: a pack whose schedule ticks every second.

Run as ``python tests/queue/schedule_worker.py`` with DATABASE_URL, WORKER_ID, NOTIONHUB_HOME
and NOTION_BASE_URL set; it runs until its stdin closes. Each tick's job adds one to the tick's
row of ``ticks`` (made by the test), so a tick run twice shows a count of two.
"""

from __future__ import annotations

import sys

from dbos import DBOS
from sqlalchemy import text

from notionhub.packs import Agent, FlowContext, Pack, Schedule
from notionhub.queue.processor import EventProcessor
from notionhub.queue.runtime import Runtime
from notionhub.settings import Settings

COUNT_TICK = text(
    "INSERT INTO ticks (tick, runs, workers) VALUES (:tick, 1, :worker)"
    " ON CONFLICT (tick) DO UPDATE"
    " SET runs = ticks.runs + 1, workers = ticks.workers || ',' || excluded.workers"
)


def count_tick(context: FlowContext) -> str:
    # The job is given no tick time; the tick's workflow id (sched-<schedule>-<time>) names it.
    tick = DBOS.workflow_id
    with context.engine.begin() as connection:
        connection.execute(COUNT_TICK, {"tick": tick, "worker": context.settings.worker_id})
    return f"counted {tick}"


TICKER = Pack(
    name="ticker",
    description="Counts the ticks of a schedule that fires every second.",
    models=(),
    agents=(
        Agent(
            name="ticker",
            description="Counts each tick.",
            schedules=(Schedule("every-second", "* * * * * *", count_tick),),
        ),
    ),
)


def main() -> None:
    runtime = Runtime(Settings(), EventProcessor(), packs=[TICKER])
    runtime.start()
    print("started", flush=True)
    sys.stdin.read()  # until the test closes our stdin
    runtime.stop()
    print("stopped", flush=True)


if __name__ == "__main__":
    main()
