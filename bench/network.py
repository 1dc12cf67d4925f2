"""Network benchmark: a month of a wellness network's webhooks, naive handler vs the network pack.

The month (``bench/network_month.py``: website forms, Typeform responses, Amelia bookings,
WooCommerce orders, Beehiiv subscriptions and posts, Circle members and their activity; out of
order in places, ~8% redelivered) is applied three times, each time to a fresh
``notionhub notion-server`` in its own process, which counts the Notion requests:

a) by a naive "one page per event" handler (``bench/network_naive.py``, the real
   ``notion-client``): requests per delivery, the baseline;
b) by ``notionhub serve`` with ``NOTIONHUB_PACKS=network`` (the pack as registered), every
   delivery posted the way its provider posts it (signed, or with its token, to
   ``/hooks/<provider>``; forms to ``/api/forms/submit``) in arrival order, until the hub has
   nothing pending and the request counter has stood still for 20 s (the pack's upkeep
   recomputes figures at most every 15 s): requests per delivery (goal ≤ 1.0), and the rows
   checked against what the month implies (one contact per distinct email, one instance per
   lead, booking and order in the state the workflows give, no two pages with one key);
c) the same under Notion's limit (the server answers 429 past 3 requests/s, the hub's budget is
   3/s), the month posted at once: the time until drained against ``requests ÷ 3``, the
   physical minimum (goal ≤ 1.1). A month whose minimum would pass 12 minutes is cut to fewer
   people.

Deliveries that no flow of the pack handles (an agent not written yet) are counted, per type,
before the runs; the expected rows leave them out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from starlette.datastructures import Headers

from bench import BenchOptions, month_runs
from bench.coaching import data_source, workspace_page
from bench.ingest import running
from bench.localnotion import TOKEN, notion_client, running_server
from bench.month_runs import Posted, answered_requests, per, post_all, summary
from bench.network_month import Delivery, ExpectedRows, expected_rows, generate_month
from bench.network_naive import NaiveNetworkApp
from bench.report import Report, Table, Target
from notionhub.ingest.event import Event, WebhookRequest
from notionhub.ingest.registry import get_provider
from notionhub.packs.network import PACK

NAME = "network"
SEED = 7
API_KEY = "network-bench-operator-key"
SECRETS = {
    "forms": API_KEY,
    "typeform": "typeform-bench-secret",
    "amelia": "amelia-bench-token",
    "woocommerce": "woocommerce-bench-secret",
    "beehiiv": "beehiiv-bench-token",
    "circle": "circle-bench-token",
}
SECRET_ENV = {
    "forms": "INTERNAL_API_KEY",
    "typeform": "TYPEFORM_WEBHOOK_SECRET",
    "amelia": "AMELIA_WEBHOOK_SECRET",
    "woocommerce": "WOOCOMMERCE_WEBHOOK_SECRET",
    "beehiiv": "BEEHIIV_WEBHOOK_SECRET",
    "circle": "CIRCLE_WEBHOOK_SECRET",
}
HUB_RATE = 200.0  # the hub's Notion budget in (b), where only the count of requests matters
LIMITED_RATE = 3.0
PER_DELIVERY_LIMIT = 1.0
DRAIN_RATIO_LIMIT = 1.1
MAX_LIMITED_MINIMUM_S = 12 * 60.0
LIMITED_AIM_S = 9 * 60.0  # the size of the cut month, when the full one is too long
FULL_PEOPLE = 500
# The databases read back, and the property that keys each.
KEYED = {
    "Contacts & Profiles": "Email",
    "Active Workflow Instances": "Instance ID",
    "Products & Services": "Product ID",
    "Community Hub": "Email",
    "Feedback & Surveys": "Response",
    "Marketing Campaigns": "Campaign",
    "Master Tasks": "Task ID",
    "Rewards & Bounties": "Reward",
}


@dataclass(frozen=True)
class Sizes:
    people: int
    quiet_s: float  # the request counter must stand still this long after the drain
    limited_max_s: float  # the limited run's minimum is kept under this
    full: bool
    upkeep_s: float | None = None  # NOTIONHUB_UPKEEP_SECONDS (None: the hub's default, 15 s)


def sizes_for(options: BenchOptions) -> Sizes:
    people = options.pages or (20 if options.quick else FULL_PEOPLE)
    if options.quick:  # a smoke run: upkeep every second, so that its figures are there
        return Sizes(people, quiet_s=5.0, limited_max_s=8.0, full=False, upkeep_s=1.0)
    return Sizes(people, 20.0, MAX_LIMITED_MINIMUM_S, full=options.pages is None)


# -- posting like the providers -----------------------------------------------------------------


def request_for(delivery: Delivery) -> tuple[str, bytes, dict[str, str]]:
    """Where the provider posts the delivery (path and query), its body and its headers."""
    provider, kind = delivery.provider, delivery.event_type
    body = json.dumps(delivery.body, separators=(",", ":")).encode()
    secret = SECRETS[provider]
    headers = {"Content-Type": "application/json"}
    path = f"/hooks/{provider}"
    if provider == "forms":
        path = "/api/forms/submit"
        headers["Authorization"] = f"Bearer {secret}"
    elif provider == "typeform":
        digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
        headers["Typeform-Signature"] = "sha256=" + base64.b64encode(digest).decode()
    elif provider == "woocommerce":
        digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
        headers.update(
            {
                "X-WC-Webhook-Topic": kind,
                "X-WC-Webhook-Resource": "order",
                "X-WC-Webhook-Event": kind.split(".", 1)[1],
                "X-WC-Webhook-Signature": base64.b64encode(digest).decode(),
                "X-WC-Webhook-Delivery-ID": hashlib.md5(body).hexdigest(),
            }
        )
    elif provider in ("amelia", "circle"):  # the action is in each webhook's URL
        path += f"?event={kind}&token={secret}"
    else:  # beehiiv
        path += f"?token={secret}"
    return path, body, headers


def parsed(delivery: Delivery) -> Event:
    """The delivery as the hub's provider parses it (the signature is the ingest tests' job)."""
    path, body, headers = request_for(delivery)
    request = WebhookRequest(
        method="POST",
        url=f"http://127.0.0.1{path}",
        headers=Headers(headers),
        body=body,
        received_at=datetime.now(UTC),
    )
    event = get_provider(delivery.provider).parse(request, SECRETS[delivery.provider])
    if not isinstance(event, Event):
        raise TypeError(f"{delivery.provider}:{delivery.event_type} is not an event")
    return event


def unhandled_types(deliveries: list[Delivery]) -> Counter[str]:
    """Deliveries no flow of the network pack handles, by ``provider:type``."""
    found: Counter[str] = Counter()
    for delivery in deliveries:
        if not PACK.flows_for(parsed(delivery)):
            found[f"{delivery.provider}:{delivery.event_type}"] += 1
    return found


def post_month(hub_url: str, deliveries: list[Delivery]) -> Posted:
    """Post every delivery in arrival order, one after another."""
    return post_all(hub_url, (request_for(delivery) for delivery in deliveries))


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
    rows: dict[str, Any] = field(default_factory=dict)
    by_type: dict[str, dict[str, Any]] = field(default_factory=dict)
    failed_events: list[str] = field(default_factory=list)


def _hub_env(
    home: Path, base_url: str, parent: str, rate: float, upkeep_s: float | None = None
) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("NOTION", "DATABASE_URL", "NETWORK_", "INTERNAL_API_KEY"))
        and key not in SECRET_ENV.values()
    }
    env.update({SECRET_ENV[provider]: secret for provider, secret in SECRETS.items()})
    env.update(
        {
            "LOG_LEVEL": "warning",
            "NOTIONHUB_PACKS": "network",
            "NOTIONHUB_HOME": str(home),
            "NOTION_BASE_URL": base_url,
            "NOTION_TOKEN": TOKEN,
            "NOTION_PARENT_PAGE_ID": parent,
            "NOTION_REQUESTS_PER_SECOND": str(rate),
        }
    )
    if upkeep_s is not None:
        env["NOTIONHUB_UPKEEP_SECONDS"] = str(upkeep_s)
    return env


def _operator(hub_url: str) -> httpx.Client:
    headers = {"Authorization": f"Bearer {API_KEY}"}
    return httpx.Client(base_url=hub_url, headers=headers, trust_env=False, timeout=60)


def _wait_ready(hub_url: str, admin: httpx.Client, timeout: float = 180.0) -> None:
    """Ready, and the start's provisioning, seeding and upkeep done (the counter still)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = httpx.get(hub_url + "/health/ready", timeout=10, trust_env=False)
        if answer.status_code == 200:
            break
        time.sleep(0.2)
    else:
        raise RuntimeError(f"the hub was not ready in {timeout:.0f} s: {answer.text[:500]}")
    last, still_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        total, _ = answered_requests(admin.get("/_admin/stats").json())
        if total != last:
            last, still_since = total, time.monotonic()
        elif time.monotonic() - still_since >= 3.0:
            return
        time.sleep(0.25)


