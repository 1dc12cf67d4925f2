"""What DBOS alone costs per workflow on this machine: the floor under one workflow per event.

Each measurement runs in a process of its own (DBOS is one per process): ``workflows`` no-op
workflows with ``steps`` no-op steps each go through a DBOS queue on SQLite, with the engine,
concurrency and polling interval the hub's runtime uses (``queue/runtime.py``), enqueued from
the same process, as the dispatcher does. Printed as one JSON line: workflows per second from
the first enqueue to the last result, and the process's CPU time per workflow.

``python -m bench.dbos_floor STEPS WORKFLOWS`` runs one measurement; ``measure_floors`` runs one
per step count, each in a fresh interpreter and data folder.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID

from notionhub.queue.runtime import WORKER_CONCURRENCY, dbos_sqlite_engine

POLLING_SECONDS = 0.05  # as the runtime registers its queue


@dataclass(frozen=True)
class Floor:
    steps: int
    workflows: int
    workflows_per_s: float
    cpu_ms_per_workflow: float


@DBOS.step()
def _nothing(number: int) -> int:
    return number


@DBOS.workflow()
def _workflow(number: int, steps: int) -> int:
    for _ in range(steps):
        _nothing(number)
    return number


def _measure(steps: int, workflows: int, folder: Path) -> Floor:
    path = folder / "dbos.sqlite3"
    config: DBOSConfig = {
        "name": "dbos-floor",
        "application_version": "floor",
        "executor_id": "floor",
        "log_level": "WARNING",
        "system_database_url": f"sqlite:///{path.as_posix()}",
        "system_database_engine": dbos_sqlite_engine(path),
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        queue = DBOS.register_queue(
            "floor", worker_concurrency=WORKER_CONCURRENCY, polling_interval_sec=POLLING_SECONDS
        )
        started, cpu = time.perf_counter(), time.process_time()
        handles = []
        for number in range(workflows):
            with SetWorkflowID(f"floor-{number}"):
                handles.append(queue.enqueue(_workflow, number, steps))
        for handle in handles:
            handle.get_result()
        elapsed, used = time.perf_counter() - started, time.process_time() - cpu
    finally:
        DBOS.destroy()
    return Floor(steps, workflows, workflows / elapsed, used * 1000 / workflows)


def measure_floors(step_counts: tuple[int, ...], workflows: int) -> list[Floor]:
    """One measurement per step count, each in its own interpreter and data folder."""
    floors = []
    for steps in step_counts:
        answer = subprocess.run(
            [sys.executable, "-m", "bench.dbos_floor", str(steps), str(workflows)],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        floors.append(Floor(**json.loads(answer.stdout.strip().splitlines()[-1])))
    return floors


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="notionhub-dbos-floor-") as data:
        floor = _measure(int(sys.argv[1]), int(sys.argv[2]), Path(data))
    print(json.dumps(floor.__dict__))
