"""Coaching benchmark: a month of a coaching business's webhooks, naive handlers vs notionhub.

The month (``bench/coaching_month.py``: 200 clients' Cal.com bookings, Zoom attendance and
Stripe payments, out of order in places, ~8% redelivered) is applied three times, each time to a
fresh ``notionhub notion-server`` in its own process, which counts the Notion requests:

a) by naive handlers (``bench/coaching_naive.py``, the real ``notion-client``): requests per
   delivery, the baseline;
b) by ``notionhub serve`` with the coaching pack, every delivery signed as its provider signs
   and posted to ``/hooks/<provider>`` in arrival order, until the hub has nothing pending and
   the request counter has stood still for 20 s (the upkeep writes the dashboard at most every
   15 s): requests per delivery (goal ≤ 1.2), and the rows checked: one Sessions row per
   appointment, one Invoices row per Checkout Session, statuses as the month says;
c) the same under Notion's limit (the server answers 429 past 3 requests/s, the hub's budget is
   3/s), the month posted at once: the time until drained against ``requests ÷ 3``, the physical
   minimum (goal ≤ 1.1). A month whose minimum would pass 12 minutes is cut to fewer clients.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import BenchOptions, month_runs
from bench.coaching_month import (
    PACKAGES,
    Delivery,
    ExpectedRows,
    expected_rows,
    generate_month,
)
from bench.coaching_naive import NaiveCoachingApp
from bench.ingest import running
from bench.localnotion import TOKEN, notion_client, running_server
from bench.month_runs import Posted, answered_requests, per, post_all, summary
from bench.report import Report, Table, Target

NAME = "coaching"
SEED = 7
SECRETS = {
    "calcom": "calcom-bench-secret",
    "zoom": "zoom-bench-secret-token",
    "stripe": "whsec_bench_coaching_secret",
}
SECRET_ENV = {
    "calcom": "CALCOM_WEBHOOK_SECRET",
    "zoom": "ZOOM_WEBHOOK_SECRET_TOKEN",
    "stripe": "STRIPE_WEBHOOK_SECRET",
}
HUB_RATE = 200.0  # the hub's Notion budget in (b), where only the count of requests matters
LIMITED_RATE = 3.0
PER_DELIVERY_LIMIT = 1.2
DRAIN_RATIO_LIMIT = 1.1
MAX_LIMITED_MINIMUM_S = 12 * 60.0
LIMITED_AIM_S = 9 * 60.0  # the size of the cut month, when the full one is too long


@dataclass(frozen=True)
class Sizes:
    clients: int
    quiet_s: float  # the request counter must stand still this long after the drain
    limited_max_s: float  # the limited run's minimum is kept under this
    full: bool


def sizes_for(options: BenchOptions) -> Sizes:
    clients = options.pages or (10 if options.quick else 200)
    if options.quick:  # a smoke run under a minute: the last upkeep may not be counted
        return Sizes(clients, quiet_s=5.0, limited_max_s=8.0, full=False)
    # The pack's upkeep writes the dashboard at most every 15 s: wait out one more round.
    return Sizes(clients, 20.0, MAX_LIMITED_MINIMUM_S, full=options.pages is None)


# -- posting like the providers -----------------------------------------------------------------


def signed_headers(provider: str, body: bytes, now: int) -> dict[str, str]:
    """The provider's signature headers for ``body``, at Unix time ``now``."""
    key = SECRETS[provider].encode()
    headers = {"Content-Type": "application/json"}
    if provider == "calcom":
        headers["X-Cal-Signature-256"] = hmac.new(key, body, hashlib.sha256).hexdigest()
    elif provider == "zoom":
        digest = hmac.new(key, f"v0:{now}:".encode() + body, hashlib.sha256).hexdigest()
        headers.update({"x-zm-request-timestamp": str(now), "x-zm-signature": f"v0={digest}"})
    else:
        digest = hmac.new(key, f"{now}.".encode() + body, hashlib.sha256).hexdigest()
        headers["Stripe-Signature"] = f"t={now},v1={digest}"
    return headers


def post_month(hub_url: str, deliveries: list[Delivery]) -> Posted:
    """Post every delivery in arrival order, one after another."""

    def requests() -> Iterator[tuple[str, bytes, dict[str, str]]]:
        for delivery in deliveries:
            body = json.dumps(delivery.body, separators=(",", ":")).encode()
            headers = signed_headers(delivery.provider, body, int(time.time()))
            yield f"/hooks/{delivery.provider}", body, headers

    return post_all(hub_url, requests())