def run_hub(
    root: Path,
    deliveries: list[Delivery],
    *,
    limited: bool,
    quiet_s: float,
    timeout: float,
    upkeep_s: float | None = None,
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
            upkeep_s,
        )
        command = [sys.executable, "-c", "from notionhub.cli import app; app()", "serve", "--port"]
        try:
            if limited:
                # Provisioning and seeding are not what (c) measures: done first at the counted
                # run's budget, then the hub starts again on them at the limited one.
                fast = {**env, "NOTION_REQUESTS_PER_SECOND": str(HUB_RATE)}
                with running(command, fast, root, root / f"hub-{label}-setup.log") as hub_url:
                    _wait_ready(hub_url, admin)
            with running(command, env, root, root / f"hub-{label}.log") as hub_url:
                _wait_ready(hub_url, admin)
                if limited:
                    admin.post("/_admin/rate-limit", json={"rate": LIMITED_RATE, "burst": 3})
                admin.post("/_admin/reset-stats")
                result = _apply(hub_url, admin, deliveries, quiet_s, timeout)
                admin.post("/_admin/rate-limit", json={"rate": None})
                with _operator(hub_url) as hub:
                    if not limited:
                        result.rows = read_rows(notion)
                        result.by_type = costs_by_type(hub)
                    failed = hub.get("/api/events", params={"status": "failed"}).json()["events"]
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
    with _operator(hub_url) as hub:
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


