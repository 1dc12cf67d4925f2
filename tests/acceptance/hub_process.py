"""``notionhub serve`` (and ``notionhub notion-server``) as subprocesses, as users run them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.conftest import free_port
from tests.signing import STRIPE_SECRET

WORKER_READY = "Notion: "  # a worker's banner ends with its Notion line


def base_env(**values: str) -> dict[str, str]:
    """The test's environment without any NOTION_* or provider secret of the machine."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("NOTION", "DATABASE_URL", "STRIPE", "CALCOM", "ZOOM"))
    }
    env.update({"LOG_LEVEL": "warning", **values})
    return env


@dataclass
class Process:
    """One ``notionhub`` command running in ``cwd``; its output kept in a file."""

    args: list[str]
    cwd: Path
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.cwd / f"{self.args[0]}-{self.port}.log"

    def start(self, ready_path: str) -> None:
        command = [sys.executable, "-c", "from notionhub.cli import app; app()", *self.args]
        command += ["--port", str(self.port)]
        with self.log_path.open("ab") as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen(
                command, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.args[0]} exited: {self.output()}")
            try:
                if httpx.get(self.url + ready_path, timeout=2).status_code < 500:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.args[0]} did not answer {ready_path}: {self.output()}")

    def launch(self) -> None:
        """Start a command that serves no HTTP (``worker``), without waiting for it."""
        command = [sys.executable, "-c", "from notionhub.cli import app; app()", *self.args]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    def wait_until(self, ready_text: str, times: int = 1) -> None:
        """Wait until the command's output says ``ready_text`` (``times`` times; a hang guard
        of 90 s)."""
        deadline = time.monotonic() + 90
        while self.log_path.read_text(errors="replace").count(ready_text) < times:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"{self.args[0]} exited: {self.output()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.args[0]} did not say {ready_text!r}: {self.output()}")
            time.sleep(0.1)

    @staticmethod
    def wait_until_gone(pid: int) -> None:
        """Wait until process ``pid`` has ended (a zombie counts as ended; a hang guard of
        90 s)."""
        deadline = time.monotonic() + 90
        while True:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except FileNotFoundError:
                return
            if "\nState:\tZ" in status:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"process {pid} still runs")
            time.sleep(0.1)

    def kill(self) -> None:
        """``kill -9``: no shutdown, no flush."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


@dataclass
class SharedHub:
    """One ``serve`` and ``workers`` ``notionhub worker``s on one PostgreSQL, beside a standalone
    ``notionhub notion-server``, as a deployment runs them (echo pack, Stripe webhooks)."""

    folder: Path
    database_url: str
    workers: int
    extra_env: dict[str, str] = field(default_factory=dict)
    notion: Process = field(init=False)
    hub: Process = field(init=False)
    worker_processes: list[Process] = field(init=False)

    def __post_init__(self) -> None:
        self.notion = Process(
            ["notion-server", "--data", str(self.folder / "notion")], self.folder, base_env()
        )
        self.hub = Process(["serve"], self.folder, self.env("serve"))
        self.worker_processes = [
            Process(["worker"], self.folder, self.env(f"w{n}")) for n in range(1, self.workers + 1)
        ]

    def env(self, worker: str) -> dict[str, str]:
        """The environment of the process whose WORKER_ID is ``worker``."""
        return base_env(
            DATABASE_URL=self.database_url,
            WORKER_ID=worker,
            NOTIONHUB_HOME=str(self.folder / worker),
            NOTION_BASE_URL=self.notion.url,
            STRIPE_WEBHOOK_SECRET=STRIPE_SECRET,
            NOTIONHUB_PACKS="echo",
            NOTIONHUB_POLL_SECONDS="0",
            **self.extra_env,
        )

    def start(self) -> None:
        """The Notion server, then ``serve`` (it provisions the Event Log and records the pack
        set first), then the workers, each once its banner is out."""
        self.notion.start("/_admin/stats")
        self.hub.start("/health")
        for worker in self.worker_processes:
            worker.launch()
        for worker in self.worker_processes:
            worker.wait_until(WORKER_READY)

    def stop(self) -> None:
        """Every process, workers and ``serve`` first; those never started are skipped."""
        for process in reversed([self.hub, *self.worker_processes]):
            process.stop()
        self.notion.stop()