# -- one hub run ---------------------------------------------------------------------------


@dataclass
class HubRun:
    """What one run of the month through ``notionhub serve`` measured."""

    deliveries: int
    posted: Posted
    drained_s: float | None  # first post → nothing pending (None: not within the timeout)
    requests_at_drain: int
    requests: int  # answered Notion requests once the counter stood still
    rate_limited: int  # 429 answers
    events: dict[str, int]
    hub_notion: dict[str, int]
    by_route: dict[str, int]
    rows: dict[str, int] = field(default_factory=dict)
    failed_events: list[str] = field(default_factory=list)


def _hub_env(home: Path, base_url: str, parent: str, rate: float) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("NOTION", "DATABASE_URL", "STRIPE", "CALCOM", "ZOOM"))
    }
    env.update({SECRET_ENV[provider]: secret for provider, secret in SECRETS.items()})
    env.update(
        {
            "LOG_LEVEL": "warning",
            "NOTIONHUB_PACKS": "coaching",
            "NOTIONHUB_HOME": str(home),
            "NOTION_BASE_URL": base_url,
            "NOTION_TOKEN": TOKEN,
            "NOTION_PARENT_PAGE_ID": parent,
            "NOTION_REQUESTS_PER_SECOND": str(rate),
        }
    )
    return env


