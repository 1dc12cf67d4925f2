"""Scale-out benchmark: ingest and processing with 1, 2 and 4 processes on PostgreSQL, beside one
process on SQLite.

Each configuration runs as users run it, on a fresh ``notionhub notion-server`` (no rate limit)
and, for PostgreSQL, a fresh database: one ``notionhub serve`` takes the webhooks and processes
too, and ``notionhub worker`` processes make up the rest; or ``notionhub serve --workers N``,
which processes nothing itself and runs N worker children. Signed Stripe events are posted over
loopback (16 keep-alive connections) while processing runs; the figures are the 202s per
second of that stream and the events processed per second from its first request until every
event is processed (echo pack, Notion budget off: 1,000 requests/s), and the transactions
committed per event (``commits``: on SQLite the hub process's, on PostgreSQL the database's),
and the CPU time ``serve`` spent per event (its ``process_cpu_seconds_total``: with one process,
every event's processing; with workers, its share).

Beside them, what DBOS alone costs per workflow with 0, 1 and 3 steps (``bench/dbos_floor.py``),
the floor under one workflow per event; and the targets of processing ≥ 500 events/s on one
process, SQLite and PostgreSQL (missed today: docs/benchmarks.md says by how much, and why).

PostgreSQL is the machine's, at ``NOTIONHUB_BENCH_POSTGRES`` (default
``postgresql://postgres@127.0.0.1:5432/test``, the tests' server); every process, PostgreSQL
and the Notion server share this machine's cores, which is what the figures show.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
from prometheus_client.parser import text_string_to_metric_families

from bench import BenchOptions
from bench.dbos_floor import measure_floors
from bench.ingest import SECRET, running, signed_requests, wait_for_drain
from bench.load import post_all
from bench.localnotion import TOKEN, running_server
from bench.processes import stop
from bench.report import Report, Table, Target
from bench.token_drain import NOTION_RATE, run_drains
from notionhub.notion.budget import BudgetPolicy

CONCURRENCY = 16
BUDGET = 1000  # Notion requests/s: off, in effect
PROCESSING_GOAL = 500.0  # events/s processed by one process (issue 17)
ADMIN_URL = os.environ.get("NOTIONHUB_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
NOTIONHUB = [sys.executable, "-c", "from notionhub.cli import app; app()"]


@dataclass(frozen=True)
class Setup:
    name: str
    postgres: bool
    workers: int  # `notionhub worker` processes beside the one `serve`
    children: int = 0  # `serve --workers N`: serve runs no workflow, its N children do


SETUPS = (
    Setup("SQLite, 1 process", postgres=False, workers=0),
    Setup("PostgreSQL, 1 process", postgres=True, workers=0),
    Setup("PostgreSQL, 2 processes", postgres=True, workers=1),
    Setup("PostgreSQL, 4 processes", postgres=True, workers=3),
    Setup("PostgreSQL, serve --workers 1", postgres=True, workers=0, children=1),
    Setup("PostgreSQL, serve --workers 3", postgres=True, workers=0, children=3),
)


@dataclass
class Figures:
    setup: Setup
    accepted_per_s: float
    processed_per_s: float
    p99_ms: float
    processed: int
    failed: int
    commits_per_event: float  # see ``commits`` below
    serve_cpu_ms_per_event: float  # see ``serve_cpu_seconds`` below


@contextmanager
def fresh_database() -> Iterator[str]:
    admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5)
    name = f"notionhub_bench_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@contextmanager
def worker(env: dict[str, str], cwd: Path, name: str) -> Iterator[None]:
    """A `notionhub worker`, started and, on exit, stopped with SIGTERM."""
    log = cwd / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*NOTIONHUB, "worker"],
            cwd=cwd,
            env={**env, "WORKER_ID": name, "NOTIONHUB_HOME": str(cwd / name)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 90
        while "Notion: " not in log.read_text(errors="replace"):  # its banner's last line
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        yield
    finally:
        stop(process, grace=30)


def children_running(url: str, count: int, log: Path) -> None:
    """Wait until ``serve --workers``' ``count`` children run (its ``/health/ready``)."""
    deadline = time.monotonic() + 90
    while True:
        answer = httpx.get(url + "/health/ready", timeout=30, trust_env=False).json()
        if answer["checks"]["workers"]["running"] == count:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"serve's workers did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


