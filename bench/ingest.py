"""Ingest benchmark: signed webhooks posted concurrently over loopback to ``notionhub serve``.

The hub runs as ``make run`` starts it (embedded local Notion, SQLite, the echo pack), in its
own process; the load generator posts Stripe-signed events over keep-alive connections and
counts a request as accepted on its 202 (the event is then stored durably). In the same run, a
bare FastAPI endpoint that only reads the body and answers 202, under the same uvicorn, takes
the same load: the ratio of the two rates is what verification, parsing and storage cost.

Two phases. The burst: a fixed number of events as fast as they are answered; the hub's
dispatcher holds processing back meanwhile, and afterwards the queue is drained and every
accepted event checked as processed. The streams (``bench/ingest_stream.py``), once the burst
is drained: for a fixed time, a closed loop at the same concurrency into both servers (the
sustained ratio), then a steady stream into the hub under the rate that makes it hold
processing back; for each, what the hub stored and processed meanwhile and the backlog left.
The streams' backlog is not drained: at the hub's processing rate that would take far longer
than the streams themselves.

Goals, for the burst and the closed-loop stream alike: ≥ 1,000 accepted events/s,
p99 ≤ 50 ms, hub/bare ratio ≥ 0.5.
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
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench import BenchOptions
from bench.ingest_stream import SAMPLE_EVERY_S, StreamOutcome, stream_to
from bench.load import LoadResult, http_request, post_all
from bench.processes import free_port, stop
from bench.report import Report, Table, Target
from notionhub.queue.intake import PRESSURE_RATE

SECRET = "whsec_bench_secret"
CONCURRENCY = 16
WARM_UP = 300
DRAIN_BUDGET = 500  # Notion requests/s allowed to the hub while it drains the burst
STREAM_S, QUICK_STREAM_S = 60.0, 10.0
# The steady stream stays under the rate at which the dispatcher holds processing back, so it
# shows ingest beside processing that is never held.
STEADY_RATE = 0.75 * PRESSURE_RATE
# Where the streams' event numbers start: far from the burst's and from each other's.
CLOSED_FROM, STEADY_FROM = 1_000_000, 2_000_000
ANSWER_COLUMNS = ["server", "202/s", "p50 ms", "p99 ms", "other"]
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class StripeEvents:
    """Stripe-signed checkout events for 200 customers: event number ``first + n`` is ``self(n)``.

    Every event is signed with the same timestamp, well inside Stripe's tolerance for a run.
    """

    host: str
    first: int = 0
    stamp: int = field(default_factory=lambda: int(time.time()))

    def __call__(self, offset: int) -> bytes:
        number = self.first + offset
        body = json.dumps(
            {
                "id": f"evt_bench_{number:07d}",
                "object": "event",
                "type": "checkout.session.completed",
                "created": self.stamp,
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
        digest = hmac.new(SECRET.encode(), f"{self.stamp}.".encode() + body, hashlib.sha256)
        headers = {
            "Content-Type": "application/json",
            "Stripe-Signature": f"t={self.stamp},v1={digest.hexdigest()}",
        }
        return http_request(self.host, "/hooks/stripe", body, headers)


def signed_requests(host: str, start: int, count: int) -> list[bytes]:
    """``count`` Stripe-signed events numbered from ``start``, built before any is sent."""
    events = StripeEvents(host, start)
    return [events(offset) for offset in range(count)]


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


def run(options: BenchOptions, *, stream_s: float | None = None) -> Report:
    """The burst, then the streams, into the bare app and then into the hub.

    ``stream_s`` sets how long each stream lasts (default 60 s, 10 s with ``--quick``).
    """
    events = options.pages or (1_000 if options.quick else 10_000)
    warm_up = min(WARM_UP, events)
    seconds = stream_s or (QUICK_STREAM_S if options.quick else STREAM_S)
    full = not options.quick and options.pages is None and stream_s is None
    report = Report(
        name="ingest",
        parameters={
            "events": events,
            "concurrency": CONCURRENCY,
            "warm_up": warm_up,
            "notion_budget": DRAIN_BUDGET,
            "stream_s": seconds,
            "steady_rate": STEADY_RATE,
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
            bare = measure(url, signed_requests(host, 0, events), signed_requests(host, 0, warm_up))
            bare_stream = stream_to(url, StripeEvents(host, CLOSED_FROM), CONCURRENCY, seconds)
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
            warm_up_requests = signed_requests(host, 0, warm_up)
            hub = measure(url, signed_requests(host, warm_up, events), warm_up_requests)
            drain_s, final = wait_for_drain(url, events + warm_up)
            closed = StripeEvents(host, CLOSED_FROM)
            hub_stream = stream_to(url, closed, CONCURRENCY, seconds, hub=True)
            steady = StripeEvents(host, STEADY_FROM)
            hub_steady = stream_to(url, steady, CONCURRENCY, seconds, rate=STEADY_RATE, hub=True)
    _report_burst(report, bare, hub, events + warm_up, drain_s, final, full=full)
    streams = {"bare FastAPI 202": bare_stream, "notionhub": hub_stream}
    streams[f"notionhub, steady {STEADY_RATE:g}/s"] = hub_steady
    _report_streams(report, streams, seconds, full=full)
    return report


def _rate(result: LoadResult, status: int) -> float:
    return result.statuses[status] / result.elapsed_s if result.elapsed_s else 0.0


def _answers_row(name: str, result: LoadResult, rate: float) -> list[object]:
    """A server's row: 202/s, latency percentiles and any other answers."""
    others = {code: n for code, n in result.statuses.items() if code != 202}
    return [
        name,
        round(rate, 1),
        round(result.percentile(0.50), 2),
        round(result.percentile(0.99), 2),
        json.dumps(others) if others else "none",
    ]


