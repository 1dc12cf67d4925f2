"""Ingest benchmark: signed webhooks posted concurrently over loopback to ``notionhub serve``.

The hub runs as ``make run`` starts it (embedded local Notion, SQLite, the echo pack), in its
own process; the load generator posts Stripe-signed events over keep-alive connections and
counts a request as accepted on its 202 (the event is then stored durably). In the same run, a
bare FastAPI endpoint that only reads the body and answers 202, under the same uvicorn, takes
the same load: the ratio of the two rates is what verification, parsing and storage cost.
Afterwards the hub's queue is drained and every accepted event checked as processed.

Goals: ≥ 1,000 accepted events/s, p99 ≤ 50 ms, hub/bare ratio ≥ 0.5.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from bench import BenchOptions
from bench.load import LoadResult, http_request, post_all
from bench.processes import free_port, stop
from bench.report import Report, Table, Target

SECRET = "whsec_bench_secret"
CONCURRENCY = 16
WARM_UP = 300
DRAIN_BUDGET = 500  # Notion requests/s allowed to the hub while it drains the burst
ROOT = Path(__file__).resolve().parent.parent


def signed_requests(host: str, start: int, count: int) -> list[bytes]:
    """Stripe-signed checkout events, numbered from ``start``, for 200 different customers."""
    stamp = int(time.time())
    requests = []
    for number in range(start, start + count):
        body = json.dumps(
            {
                "id": f"evt_bench_{number:07d}",
                "object": "event",
                "type": "checkout.session.completed",
                "created": stamp,
                "data": {
                    "object": {
                        "id": f"cs_bench_{number:07d}",
                        "amount_total": 15_000,
                        "currency": "usd",
                        "customer_details": {"email": f"client{number % 200}@example.com"},
                    }
                },
            }
        ).encode()
        digest = hmac.new(SECRET.encode(), f"{stamp}.".encode() + body, hashlib.sha256)
        headers = {
            "Content-Type": "application/json",
            "Stripe-Signature": f"t={stamp},v1={digest.hexdigest()}",
        }
        requests.append(http_request(host, "/hooks/stripe", body, headers))
    return requests


@contextmanager
def running(command: list[str], env: dict[str, str], cwd: Path, log: Path) -> Iterator[str]:
    """Run a server process on a free port; yields its base URL once /health answers."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, str(port)], cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{command[0]} did not start:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(url + "/health", timeout=2, trust_env=False).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        stop(process, grace=30)


def measure(url: str, requests: list[bytes], warm_up: list[bytes]) -> LoadResult:
    port = int(url.rsplit(":", 1)[1])
    post_all("127.0.0.1", port, warm_up, CONCURRENCY)
    return post_all("127.0.0.1", port, requests, CONCURRENCY)


def wait_for_drain(url: str, expected: int, timeout: float = 900) -> tuple[float, dict[str, int]]:
    started = time.perf_counter()
    deadline = time.monotonic() + timeout
    while True:
        events = httpx.get(url + "/api/stats", timeout=30, trust_env=False).json()["events"]
        finished = events["processed"] + events["failed"] + events["ignored"]
        if events["pending"] == 0 and finished >= expected:
            return time.perf_counter() - started, events
        if time.monotonic() > deadline:
            raise RuntimeError(f"the hub did not drain: {events}")
        time.sleep(0.25)


def run(options: BenchOptions) -> Report:
    events = options.pages or (1_000 if options.quick else 10_000)
    full = not options.quick and options.pages is None
    report = Report(
        name="ingest",
        parameters={
            "events": events,
            "concurrency": CONCURRENCY,
            "warm_up": WARM_UP,
            "notion_budget": DRAIN_BUDGET,
        },
    )
    python = [sys.executable, "-c"]
    with tempfile.TemporaryDirectory(prefix="notionhub-bench-ingest-") as folder:
        home = Path(folder)
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("NOTION", "DATABASE_URL", "STRIPE"))
        }
        python_path = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        env.update({"LOG_LEVEL": "warning", "PYTHONPATH": python_path})
        bare_command = [
            *python,
            "import sys, uvicorn; from bench.bare_app import create_bare_app;"
            " uvicorn.run(create_bare_app(), host='127.0.0.1', port=int(sys.argv[1]),"
            " log_level='warning', http='httptools', loop='uvloop')",  # as notionhub serve
        ]
        with running(bare_command, env, home, home / "bare.log") as url:
            host = url.removeprefix("http://")
            bare = measure(url, signed_requests(host, 0, events), signed_requests(host, 0, WARM_UP))
        hub_env = {
            **env,
            "STRIPE_WEBHOOK_SECRET": SECRET,
            "NOTIONHUB_PACKS": "echo",
            # The local server's default budget is 50 requests/s; draining 10,000 events at
            # that pace would take minutes without telling anything about ingest.
            "NOTION_REQUESTS_PER_SECOND": str(DRAIN_BUDGET),
        }
        hub_command = [*python, "from notionhub.cli import app; app()", "serve", "--port"]
        with running(hub_command, hub_env, home, home / "hub.log") as url:
            host = url.removeprefix("http://")
            warm_up = signed_requests(host, 0, WARM_UP)
            hub = measure(url, signed_requests(host, WARM_UP, events), warm_up)
            drain_s, final = wait_for_drain(url, events + WARM_UP)
    _report(report, bare, hub, events, drain_s, final, full=full)
    return report


def _rate(result: LoadResult, status: int) -> float:
    return result.statuses[status] / result.elapsed_s if result.elapsed_s else 0.0


def _report(
    report: Report,
    bare: LoadResult,
    hub: LoadResult,
    events: int,
    drain_s: float,
    final: dict[str, int],
    *,
    full: bool,
) -> None:
    bare_rate, hub_rate = _rate(bare, 202), _rate(hub, 202)
    table = Table("Signed webhooks over loopback", ["server", "202/s", "p50 ms", "p99 ms", "other"])
    for name, result, rate in (("bare FastAPI 202", bare, bare_rate), ("notionhub", hub, hub_rate)):
        others = {code: n for code, n in result.statuses.items() if code != 202}
        table.add(
            name,
            round(rate, 1),
            round(result.percentile(0.50), 2),
            round(result.percentile(0.99), 2),
            json.dumps(others) if others else "none",
        )
    report.tables.append(table)
    after = Table(
        "Processing after the burst (echo pack, embedded local Notion)", ["figure", "value"]
    )
    after.add("events accepted (incl. warm-up)", events + WARM_UP)
    after.add("processed / failed", f"{final['processed']} / {final['failed']}")
    after.add("drain time after the burst (s)", round(drain_s, 1))
    after.add(
        "processed per second while draining", round(events / drain_s, 1) if drain_s else None
    )
    report.tables.append(after)
    ratio = hub_rate / bare_rate if bare_rate else 0.0
    report.targets += [
        Target("accepted events/s", hub_rate, 1000, "ev/s", higher_is_better=True, applies=full),
        Target("p99 latency", hub.percentile(0.99), 50, "ms", applies=full),
        Target("hub ÷ bare rate", ratio, 0.5, "", higher_is_better=True, applies=full),
    ]
    report.data = {
        "bare": {"rate": bare_rate, "statuses": dict(bare.statuses)},
        "hub": {"rate": hub_rate, "statuses": dict(hub.statuses)},
        "drain_s": drain_s,
        "final": final,
    }
    if final["processed"] != events + WARM_UP:
        report.notes.append(f"only {final['processed']} of {events + WARM_UP} events processed")