def run_setup(setup: Setup, events: int, base_env: dict[str, str], root: Path) -> Figures:
    folder = root / setup.name.replace(" ", "-").replace(",", "")
    folder.mkdir()
    with ExitStack() as stack:
        notion = stack.enter_context(running_server(folder / "notion"))
        env = {
            **base_env,
            "NOTION_BASE_URL": notion.base_url,
            "LOCAL_NOTION_TOKEN": TOKEN,
            "STRIPE_WEBHOOK_SECRET": SECRET,
            "NOTIONHUB_PACKS": "echo",
            "NOTION_REQUESTS_PER_SECOND": str(BUDGET),
            "NOTIONHUB_POLL_SECONDS": "0",
            "NOTIONHUB_HOME": str(folder / "serve"),
            "WORKER_ID": "serve",
        }
        if setup.postgres:
            env["DATABASE_URL"] = stack.enter_context(fresh_database())
        serve = [*NOTIONHUB, "serve", "--workers", str(setup.children), "--port"]
        url = stack.enter_context(running(serve, env, folder, folder / "serve.log"))
        for number in range(1, setup.workers + 1):
            stack.enter_context(worker(env, folder, f"worker-{number}"))
        if setup.children:
            children_running(url, setup.children, folder / "serve.log")
        database = env.get("DATABASE_URL")
        before, cpu_before = commits(url, database), serve_cpu_seconds(url)
        host = url.removeprefix("http://")
        started = time.perf_counter()
        load = post_all(
            "127.0.0.1", int(url.rsplit(":", 1)[1]), signed_requests(host, 0, events), CONCURRENCY
        )
        _drain_s, final = wait_for_drain(url, events)
        total_s = time.perf_counter() - started
        spent = commits(url, database) - before
        cpu_spent = serve_cpu_seconds(url) - cpu_before
    accepted = load.statuses[202] / load.elapsed_s if load.elapsed_s else 0.0
    return Figures(
        setup,
        accepted_per_s=accepted,
        processed_per_s=final["processed"] / total_s if total_s else 0.0,
        p99_ms=load.percentile(0.99),
        processed=final["processed"],
        failed=final["failed"],
        commits_per_event=spent / events if events else 0.0,
        serve_cpu_ms_per_event=cpu_spent * 1000 / events if events else 0.0,
    )


def metric_total(url: str, family_name: str, sample_name: str) -> float:
    """The sum of one metric's samples on the hub's /metrics."""
    text = httpx.get(f"{url}/metrics", timeout=10).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        if family.name == family_name
        for sample in family.samples
        if sample.name == sample_name
    )


def serve_cpu_seconds(url: str) -> float:
    """CPU seconds (user and system) the ``serve`` process has used so far."""
    return metric_total(url, "process_cpu_seconds", "process_cpu_seconds_total")


def commits(url: str, database: str | None) -> float:
    """Transactions committed so far: on PostgreSQL the database's (every process, DBOS's and
    read-only ones included: ``pg_stat_database.xact_commit``), on SQLite the hub process's
    writes to its two files (``notionhub_database_commits_total`` of its /metrics)."""
    if database is not None:
        time.sleep(1.5)  # PostgreSQL publishes a backend's counts within a second of idling
        name = database.rsplit("/", 1)[1]
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            row = admin.execute(
                "SELECT xact_commit FROM pg_stat_database WHERE datname = %s", (name,)
            ).fetchone()
        return float(row[0]) if row else 0.0
    return metric_total(url, "notionhub_database_commits", "notionhub_database_commits_total")


