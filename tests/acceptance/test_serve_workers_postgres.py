"""``notionhub serve --workers 2`` on PostgreSQL, with the local Notion embedded in ``serve``.

As a user runs it: one command. ``serve`` takes the webhooks and two ``notionhub worker``
children run every workflow (``serve`` runs none), calling ``serve``'s own ``/notion``. A child
killed with ``kill -9`` is started again under the same ``WORKER_ID``; the events sent after
drain too, each once; SIGTERM to ``serve`` stops the children with it.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import httpx
import psycopg

from notionhub.packs.echo.models import EventLogEntry
from tests.acceptance.hub_checks import event_summaries, keys_in, wait_for_drain
from tests.acceptance.hub_process import Process, base_env
from tests.acceptance.test_crash_recovery import Sender
from tests.signing import STRIPE_SECRET, stripe_event

FIRST, SECOND = 60, 40


def children_of(pid: int) -> set[int]:
    """The pids of ``pid``'s child processes (Linux: /proc)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.update(int(child) for child in (task / "children").read_text().split())
    return found


def executors_of_event_workflows(database_url: str) -> dict[str, int]:
    """Executor id → event workflows it ran (DBOS's table)."""
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT executor_id, count(*) FROM dbos.workflow_status"
            " WHERE name LIKE %s GROUP BY executor_id",
            ("process_event%",),
        ).fetchall()
    return {str(row[0]): int(row[1]) for row in rows}


def serve_with_workers(workers: int, folder: Path, database_url: str) -> Process:
    """``serve --workers`` on ``database_url`` with the embedded Notion (not started), its
    ``WORKER_ID`` ``hub``."""
    env = base_env(
        DATABASE_URL=database_url,
        WORKER_ID="hub",
        NOTIONHUB_HOME=str(folder / "home"),
        STRIPE_WEBHOOK_SECRET=STRIPE_SECRET,
        NOTIONHUB_PACKS="echo",
        NOTIONHUB_POLL_SECONDS="0",
    )
    return Process(["serve", "--workers", str(workers)], folder, env)


def send(hub: Process, numbers: range) -> None:
    sender = Sender(
        hub.url + "/hooks/stripe", [stripe_event(n, f"client{n % 10}@example.com") for n in numbers]
    )
    sender.run()
    assert len(sender.accepted) == len(numbers), hub.output()


def test_serve_with_two_workers_processes_only_in_them_and_restarts_a_killed_one(
    tmp_path: Path, postgres_url: str
) -> None:
    hub = serve_with_workers(2, tmp_path, postgres_url)
    try:
        hub.start("/health")
        for worker in ("hub-worker-1", "hub-worker-2"):
            hub.wait_until(f"worker {worker}: concurrency")
        assert hub.process is not None
        first_children = children_of(hub.process.pid)
        assert len(first_children) == 2, hub.output()

        send(hub, range(FIRST))
        wait_for_drain(hub.url, FIRST, timeout=180)
        ran = executors_of_event_workflows(postgres_url)
        assert sum(ran.values()) == FIRST, ran
        assert set(ran) <= {"hub-worker-1", "hub-worker-2"}, ran  # serve ran none

        victim = min(first_children)
        os.kill(victim, signal.SIGKILL)
        hub.wait_until('"event": "worker_exited"')
        hub.wait_until("worker hub-worker-", times=3)  # the banner of the one started again
        survivors = children_of(hub.process.pid)
        assert len(survivors) == 2 and victim not in survivors, hub.output()
        workers = httpx.get(hub.url + "/health/ready", timeout=30).json()["checks"]["workers"]
        assert workers == {"ok": True, "running": 2, "waiting": 0, "refused": 0, "restarts": 1}
        metrics = httpx.get(hub.url + "/metrics", timeout=30).text
        assert 'notionhub_worker_children{state="running"} 2.0' in metrics
        console = httpx.get(hub.url + "/", timeout=30).text  # loopback, no key: open
        assert "<strong>workers</strong>: ok (2 running, 1 restart)" in console

        send(hub, range(FIRST, FIRST + SECOND))
        total = FIRST + SECOND
        stats = wait_for_drain(hub.url, total, timeout=180)
        events = event_summaries(hub.url)
        assert len(events) == total, stats
        assert {e["status"] for e in events.values()} == {"processed"}, stats
        rows = keys_in(hub.url + "/notion", EventLogEntry)
        assert set(rows) == {f"stripe:evt_test_{n:06d}" for n in range(total)}
        assert max(rows.values()) == 1, [key for key, count in rows.items() if count > 1]
        assert set(executors_of_event_workflows(postgres_url)) <= {"hub-worker-1", "hub-worker-2"}

        hub.stop()  # SIGTERM: serve stops its workers, then itself
        # uvicorn ends a graceful stop by raising the signal it caught again
        assert hub.process.returncode == -signal.SIGTERM, hub.output()
        output = hub.output()
        for worker in ("hub-worker-1", "hub-worker-2"):
            assert f"worker {worker}: stopping" in output, output
        assert "worker_killed" not in output, output
        for pid in survivors:
            Process.wait_until_gone(pid)
    finally:
        hub.stop()


def test_serve_workers_on_sqlite_is_refused_in_one_line(tmp_path: Path) -> None:
    env = base_env(NOTIONHUB_HOME=str(tmp_path / "home"), NOTIONHUB_PACKS="echo")
    hub = Process(["serve", "--workers", "2"], tmp_path, env)
    hub.launch()
    assert hub.process is not None
    assert hub.process.wait(timeout=60) == 2
    output = hub.output()
    assert "serve --workers needs DATABASE_URL=postgresql://" in output, output
    assert "Traceback" not in output


def test_a_serve_killed_with_kill_9_leaves_no_worker_behind(
    tmp_path: Path, postgres_url: str
) -> None:
    hub = serve_with_workers(1, tmp_path, postgres_url)
    try:
        hub.start("/health")
        hub.wait_until("worker hub-worker-1: concurrency")
        assert hub.process is not None
        (child,) = children_of(hub.process.pid)
        hub.kill()
        # The child sees it has another parent (NOTIONHUB_PARENT_PID) and stops as on SIGTERM;
        # the 90 s are a hang guard.
        hub.wait_until_gone(child)
        output = hub.output()
        assert f"worker hub-worker-1: serve (pid {hub.process.pid}) is gone" in output, output
        assert "worker hub-worker-1: stopping" in output, output
    finally:
        hub.stop()
