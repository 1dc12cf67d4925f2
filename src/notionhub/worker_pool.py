"""``notionhub serve --workers N``: the ``notionhub worker`` children of one ``serve``.

With ``--workers N`` (PostgreSQL only) ``serve`` takes webhooks, serves the console and
dispatches, and N child processes run the workflows: ingest and processing no longer share one
interpreter, and the children use the machine's other cores. Each child is ``notionhub worker``
with ``serve``'s environment, its own ``WORKER_ID`` (``<serve's>-worker-<n>``, the same across
its restarts, so DBOS recovers its work when it comes back) and, when ``serve`` embeds the local
Notion, ``NOTION_BASE_URL`` of ``serve``'s ``/notion`` with the token in force.

One supervisor thread starts the children and watches them:

- a child that exits (a crash, ``kill -9``, an out-of-memory kill) is started again after a
  delay that doubles from ``restart_seconds`` up to ``max_restart_seconds`` while it keeps
  dying, and starts over once a child has run ``steady_seconds``;
- a child that exits with code 2 was refused (a setting, the pack set, a ``WORKER_ID`` in use)
  and would be refused again: it is not restarted, and the refusal is logged;
- a stop sends SIGTERM to every child, gives them ``stop_seconds`` to finish (a worker's own
  stop takes about 5 s), then kills what is left;
- each child is told ``serve``'s pid (``NOTIONHUB_PARENT_PID``) and stops as on SIGTERM once
  its parent is another process, so a ``serve`` killed with ``kill -9`` leaves no worker behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog

from notionhub.errors import StartRefused
from notionhub.settings import Settings

log = structlog.get_logger("notionhub.workers")

REFUSED_EXIT_CODE = 2  # a refusal (cli_processing.refuse): starting again would repeat it
# A child stops when the process that started it is gone (``serve`` killed with ``kill -9``).
PARENT_PID_VARIABLE = "NOTIONHUB_PARENT_PID"


@dataclass(frozen=True)
class WorkerSpec:
    """How to start one child: its ``WORKER_ID``, its command line and its environment."""

    worker_id: str
    command: list[str]
    env: Mapping[str, str]


def worker_specs(
    count: int,
    base_env: Mapping[str, str],
    serve_worker_id: str,
    *,
    extra_env: Mapping[str, str] | None = None,
) -> list[WorkerSpec]:
    """The ``count`` children of the ``serve`` whose ``WORKER_ID`` is ``serve_worker_id``: each
    ``notionhub worker`` run by this interpreter (the ``notionhub`` script may not be on
    ``PATH``: a virtualenv not activated)."""
    specs = []
    for n in range(1, count + 1):
        worker_id = f"{serve_worker_id}-worker-{n}"
        env = {**base_env, **(extra_env or {}), "WORKER_ID": worker_id}
        env[PARENT_PID_VARIABLE] = str(os.getpid())
        command = [sys.executable, "-m", "notionhub", "worker"]
        specs.append(WorkerSpec(worker_id, command, env))
    return specs


@dataclass
class Child:
    """One child as the supervisor sees it."""

    spec: WorkerSpec
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    starts: int = 0
    delay: float = 0.0
    due: float | None = 0.0  # when to start it (again); None: not to be started (refused)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None


@dataclass
class WorkerPool:
    """Keeps ``specs``' children running from ``start`` until ``stop``."""

    specs: list[WorkerSpec]
    restart_seconds: float = 1.0
    max_restart_seconds: float = 30.0
    steady_seconds: float = 60.0
    stop_seconds: float = 30.0
    poll_seconds: float = 0.2
    clock: Callable[[], float] = time.monotonic
    children: list[Child] = field(init=False)
    _stopping: threading.Event = field(default_factory=threading.Event, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self.children = [Child(spec) for spec in self.specs]

    def start(self) -> None:
        """Start the supervisor thread, which starts every child at once."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._supervise, name="worker-pool", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """SIGTERM to every child, ``stop_seconds`` for them to end, then SIGKILL; returns when
        none is left. Safe to call more than once, or without a start."""
        self._stopping.set()
        thread = self._thread
        if thread is not None:
            thread.join()

    def status(self) -> list[dict[str, Any]]:
        """Each child: its ``WORKER_ID``, pid, whether it runs, restarts, refused."""
        with self._lock:
            return [
                {
                    "worker_id": child.spec.worker_id,
                    "pid": child.pid,
                    "running": child.process is not None and child.process.poll() is None,
                    "restarts": max(child.starts - 1, 0),
                    "refused": child.due is None,
                }
                for child in self.children
            ]

    def _supervise(self) -> None:
        try:
            while not self._stopping.is_set():
                now = self.clock()
                for child in self.children:
                    self._look_after(child, now)
                self._stopping.wait(self.poll_seconds)
        finally:
            self._terminate_all()

    def _look_after(self, child: Child, now: float) -> None:
        process = child.process
        if process is not None:
            code = process.poll()
            if code is None:
                return
            self._exited(child, code, now)
        if child.due is not None and now >= child.due:
            self._spawn(child, now)

    def _exited(self, child: Child, code: int, now: float) -> None:
        ran = now - child.started_at
        with self._lock:
            child.process = None
        if code == REFUSED_EXIT_CODE:
            child.due = None
            log.error(
                "worker_refused",
                worker=child.spec.worker_id,
                exit_code=code,
                note="not restarted: it said why above, and would say it again",
            )
            return
        child.delay = self.restart_delay(child.delay, ran)
        child.due = now + child.delay
        log.warning(
            "worker_exited",
            worker=child.spec.worker_id,
            exit_code=code,
            ran_seconds=round(ran, 1),
            restart_in_seconds=child.delay,
        )

    def restart_delay(self, previous: float, ran: float) -> float:
        """How long to wait before starting a child again that ran ``ran`` seconds, the last
        wait having been ``previous`` (0: none yet)."""
        if previous == 0 or ran >= self.steady_seconds:
            return self.restart_seconds
        return min(previous * 2, self.max_restart_seconds)

    def _spawn(self, child: Child, now: float) -> None:
        try:
            process = subprocess.Popen(child.spec.command, env=dict(child.spec.env))
        except OSError as error:
            child.delay = self.restart_delay(child.delay, 0.0)
            child.due = now + child.delay
            log.error("worker_not_started", worker=child.spec.worker_id, error=str(error))
            return
        with self._lock:
            child.starts += 1
            child.process = process
            child.started_at = now
        log.info("worker_started", worker=child.spec.worker_id, pid=process.pid)

    def _terminate_all(self) -> None:
        running = [(c.spec.worker_id, c.process) for c in self.children if c.process is not None]
        for _worker, process in running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = self.clock() + self.stop_seconds
        for worker, process in running:
            try:
                process.wait(timeout=max(0.0, deadline - self.clock()))
            except subprocess.TimeoutExpired:
                log.warning("worker_killed", worker=worker, after_seconds=self.stop_seconds)
                process.kill()
                process.wait()


def worker_counts(status: list[dict[str, Any]]) -> dict[str, int]:
    """How many children of ``status`` (``WorkerPool.status``) run, wait to start again, or were
    refused."""
    counts = {"running": 0, "waiting": 0, "refused": 0}
    for child in status:
        state = "refused" if child["refused"] else "running" if child["running"] else "waiting"
        counts[state] += 1
    return counts


def serve_notion_env(settings: Settings, host: str, port: int, mount: str) -> dict[str, str]:
    """What the children of a ``serve`` embedding the local Notion (at ``mount``) need to reach
    it: its URL (over loopback when ``serve`` listens on every address) and the token in force.
    Nothing when Notion is elsewhere: the children read the same settings.

    ``StartRefused`` when ``serve`` listens on one address that is not loopback: the children
    would call from it, and the embedded Notion answers loopback only unless
    ``LOCAL_NOTION_ALLOW_REMOTE`` says otherwise.
    """
    from notionhub.localnotion.exposure import is_loopback  # the local Notion's package: heavy

    if not settings.embeds_local_notion:
        return {}
    address = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)
    if not is_loopback(address) and not settings.local_notion_allow_remote:
        raise StartRefused(
            f"serve --workers with the embedded local Notion needs --host 127.0.0.1 or 0.0.0.0:"
            f" its workers call its /notion, which answers this machine's loopback only, not"
            f" {host} (or set LOCAL_NOTION_ALLOW_REMOTE=true, or run `notionhub notion-server`"
            f" and set NOTION_BASE_URL)"
        )
    if ":" in address:
        address = f"[{address}]"
    return {
        "NOTION_BASE_URL": f"http://{address}:{port}{mount}",
        "LOCAL_NOTION_TOKEN": settings.local_notion_token.get_secret_value(),
    }