# -- reading back -----------------------------------------------------------------------------


def number(page: dict[str, Any], name: str) -> float:
    value = (page["properties"].get(name) or {}).get("number")
    return float(value) if isinstance(value, int | float) else 0.0


def plain(page: dict[str, Any], name: str) -> str:
    """A property's value as text: title, rich text, email or select."""
    value = page["properties"].get(name) or {}
    kind = value.get("type")
    if kind in ("title", "rich_text"):
        return "".join(part["plain_text"] for part in value[kind])
    if kind == "email":
        return str(value["email"] or "")
    if kind == "select":
        return str((value["select"] or {}).get("name", ""))
    return ""


def pages_of(notion: Any, title: str) -> list[dict[str, Any]]:
    source, cursor, pages = data_source(notion, title), None, []
    while True:
        extra: dict[str, Any] = {"start_cursor": cursor} if cursor else {}
        answer = notion.data_sources.query(source, page_size=100, **extra)
        pages += answer["results"]
        if not answer["has_more"]:
            return pages
        cursor = answer["next_cursor"]


def read_rows(notion: Any) -> dict[str, Any]:
    """Rows per database, pages sharing a key, instances by workflow and state, newsletter."""
    rows: dict[str, Any] = {"count": {}, "duplicates": {}}
    states: Counter[str] = Counter()
    newsletter: Counter[str] = Counter()
    figures: Counter[str] = Counter()
    for title, key in KEYED.items():
        pages = pages_of(notion, title)
        keys = Counter(plain(page, key) for page in pages)
        rows["count"][title] = len(pages)
        rows["duplicates"][title] = sum(n - 1 for n in keys.values() if n > 1)
        for page in pages:
            if title == "Active Workflow Instances":
                workflow = plain(page, key).split(":", 1)[0]
                states[f"{workflow}:{plain(page, 'State')}"] += 1
                states[workflow] += 1
            elif title == "Contacts & Profiles":
                newsletter[plain(page, "Newsletter") or "none"] += 1
            elif title == "Community Hub":
                for name in ("Posts", "Comments", "Events Attended"):
                    figures[name] += int(number(page, name))
            elif title == "Marketing Campaigns" and plain(page, key) == "Newsletter":
                figures["Subscribers"] += int(number(page, "Subscribers"))
    rows["instances"] = dict(sorted(states.items()))
    rows["newsletter"] = dict(newsletter)
    rows["figures"] = dict(figures)
    return rows


def costs_by_type(hub: httpx.Client) -> dict[str, dict[str, Any]]:
    """Per ``provider:type``: events, their Notion requests, by operation, and a sample note."""
    found: dict[str, dict[str, Any]] = {}
    before: int | None = None
    while True:
        params: dict[str, Any] = {"limit": 500}
        if before is not None:
            params["before"] = before
        page = hub.get("/api/events", params=params).json()
        for event in page["events"]:
            kind = f"{event['provider']}:{event['type']}"
            entry = found.setdefault(
                kind, {"events": 0, "requests": 0, "operations": Counter(), "statuses": Counter()}
            )
            entry["events"] += 1
            entry["requests"] += event["notion_requests"]
            entry["statuses"][event["status"]] += 1
            if event["notion_requests"]:
                detail = hub.get(f"/api/events/{event['id']}").json()
                for step in detail["history"]:
                    for request in step.get("notion_requests") or []:
                        entry["operations"][request] += 1
                if "note" not in entry or event["notion_requests"] > entry["note_requests"]:
                    notes = [n for h in detail["history"] for n in h.get("notes") or []]
                    entry["note"], entry["note_requests"] = (
                        " | ".join(notes)[:400],
                        event["notion_requests"],
                    )
        before = page["next_before"]
        if before is None:
            break
    return {
        kind: {
            **entry,
            "operations": dict(entry["operations"]),
            "statuses": dict(entry["statuses"]),
        }
        for kind, entry in sorted(found.items())
    }


