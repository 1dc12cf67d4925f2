"""Console benchmark: the first paint of each page with 100,000 events stored.

A hub database is filled with 100,000 finished events (ten providers, 1 in 50 failed, 500
entities) written straight into the event log, then ``notionhub serve`` starts on it (as
``make run`` does: SQLite, the embedded local Notion, the echo pack, no key: loopback). Each
page is asked ``ROUNDS`` times over HTTP: the overview (counts, the last hour's activity, health),
the newest events, a filtered list (provider and status), an entity's events, a search, a page
deep in the log (keyset: as fast as the first), an event. With Debian's chromium present, the
browser's first contentful paint of the overview is measured too.

Goal (issue 16): first paint under 1 s locally; each page's server time p50 ≤ 200 ms here.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import update

from bench import BenchOptions
from bench.ingest import ROOT, running
from bench.report import Report, Table, Target
from notionhub.hubdb.engine import create_hub_engine
from notionhub.hubdb.tables import events
from notionhub.ingest.event import Event
from notionhub.ingest.registry import HOOK_PROVIDERS
from notionhub.queue.store import EventStore

PROVIDERS = HOOK_PROVIDERS
ROUNDS = 20
BATCH = 5_000
CHROMIUM = Path("/usr/bin/chromium")


def fill(home: Path, count: int) -> None:
    """``count`` finished events in the hub database under ``home``, as ingest stores them."""
    engine = create_hub_engine(f"sqlite:///{(home / 'hub.sqlite3').as_posix()}")
    store = EventStore(engine)
    at = datetime(2026, 12, 1, tzinfo=UTC)
    for start in range(0, count, BATCH):
        store.insert_many(
            [
                Event(
                    provider=PROVIDERS[n % len(PROVIDERS)],
                    type=f"bench.kind{n % 7}",
                    idempotency_key=f"{PROVIDERS[n % len(PROVIDERS)]}:evt_{n:07d}",
                    entity_key=f"email:client{n % 500}@example.com",
                    occurred_at=at,
                    data={"n": n, "amount": n * 3, "client_secret": "hidden"},
                )
                for n in range(start, min(start + BATCH, count))
            ]
        )
    with engine.begin() as connection:  # finished: the hub starts with nothing to process
        connection.execute(update(events).values(status="processed"))
        connection.execute(update(events).where(events.c.seq % 50 == 0).values(status="failed"))
    engine.dispose()


def timed(client: httpx.Client, path: str) -> list[float]:
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        answer.raise_for_status()
    return times


def first_contentful_paint(url: str) -> float | None:
    """The overview's first contentful paint in headless chromium (ms), when chromium is here."""
    if not CHROMIUM.exists():
        return None
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        page = browser.new_page()
        paints = []
        for _ in range(5):
            page.goto(url + "/", wait_until="load")
            paint = page.evaluate(
                "performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null"
            )
            if paint is not None:
                paints.append(float(paint))
        browser.close()
    return statistics.median(paints) if paints else None


def run(options: BenchOptions) -> Report:
    count = options.pages or (10_000 if options.quick else 100_000)
    full = not options.quick and options.pages is None
    report = Report(name="console", parameters={"events": count, "rounds": ROUNDS})
    with tempfile.TemporaryDirectory(prefix="notionhub-bench-console-") as folder:
        home = Path(folder)
        filled = time.perf_counter()
        fill(home, count)
        report.notes.append(f"{count:,} events stored in {time.perf_counter() - filled:.1f} s")
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("NOTION", "DATABASE_URL", "INTERNAL_API_KEY"))
        }
        python_path = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        env.update(
            {
                "LOG_LEVEL": "warning",
                "PYTHONPATH": python_path,
                "NOTIONHUB_HOME": str(home),
                "NOTIONHUB_PACKS": "echo",
            }
        )
        command = [sys.executable, "-c", "from notionhub.cli import app; app()", "serve", "--port"]
        deep = max(count // 2, 1)
        pages = {
            "overview /": "/",
            "events, newest": "/console/events",
            "events, stripe + failed": "/console/events?provider=stripe&status=failed",
            "events of one entity": "/console/events?entity=email:client7@example.com",
            "events, search": "/console/events?q=evt_00123",
            "events, a page mid-log": f"/console/events?before={deep}",
            "one event": "/console/events/stripe:evt_0000010",
        }
        with running(command, env, home, home / "hub.log") as url:
            with httpx.Client(base_url=url, timeout=60, trust_env=False) as client:
                results = {name: timed(client, path) for name, path in pages.items()}
            paint = first_contentful_paint(url)
    table = Table("Server time per page (ms)", ["page", "p50", "max"])
    for name, times in results.items():
        table.rows.append([name, round(statistics.median(times), 1), round(max(times), 1)])
    report.tables.append(table)
    report.data["pages_ms"] = results
    worst = max(statistics.median(times) for times in results.values())
    report.targets.append(Target("slowest page p50", round(worst, 1), 200, "ms", applies=full))
    if paint is not None:
        report.data["first_contentful_paint_ms"] = paint
        report.targets.append(
            Target("overview first contentful paint", round(paint, 1), 1000, "ms", applies=full)
        )
    else:
        report.notes.append("no /usr/bin/chromium: the browser's first paint was not measured")
    return report