def _wait_ready(hub_url: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = httpx.get(hub_url + "/health/ready", timeout=10, trust_env=False)
        if answer.status_code == 200:
            return
        time.sleep(0.2)
    raise RuntimeError(f"the hub was not ready in {timeout:.0f} s: {answer.text[:500]}")


def data_source(notion: Any, title: str) -> str:
    """The id of the data source called exactly ``title`` (found by search)."""
    found = notion.search(query=title, filter={"property": "object", "value": "data_source"})
    for result in found["results"]:
        if "".join(part["plain_text"] for part in result.get("title", [])) == title:
            return str(result["id"])
    raise RuntimeError(f"no data source titled {title!r}: is the coaching pack provisioned?")


def workspace_page(notion: Any) -> str:
    """The local server's ``notionhub`` page, under which databases are created."""
    found = notion.search(query="notionhub", filter={"property": "object", "value": "page"})
    return str(found["results"][0]["id"])


# Which Cal.com event type books which package (the Packages' "Cal.com Event Type" column).
EVENT_TYPES = {"Single session": "coaching-session", "Discovery call": "discovery-call"}


def seed_packages(notion: Any) -> None:
    """The coach's packages, as the coach would type them into the hub's Packages: the three
    sold through Stripe, and the free discovery call booked through Cal.com."""
    parent = {"type": "data_source_id", "data_source_id": data_source(notion, "Packages")}
    for name, price, sessions in [*PACKAGES, ("Discovery call", 0.0, 1)]:
        price_id = "price_" + name.lower().replace(" ", "_").replace("-", "_")
        event_type = EVENT_TYPES.get(name, "")
        notion.pages.create(
            parent=parent,
            properties={
                "Package Name": {"title": [{"text": {"content": name}}]},
                "Price": {"number": price},
                "Sessions Included": {"number": sessions},
                "Stripe Price ID": {"rich_text": [{"text": {"content": price_id}}]},
                "Cal.com Event Type": {"rich_text": [{"text": {"content": event_type}}]},
                "Active": {"checkbox": True},
            },
        )


def rows_by_status(notion: Any, title: str) -> Counter[str]:
    """Non-trashed rows of a data source by their Status (and ``"rows"``: all of them)."""
    source, cursor, counts = data_source(notion, title), None, Counter[str]()
    while True:
        extra: dict[str, Any] = {"start_cursor": cursor} if cursor else {}
        answer = notion.data_sources.query(source, **extra)
        for page in answer["results"]:
            counts["rows"] += 1
            select = page["properties"].get("Status", {}).get("select") or {}
            counts[select.get("name", "none")] += 1
        if not answer["has_more"]:
            return counts
        cursor = answer["next_cursor"]


def run_hub(
    root: Path, deliveries: list[Delivery], *, limited: bool, quiet_s: float, timeout: float
) -> HubRun:
    """The month through a fresh hub and a fresh local Notion server."""
    label = "limited" if limited else "counted"
    (root / label).mkdir()
    with running_server(root / label / "notion") as server:
        notion = notion_client(server.base_url)
        admin = httpx.Client(base_url=server.base_url, trust_env=False, timeout=30)
        env = _hub_env(
            root / label / "hub",
            server.base_url,
            workspace_page(notion),
            LIMITED_RATE if limited else HUB_RATE,
        )
        command = [sys.executable, "-c", "from notionhub.cli import app; app()", "serve", "--port"]
        try:
            with running(command, env, root, root / f"hub-{label}.log") as hub_url:
                _wait_ready(hub_url)
                seed_packages(notion)
                if limited:  # after seeding: the notion-client above does not retry 429s
                    admin.post("/_admin/rate-limit", json={"rate": LIMITED_RATE, "burst": 3})
                admin.post("/_admin/reset-stats")
                result = _apply(hub_url, admin, deliveries, quiet_s, timeout)
                admin.post("/_admin/rate-limit", json={"rate": None})
                if not limited:
                    sessions = rows_by_status(notion, "Sessions")
                    invoices = rows_by_status(notion, "Invoices")
                    result.rows = {
                        "sessions": sessions["rows"],
                        "cancelled": sessions["Cancelled"],
                        "completed": sessions["Completed"],
                        "no_shows": sessions["No-show"],
                        "invoices": invoices["rows"],
                        "refunded": invoices["Refunded"],
                        "failed": invoices["Failed"],
                    }
                failed = httpx.get(
                    hub_url + "/api/events", params={"status": "failed"}, trust_env=False
                ).json()["events"]
                result.failed_events = [
                    f"{e['provider']}:{e['type']} {e['id']}: {e['last_error']}" for e in failed[:5]
                ]
        finally:
            notion.close()
            admin.close()
    return result


def _apply(
    hub_url: str, admin: httpx.Client, deliveries: list[Delivery], quiet_s: float, timeout: float
) -> HubRun:
    """Post the month; wait until drained and the request counter stands still."""
    started = time.perf_counter()
    posted = post_month(hub_url, deliveries)
    deadline = time.monotonic() + timeout
    drained_s: float | None = None
    at_drain = last_total = -1
    last_change = time.perf_counter()
    with httpx.Client(base_url=hub_url, trust_env=False, timeout=30) as hub:
        while time.monotonic() < deadline:
            stats = hub.get("/api/stats").json()
            answered, _ = answered_requests(admin.get("/_admin/stats").json())
            now = time.perf_counter()
            if answered != last_total:
                last_total, last_change = answered, now
            events = stats["events"]
            finished = events["processed"] + events["failed"] + events["ignored"]
            if drained_s is None and events["pending"] == 0 and finished >= posted.new:
                drained_s, at_drain = now - started, answered
            if drained_s is not None and now - last_change >= quiet_s:
                break
            time.sleep(0.25)
        final = admin.get("/_admin/stats").json()
    requests, limited = answered_requests(final)
    return HubRun(
        deliveries=len(deliveries),
        posted=posted,
        drained_s=drained_s,
        requests_at_drain=at_drain if drained_s is not None else requests,
        requests=requests,
        rate_limited=limited,
        events=stats["events"],
        hub_notion=stats["notion"],
        by_route=final["by_route"],
    )


# -- the benchmark -------------------------------------------------------------------------


def run_naive(root: Path, deliveries: list[Delivery]) -> dict[str, Any]:
    counted = {"sessions": "Sessions", "invoices": "Invoices"}
    return month_runs.run_naive(
        root, deliveries, NaiveCoachingApp.provision, counted, workspace_page
    )


def run(options: BenchOptions) -> Report:
    sizes = sizes_for(options)
    month = generate_month(SEED, sizes.clients)
    counts = summary(month)
    expected = expected_rows(month)
    report = Report(
        name=NAME,
        parameters={
            "clients": sizes.clients,
            "seed": SEED,
            "deliveries": len(month),
            "quick": options.quick,
            "hub_notion_budget": HUB_RATE,
            "limited_rate": LIMITED_RATE,
            "quiet_s": sizes.quiet_s,
        },
    )
    with tempfile.TemporaryDirectory(prefix="notionhub-bench-coaching-") as folder:
        root = Path(folder)
        naive = run_naive(root, month)
        hub = run_hub(root, month, limited=False, quiet_s=sizes.quiet_s, timeout=1800)
        limited_month, limited_clients = month, sizes.clients
        if hub.requests / LIMITED_RATE > sizes.limited_max_s:
            # Cut the month in proportion to what (b) needed, aiming below the bound.
            aim = min(LIMITED_AIM_S, sizes.limited_max_s)
            limited_clients = max(1, int(sizes.clients * aim * LIMITED_RATE / hub.requests))
            limited_month = generate_month(SEED, limited_clients)
        report.parameters["limited_clients"] = limited_clients
        timeout = 3 * hub.requests / LIMITED_RATE + 300
        # Drained is when nothing is pending: no need to wait for the counter there.
        limited = run_hub(root, limited_month, limited=True, quiet_s=0.0, timeout=timeout)
    _describe(report, sizes, counts, expected, naive, hub, limited)
    return report


# -- the report ------------------------------------------------------------------------------


def _describe(
    report: Report,
    sizes: Sizes,
    counts: dict[str, int],
    expected: ExpectedRows,
    naive: dict[str, Any],
    hub: HubRun,
    limited: HubRun,
) -> None:
    deliveries, redeliveries = counts["deliveries"], counts["redeliveries"]
    distinct = deliveries - redeliveries
    month = Table(f"The month ({sizes.clients} clients, seed {SEED})", ["deliveries", "count"])
    for key, value in counts.items():
        if key not in ("deliveries", "redeliveries"):
            month.add(key, value)
    month.add("redeliveries (same body again)", redeliveries)
    month.add("all deliveries", deliveries)
    report.tables.append(month)

    per_delivery = per(hub.requests, deliveries)
    compared = Table(
        "Notion requests for the month (counted by the local Notion server)",
        ["implementation", "requests", "per delivery", "per distinct event", "s until applied"],
    )
    compared.add(
        "naive handlers (notion-client, no dedup)",
        naive["requests"],
        per(naive["requests"], deliveries),
        per(naive["requests"], distinct),
        round(naive["seconds"], 1),
    )
    compared.add(
        "notionhub, coaching pack",
        hub.requests,
        per_delivery,
        per(hub.requests, distinct),
        round(hub.drained_s, 1) if hub.drained_s is not None else None,
    )
    compared.add(
        "ratio naive ÷ notionhub",
        None,
        round(naive["requests"] / hub.requests, 2) if hub.requests else None,
        None,
        None,
    )
    report.tables.append(compared)

    details = Table("notionhub run (b)", ["figure", "value"])
    details.add("HTTP answers to the posts", json.dumps(dict(hub.posted.statuses)))
    details.add(
        "stored new / recognised as redelivery", f"{hub.posted.new} / {hub.posted.duplicates}"
    )
    details.add("posting time (s)", round(hub.posted.seconds, 1))
    events = hub.events
    details.add(
        "events processed / ignored / failed / pending",
        f"{events['processed']} / {events['ignored']} / {events['failed']} / {events['pending']}",
    )
    details.add(
        "Notion requests when drained / after the upkeep",
        f"{hub.requests_at_drain} / {hub.requests}",
    )
    details.add("Notion requests the hub attributes to events", hub.hub_notion.get("requests"))
    details.add(
        "Notion requests not made for an event (upkeep, syncs)",
        hub.requests - hub.hub_notion.get("requests", 0),
    )
    for route, number in sorted(hub.by_route.items(), key=lambda item: -item[1]):
        details.add(f"  {route}", number)
    report.tables.append(details)

    rows = Table("Rows in Notion after the month", ["rows", "expected", "notionhub", "naive"])
    found = hub.rows
    rows.add(
        "Sessions (not in trash)", expected.appointments, found.get("sessions"), naive["sessions"]
    )
    rows.add("  of which Cancelled", expected.cancelled, found.get("cancelled"), None)
    rows.add("  of which Completed", expected.completed, found.get("completed"), None)
    rows.add("  of which No-show", expected.no_shows, found.get("no_shows"), None)
    rows.add("Invoices", expected.checkouts, found.get("invoices"), naive["invoices"])
    rows.add("  of which Refunded", expected.refunded, found.get("refunded"), None)
    rows.add("  of which Failed", expected.failed, found.get("failed"), None)
    report.tables.append(rows)

    minimum = limited.requests_at_drain / LIMITED_RATE
    drain = limited.drained_s
    ratio = drain / minimum if drain is not None and minimum else None
    subset = limited.deliveries != deliveries
    limit = Table(
        f"Draining under Notion's limit ({LIMITED_RATE:g} requests/s, hub budget the same)",
        ["figure", "value"],
    )
    limit.add(
        "month",
        f"{report.parameters['limited_clients']} client(s)"
        + (
            f" (cut: the whole month's minimum, {hub.requests / LIMITED_RATE:.0f} s,"
            f" is over the {sizes.limited_max_s:.0f} s allowed)"
            if subset
            else " (the whole month)"
        ),
    )
    limit.add("deliveries", limited.deliveries)
    limit.add("Notion requests until drained", limited.requests_at_drain)
    limit.add("  per delivery", per(limited.requests_at_drain, limited.deliveries))
    limit.add(
        "  not made for an event (dashboard upkeep, index syncs)",
        limited.requests - limited.hub_notion.get("requests", 0),
    )
    limit.add(
        "  data source queries",
        limited.by_route.get("POST /v1/data_sources/{data_source_id}/query", 0),
    )
    limit.add("429 answers", limited.rate_limited)
    limit.add("drain time from the first post (s)", round(drain, 1) if drain is not None else None)
    limit.add(f"physical minimum: requests ÷ {LIMITED_RATE:g} (s)", round(minimum, 1))
    limit.add("ratio", round(ratio, 3) if ratio is not None else None)
    limit.add("posting time (s)", round(limited.posted.seconds, 1))
    report.tables.append(limit)

    mismatched_statuses = sum(
        abs(getattr(expected, name) - found.get(name, 0))
        for name in ("cancelled", "completed", "no_shows", "refunded", "failed")
    )
    report.targets += [
        Target(
            "notionhub Notion requests per delivery",
            per_delivery,
            PER_DELIVERY_LIMIT,
            "req",
            applies=sizes.full,
        ),
        Target(
            "drain time ÷ (requests ÷ 3)",
            ratio if ratio is not None else 999.0,
            DRAIN_RATIO_LIMIT,
            "×",
            applies=sizes.full,
        ),
        Target(
            "Sessions rows ≠ appointments",
            abs(found.get("sessions", 0) - expected.appointments),
            0,
            "rows",
        ),
        Target(
            "Invoices rows ≠ Checkout Sessions",
            abs(found.get("invoices", 0) - expected.checkouts),
            0,
            "rows",
        ),
        Target("rows with the wrong status count", mismatched_statuses, 0, "rows"),
        Target("failed events", events["failed"] + limited.events["failed"], 0, "events"),
    ]
    if hub.failed_events or limited.failed_events:
        report.notes.append(
            "failed events: " + " | ".join(hub.failed_events + limited.failed_events)
        )
    if hub.drained_s is None or limited.drained_s is None:
        report.notes.append("a hub run did not drain within its timeout")
    if hub.posted.errors or limited.posted.errors:
        report.notes.append(
            "refused posts: " + " | ".join(hub.posted.errors + limited.posted.errors)
        )
    report.notes += [
        "Requests per delivery counts every delivery, redeliveries included, in the denominator;"
        " per distinct event leaves them out.",
        f"Run (b) gives the hub a budget of {HUB_RATE:g} requests/s against an unlimited server:"
        " only the count matters there. Its count includes the dashboard upkeep until the"
        f" counter stood still for {sizes.quiet_s:g} s.",
        "The naive handlers apply redeliveries again (duplicate rows) and drop updates whose row"
        f" is not there yet ({naive['misses']} in this month).",
    ]
    report.data = {
        "month": counts,
        "expected_rows": expected.__dict__,
        "naive": naive,
        "hub": _run_json(hub),
        "limited": _run_json(limited),
    }


def _run_json(run: HubRun) -> dict[str, Any]:
    return {
        "deliveries": run.deliveries,
        "posted": {
            "statuses": dict(run.posted.statuses),
            "new": run.posted.new,
            "duplicates": run.posted.duplicates,
            "seconds": run.posted.seconds,
        },
        "drained_s": run.drained_s,
        "requests_at_drain": run.requests_at_drain,
        "requests": run.requests,
        "rate_limited": run.rate_limited,
        "events": run.events,
        "hub_notion": run.hub_notion,
        "by_route": run.by_route,
        "rows": run.rows,
        "failed_events": run.failed_events,
    }