# -- the benchmark -------------------------------------------------------------------------


def run_naive(root: Path, deliveries: list[Delivery]) -> dict[str, Any]:
    counted = {"contacts": "Contacts", "instances": "Workflow Instances"}
    return month_runs.run_naive(
        root, deliveries, NaiveNetworkApp.provision, counted, workspace_page
    )


def run(options: BenchOptions) -> Report:
    sizes = sizes_for(options)
    month = generate_month(SEED, sizes.people)
    counts = summary(month)
    unhandled = unhandled_types(month)
    handled_kinds = {f"{d.provider}:{d.event_type}" for d in month} - set(unhandled)
    expected = expected_rows(month, lambda d: f"{d.provider}:{d.event_type}" in handled_kinds)
    report = Report(
        name=NAME,
        parameters={
            "people": sizes.people,
            "seed": SEED,
            "deliveries": len(month),
            "quick": options.quick,
            "agents": [agent.name for agent in PACK.agents],
            "hub_notion_budget": HUB_RATE,
            "limited_rate": LIMITED_RATE,
            "quiet_s": sizes.quiet_s,
        },
    )
    with tempfile.TemporaryDirectory(prefix="notionhub-bench-network-") as folder:
        root = Path(folder)
        naive = run_naive(root, month)
        hub = run_hub(
            root,
            month,
            limited=False,
            quiet_s=sizes.quiet_s,
            timeout=2400,
            upkeep_s=sizes.upkeep_s,
        )
        limited_month, limited_people = month, sizes.people
        if hub.requests / LIMITED_RATE > sizes.limited_max_s:
            # Cut the month in proportion to what (b) needed, aiming below the bound.
            aim = min(LIMITED_AIM_S, sizes.limited_max_s)
            limited_people = max(1, int(sizes.people * aim * LIMITED_RATE / hub.requests))
            limited_month = generate_month(SEED, limited_people)
        report.parameters["limited_people"] = limited_people
        timeout = 3 * hub.requests / LIMITED_RATE + 300
        limited = run_hub(
            root, limited_month, limited=True, quiet_s=0.0, timeout=timeout, upkeep_s=sizes.upkeep_s
        )
    _describe(report, sizes, counts, unhandled, expected, naive, hub, limited)
    return report


# -- the report ------------------------------------------------------------------------------


def _operations(entry: dict[str, Any]) -> str:
    """``create 1.00 · update 2.13 · query 0.02`` per event of the type."""
    totals: Counter[str] = Counter()
    for request, number in entry["operations"].items():
        operation = request.split(" ", 1)[0].removeprefix("pages.").replace("data_sources.", "")
        totals[operation] += number
    return " · ".join(f"{name} {number / entry['events']:.2f}" for name, number in totals.items())


def expected_and_found(expected: ExpectedRows, rows: dict[str, Any]) -> list[tuple[str, int, int]]:
    """(what, expected, found in Notion) for every row count the month implies."""
    count, instances = rows.get("count", {}), rows.get("instances", {})
    newsletter, figures = rows.get("newsletter", {}), rows.get("figures", {})
    activities = expected.activities
    pairs = [
        (
            "Contacts & Profiles (distinct emails)",
            expected.contacts,
            count.get("Contacts & Profiles", 0),
        ),
        ("lead-nurture instances", expected.leads, instances.get("lead-nurture", 0)),
        ("  of which Converted", expected.converted, instances.get("lead-nurture:Converted", 0)),
        ("retreat-booking instances", expected.bookings, instances.get("retreat-booking", 0)),
    ]
    pairs += [
        (f"  of which {state}", number, instances.get(f"retreat-booking:{state}", 0))
        for state, number in expected.booking_states.items()
    ]
    pairs.append(("art-sale instances", expected.orders, instances.get("art-sale", 0)))
    pairs += [
        (f"  of which {state}", number, instances.get(f"art-sale:{state}", 0))
        for state, number in expected.order_states.items()
    ]
    pairs += [
        ("Products & Services", expected.products, count.get("Products & Services", 0)),
        ("Feedback & Surveys (ratings)", expected.feedback, count.get("Feedback & Surveys", 0)),
        ("Community Hub (members)", expected.members, count.get("Community Hub", 0)),
        ("  sum of Posts", activities.get("post", 0), figures.get("Posts", 0)),
        ("  sum of Comments", activities.get("comment", 0), figures.get("Comments", 0)),
        ("  sum of Events Attended", activities.get("event", 0),
         figures.get("Events Attended", 0)),
        ("Rewards & Bounties (milestones)", expected.rewards, count.get("Rewards & Bounties", 0)),
        ("Marketing Campaigns (posts + Newsletter)", expected.campaigns,
         count.get("Marketing Campaigns", 0)),
        ("  the Newsletter's Subscribers", expected.subscribed, figures.get("Subscribers", 0)),
        ("contacts Subscribed", expected.subscribed, newsletter.get("Subscribed", 0)),
        ("contacts Unsubscribed", expected.unsubscribed, newsletter.get("Unsubscribed", 0)),
    ]  # fmt: skip
    return pairs