def run(options: BenchOptions) -> Report:
    events = options.pages or (200 if options.quick else 2_000)
    report = Report(
        name="scale",
        parameters={"events": events, "concurrency": CONCURRENCY, "notion_budget": BUDGET},
    )
    base_env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("NOTION", "DATABASE_URL", "STRIPE", "WORKER_ID"))
    }
    root = Path(__file__).resolve().parent.parent
    python_path = os.pathsep.join(filter(None, [str(root), base_env.get("PYTHONPATH")]))
    base_env.update({"LOG_LEVEL": "warning", "PYTHONPATH": python_path})
    with tempfile.TemporaryDirectory(prefix="notionhub-bench-scale-") as folder:
        figures = [run_setup(setup, events, base_env, Path(folder)) for setup in SETUPS]
    table = Table(
        f"{events} signed events posted while processing runs (echo pack, local Notion, "
        f"{os.cpu_count()} cores)",
        [
            "setup",
            "accepted/s",
            "p99 ms",
            "processed/s (end to end)",
            "commits/event",
            "serve CPU ms/event",
            "processed",
            "failed",
        ],
    )
    for figure in figures:
        table.add(
            figure.setup.name,
            round(figure.accepted_per_s, 1),
            round(figure.p99_ms, 1),
            round(figure.processed_per_s, 1),
            round(figure.commits_per_event, 1),
            round(figure.serve_cpu_ms_per_event, 1),
            figure.processed,
            figure.failed,
        )
        if figure.processed != events:
            report.notes.append(f"{figure.setup.name}: {figure.processed} of {events} processed")
    report.tables.append(table)
    report.data = {
        figure.setup.name: {
            "accepted_per_s": figure.accepted_per_s,
            "processed_per_s": figure.processed_per_s,
            "p99_ms": figure.p99_ms,
            "processed": figure.processed,
            "failed": figure.failed,
            "commits_per_event": figure.commits_per_event,
            "serve_cpu_ms_per_event": figure.serve_cpu_ms_per_event,
        }
        for figure in figures
    }
    full = not options.quick and options.pages is None
    for name in ("SQLite, 1 process", "PostgreSQL, 1 process"):
        rate = report.data[name]["processed_per_s"]
        report.targets.append(
            Target(f"processed/s, {name}", round(rate, 1), PROCESSING_GOAL, "ev/s", True, full)
        )
    add_dbos_floor(report, 200 if options.quick else 1_000)
    add_token_drain(report, 30 if options.quick else 90, quick=options.quick)
    return report


def add_dbos_floor(report: Report, workflows: int) -> None:
    """What DBOS alone costs per workflow (``bench/dbos_floor.py``): the floor under one
    workflow per event, beside the events/s the hub reaches."""
    floors = measure_floors((0, 1, 3), workflows)
    table = Table(
        f"DBOS alone: {workflows} no-op workflows through a queue on SQLite, as the runtime"
        " configures it",
        ["steps per workflow", "workflows/s", "CPU ms per workflow"],
    )
    for floor in floors:
        table.add(floor.steps, round(floor.workflows_per_s, 1), round(floor.cpu_ms_per_workflow, 2))
    report.tables.append(table)
    report.data["dbos_floor"] = [floor.__dict__ for floor in floors]


def add_token_drain(report: Report, events: int, *, quick: bool) -> None:
    """The Notion drain rate with 1 vs 3 tokens (``bench/token_drain.py``), into ``report``."""
    drains = run_drains(events)
    table = Table(
        f"{events} events drained to Notion by three packs, Notion's budget of"
        f" {NOTION_RATE:g} requests/s per token (one hub process, SQLite)",
        [
            "tokens",
            "drain s",
            "events/s",
            "Notion requests/s",
            "requests by token",
            f"most in {BudgetPolicy().window:g} s, by token",
            "budget's cap per window",
        ],
    )
    for run in drains:
        table.add(
            run.tokens,
            round(run.seconds, 1),
            round(run.events_per_s, 2),
            round(run.requests_per_s, 2),
            ", ".join(f"…{token}: {count}" for token, count in run.per_token.items()),
            ", ".join(f"…{token}: {most}" for token, most in sorted(run.most_per_window.items())),
            run.window_cap,
        )
        if run.processed != events:
            report.notes.append(f"{run.tokens} token(s): {run.processed} of {events} processed")
    report.tables.append(table)
    one, three = drains
    ratio = three.events_per_s / one.events_per_s if one.events_per_s else 0.0
    report.targets.append(
        Target("drain with 3 tokens ÷ 1 token", round(ratio, 2), 2.5, "×", True, not quick)
    )
    report.data["token_drain"] = [
        {
            "tokens": run.tokens,
            "events": run.events,
            "seconds": run.seconds,
            "events_per_s": run.events_per_s,
            "requests_per_s": run.requests_per_s,
            "requests_by_token": run.per_token,
            "most_per_window_by_token": run.most_per_window,
            "window_cap": run.window_cap,
        }
        for run in drains
    ]
