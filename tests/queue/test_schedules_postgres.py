"""Schedules on two hub processes sharing PostgreSQL: both fire every tick, each tick runs once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any, cast

import psycopg
import pytest
from sqlalchemy import Engine, insert, select

from notionhub.hubdb.tables import schedule_runs
from notionhub.queue.schedules import ScheduleHost, _record
from tests.conftest import RunningServer
from tests.first_rows import write_behind_an_uncommitted_row

WORKER = Path(__file__).parent / "schedule_worker.py"
TICKS_WANTED = 5


class Worker:
    """One hub process running tests/queue/schedule_worker.py; stopped by closing its stdin."""

    def __init__(self, name: str, folder: Path, environment: dict[str, str]) -> None:
        folder.mkdir(parents=True)
        self.name = name
        self.output = folder / "output.txt"
        with self.output.open("w") as output:
            self.process = subprocess.Popen(
                [sys.executable, str(WORKER)],
                cwd=folder,  # no .env of the developer's
                env={**environment, "WORKER_ID": name, "NOTIONHUB_HOME": str(folder / "home")},
                stdin=subprocess.PIPE,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def read_output(self) -> str:
        return self.output.read_text()

    def stop(self) -> str:
        """Ask it to stop and wait; what it printed."""
        stdin: IO[bytes] | None = self.process.stdin
        if stdin is not None and not stdin.closed:
            stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        return self.read_output()


@pytest.fixture
def ticks_database(postgres_url: str) -> Iterator[str]:
    """The fresh database, with the table the workers' job counts ticks in."""
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute(
            "CREATE TABLE ticks (tick TEXT PRIMARY KEY, runs INTEGER NOT NULL, workers TEXT)"
        )
    yield postgres_url


def count_ticks(url: str) -> dict[str, tuple[int, str]]:
    with psycopg.connect(url, autocommit=True) as connection:
        rows = connection.execute("SELECT tick, runs, workers FROM ticks").fetchall()
    return {tick: (runs, workers) for tick, runs, workers in rows}


def recorded_runs(url: str, schedule: str) -> int:
    """The hub's own count of the schedule's runs (``notionhub schedules``)."""
    with psycopg.connect(url, autocommit=True) as connection:
        row = connection.execute(
            "SELECT runs FROM schedule_runs WHERE name = %s", (schedule,)
        ).fetchone()
    return 0 if row is None else int(row[0])


def test_two_processes_run_each_tick_once(
    ticks_database: str, notion_server: RunningServer, tmp_path: Path
) -> None:
    environment = {
        **os.environ,
        "DATABASE_URL": ticks_database,
        "NOTION_BASE_URL": notion_server.base_url,
        "NOTION_REQUESTS_PER_SECOND": "1000",
        "LOG_LEVEL": "warning",
    }
    environment.pop("NOTION_TOKEN", None)
    with ExitStack() as stack:
        workers = []
        deadline = time.monotonic() + 45  # a guard against hanging, not a timing
        for name in ("worker-a", "worker-b"):  # at once: both create the new database's tables
            worker = Worker(name, tmp_path / name, environment)
            stack.callback(worker.stop)
            workers.append(worker)
        for worker in workers:
            while "started" not in worker.read_output().splitlines():
                assert worker.process.poll() is None, f"{worker.name}: {worker.read_output()}"
                assert time.monotonic() < deadline, f"{worker.name}: {worker.read_output()}"
                time.sleep(0.1)
        while len(count_ticks(ticks_database)) < TICKS_WANTED:
            for worker in workers:
                assert worker.process.poll() is None, f"{worker.name}: {worker.read_output()}"
            assert time.monotonic() < deadline, [w.read_output() for w in workers]
            time.sleep(0.2)
        outputs = [worker.stop() for worker in workers]
    for worker, output in zip(workers, outputs, strict=True):
        assert worker.process.returncode == 0, output
        assert {"started", "stopped"} <= set(output.splitlines()), output
    ticks = count_ticks(ticks_database)
    assert len(ticks) >= TICKS_WANTED
    assert {tick: runs for tick, (runs, _) in ticks.items()} == dict.fromkeys(ticks, 1)
    assert all(tick.startswith("sched-ticker.every-second-") for tick in ticks)
    assert {workers for _, workers in ticks.values()} <= {"worker-a", "worker-b"}
    assert recorded_runs(ticks_database, "ticker.every-second") == len(ticks)


def test_a_schedules_first_two_ticks_on_two_processes_both_count(
    postgres_hub_engine: Engine,
) -> None:
    """Two overlapping first ticks (one process's tick outlasting its period) are both
    recorded: the second one's record does not fail on the first one's row."""
    # Recording a tick reads only the host's database and clock.
    host = ScheduleHost(
        packs=(),
        flow_context=cast(Any, None),
        agents=cast(Any, None),
        engine=postgres_hub_engine,
        clock=lambda: 100.0,
    )
    first = insert(schedule_runs).values(
        name="enterprise.health",
        runs=1,
        last_tick="t1",
        last_run_at=99.0,
        last_outcome="ok",
        last_note="",
    )
    raised = write_behind_an_uncommitted_row(
        postgres_hub_engine, first, lambda: _record(host, "enterprise.health", "t2", "ok", "done")
    )
    assert raised is None
    with postgres_hub_engine.connect() as connection:
        row = connection.execute(select(schedule_runs)).one()
    assert (row.runs, row.last_tick, row.last_note) == (2, "t2", "done")