def _describe(
    report: Report,
    sizes: Sizes,
    counts: dict[str, int],
    unhandled: Counter[str],
    expected: ExpectedRows,
    naive: dict[str, Any],
    hub: HubRun,
    limited: HubRun,
) -> None:
    deliveries, redeliveries = counts["deliveries"], counts["redeliveries"]
    distinct = deliveries - redeliveries
    month = Table(
        f"The month ({sizes.people} people, seed {SEED})",
        ["deliveries", "count", "no flow handles it"],
    )
    for key, value in counts.items():
        if key not in ("deliveries", "redeliveries"):
            month.add(key, value, unhandled.get(key, 0) or None)
    month.add("redeliveries (same body again)", redeliveries, None)
    month.add("all deliveries", deliveries, sum(unhandled.values()))
    report.tables.append(month)

    per_delivery = per(hub.requests, deliveries)
    compared = Table(
        "Notion requests for the month (counted by the local Notion server)",
        ["implementation", "requests", "per delivery", "per distinct event", "s until applied"],
    )
    compared.add(
        "naive one-page-per-event handler (notion-client, no dedup)",
        naive["requests"],
        per(naive["requests"], deliveries),
        per(naive["requests"], distinct),
        round(naive["seconds"], 1),
    )
    compared.add(
        "notionhub, network pack",
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

    costs = Table(
        "notionhub run (b): Notion requests by event type (distinct events; a redelivery is"
        " not processed)",
        ["type", "events", "requests", "per event", "per event, by operation"],
    )
    for kind, entry in hub.by_type.items():
        costs.add(
            kind,
            entry["events"],
            entry["requests"],
            per(entry["requests"], entry["events"]),
            _operations(entry),
        )
    report.tables.append(costs)

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
        "Notion requests not made for an event (upkeep, syncs, polling)",
        hub.requests - hub.hub_notion.get("requests", 0),
    )
    for route, number in sorted(hub.by_route.items(), key=lambda item: -item[1]):
        details.add(f"  {route}", number)
    report.tables.append(details)

    pairs = expected_and_found(expected, hub.rows)
    rows = Table("Rows in Notion after the month", ["rows", "expected", "notionhub"])
    for what, wanted, found in pairs:
        rows.add(what, wanted, found)
    for title, number in hub.rows.get("count", {}).items():
        rows.add(
            f"{title}: rows / pages sharing a key",
            None,
            f"{number} / {hub.rows['duplicates'][title]}",
        )
    rows.add(
        "naive: contacts / instance rows",
        expected.contacts,
        f"{naive['contacts']} / {naive['instances']}",
    )
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
        f"{report.parameters['limited_people']} people"
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
        "  not made for an event (upkeep, index syncs, polling)",
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

    wrong_rows = sum(abs(wanted - found) for _, wanted, found in pairs)
    duplicates = sum(hub.rows.get("duplicates", {}).values())
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
        Target("row counts ≠ what the month implies", wrong_rows, 0, "rows"),
        Target("pages sharing a key", duplicates, 0, "pages"),
        Target("deliveries no flow handles", sum(unhandled.values()), 0, "deliveries"),
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
        " only the count matters there. Its count includes the pack's upkeep (every"
        f" {sizes.upkeep_s or 15:g} s at most) until the counter stood still for"
        f" {sizes.quiet_s:g} s.",
        "The naive handler applies redeliveries again (duplicate rows) and drops updates whose"
        f" row is not there yet ({naive['misses']} in this month).",
    ]
    report.data = {
        "month": counts,
        "unhandled": dict(unhandled),
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
        "by_type": run.by_type,
        "failed_events": run.failed_events,
    }