def _report_burst(
    report: Report,
    bare: LoadResult,
    hub: LoadResult,
    accepted: int,
    drain_s: float,
    final: dict[str, int],
    *,
    full: bool,
) -> None:
    """The burst's tables and targets: processing held back while it is acknowledged."""
    bare_rate, hub_rate = _rate(bare, 202), _rate(hub, 202)
    table = Table(
        "Burst: signed webhooks over loopback (the hub's processing held back)", ANSWER_COLUMNS
    )
    table.add(*_answers_row("bare FastAPI 202", bare, bare_rate))
    table.add(*_answers_row("notionhub", hub, hub_rate))
    report.tables.append(table)
    after = Table(
        "Processing after the burst (echo pack, embedded local Notion)", ["figure", "value"]
    )
    after.add("events accepted (incl. warm-up)", accepted)
    after.add("processed / failed", f"{final['processed']} / {final['failed']}")
    after.add("drain time after the burst (s)", round(drain_s, 1))
    after.add(
        "processed per second while draining", round(accepted / drain_s, 1) if drain_s else None
    )
    report.tables.append(after)
    ratio = hub_rate / bare_rate if bare_rate else 0.0
    report.targets += [
        Target(
            "burst: accepted events/s", hub_rate, 1000, "ev/s", higher_is_better=True, applies=full
        ),
        Target("burst: p99 latency", hub.percentile(0.99), 50, "ms", applies=full),
        Target("burst: hub ÷ bare rate", ratio, 0.5, "", higher_is_better=True, applies=full),
    ]
    report.data.update(
        {
            "bare": {"rate": bare_rate, "statuses": dict(bare.statuses)},
            "hub": {"rate": hub_rate, "statuses": dict(hub.statuses)},
            "drain_s": drain_s,
            "final": final,
        }
    )
    if final["processed"] != accepted:
        report.notes.append(f"only {final['processed']} of {accepted} events processed")


def _report_streams(
    report: Report, streams: dict[str, StreamOutcome], seconds: float, *, full: bool
) -> None:
    """The streams' tables and targets: ingest while processing runs, and what got processed."""
    answers = Table(
        f"Sustained: {seconds:g} s streams while the hub processes (closed loop at concurrency"
        f" {CONCURRENCY} unless steady)",
        ANSWER_COLUMNS,
    )
    processing = Table(
        f"Processing during the {seconds:g} s streams (hub's event log)",
        [
            "stream",
            "202",
            "stored",
            "processed",
            "processed/s",
            "readings with progress",
            "backlog before",
            "backlog after",
        ],
    )
    for name, stream in streams.items():
        answers.add(*_answers_row(name, stream.load, stream.rate))
        progress = stream.progress()
        if progress:
            processing.add(
                name,
                stream.accepted,
                progress["stored"],
                progress["processed"],
                round(progress["processed_per_s"], 1),
                f"{progress['readings_with_progress']} of {progress['readings']}",
                progress["backlog_before"],
                progress["backlog_after"],
            )
            _note_stream(report, name, stream.accepted, progress)
    report.tables += [answers, processing]
    bare, hub = streams["bare FastAPI 202"], streams["notionhub"]
    ratio = hub.rate / bare.rate if bare.rate else 0.0
    report.targets += [
        Target(
            "sustained: accepted events/s",
            hub.rate,
            1000,
            "ev/s",
            higher_is_better=True,
            applies=full,
        ),
        Target("sustained: p99 latency", hub.load.percentile(0.99), 50, "ms", applies=full),
        Target("sustained: hub ÷ bare rate", ratio, 0.5, "", higher_is_better=True, applies=full),
    ]
    report.data["streams"] = {
        name: {
            "rate": stream.rate,
            "statuses": dict(stream.load.statuses),
            "elapsed_s": stream.load.elapsed_s,
            "p50_ms": stream.load.percentile(0.50),
            "p99_ms": stream.load.percentile(0.99),
            **stream.progress(),
        }
        for name, stream in streams.items()
    }


def _note_stream(
    report: Report, name: str, accepted: int, progress: dict[str, float | int]
) -> None:
    """Say when a stream lost an accepted event, or when processing stood still during it."""
    if progress["stored"] != accepted:
        report.notes.append(f"{name}: {progress['stored']} events stored for {accepted} accepted")
    if progress["processed"] == 0:
        report.notes.append(f"{name}: nothing was processed during the stream")
    elif progress["readings_with_progress"] < progress["readings"]:
        report.notes.append(
            f"{name}: processing advanced between {progress['readings_with_progress']} of"
            f" {progress['readings']} readings of the event log (every {SAMPLE_EVERY_S:g} s)"
        )
