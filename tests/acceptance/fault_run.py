"""A seeded fault run: a coaching month streamed into ``notionhub serve`` while things break.

``fault_run(root, plan)``:

1. starts ``notionhub notion-server`` and ``notionhub serve`` (echo and coaching packs, SQLite or
   PostgreSQL), Notion faults injected and connections to Notion dropped if the plan says so;
2. streams the plan's deliveries (Cal.com, Zoom and Stripe, signed as they sign, ~8% of them
   resent, plus a few that can never be applied) from several threads, as providers do: a
   delivery answered 503 or not answered at all is sent again later, until it gets its 202;
3. meanwhile ``kill -9``s the hub at seeded points (then restarts it and resends a seeded share
   of what it had acknowledged, as a provider that lost the answers would), and runs the plan's
   disruptions (the database cut off, the data folder made read-only …) for a while;
4. waits until nothing is pending, and checks the contract: every event that got a 202 is either
   processed with its Event Log row in Notion, or failed and listed by
   ``GET /api/events?status=failed``; no database holds two pages with one key; the deliveries
   that can never be applied are among the failed; when nothing failed, the Sessions and
   Invoices are the month's.

It returns the run's figures (``Figures``); ``AssertionError`` says what broke the contract.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx
from bench.coaching import SECRET_ENV, SECRETS, rows_by_status, seed_packages
from bench.coaching_month import MONTH_START, Delivery, expected_rows, generate_month

from notionhub.packs.coaching import PACK as COACHING
from notionhub.packs.echo import PACK as ECHO
from notionhub.packs.echo.models import EventLogEntry
from tests.acceptance.delivery_stream import DeliveryStream, Posting
from tests.acceptance.hub_checks import (
    duplicate_keys,
    event_summaries,
    keys_in,
    notion_client,
    wait_for_drain,
)
from tests.acceptance.hub_process import Process, base_env
from tests.acceptance.tcp_proxy import TcpProxy

DELIVERIES_PER_CLIENT = 15  # about 19 in a generated month: enough clients, then cut
MODELS = (*ECHO.models, *COACHING.models)
# Injected by the local Notion server (its seed added per run): 429 with Retry-After, 500 and
# 503, answers held back past the gateway's patience.
NOTION_FAULTS = {
    "rate_limited": 0.08,
    "server_error": 0.05,
    "timeout": 0.03,
    "retry_after": 1,
    "slow_seconds": 0.5,
}
DISRUPTION_SECONDS = 60.0  # a guard: a disruption ends by then even if nothing was refused


class Disruption:
    """Something that breaks while the stream goes on: ``begin``, then ``end`` once the
    senders have been refused ``refusals`` times (or after ``DISRUPTION_SECONDS``)."""

    name = "disruption"
    refusals = 30

    def begin(self) -> None:
        raise NotImplementedError

    def end(self) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class RunPlan:
    seed: int
    deliveries: int  # of the generated month (its own redeliveries included), poison apart
    kills: int = 0
    database: Literal["sqlite", "postgresql"] = "sqlite"
    notion_faults: dict[str, Any] | None = None
    notion_drop_rate: float = 0.0  # share of Notion connection reads that reset the connection
    poison: int = 3  # signed deliveries no pack can apply: they must end failed and visible
    redeliver_share: float = 0.03  # of the acknowledged deliveries, resent after each restart
    senders: int = 6
    # (share of deliveries acknowledged, disruption): begun once that share got its 202
    disruptions: Sequence[tuple[float, Disruption]] = ()
    drain_timeout: float = 900.0


@dataclass
class Figures:
    """What a run saw; ``duplicate_pages`` and ``lost`` must be 0."""

    seed: int
    database: str
    deliveries: int = 0  # POSTs answered 202 (resends included)
    events: int = 0  # distinct events acknowledged
    kills: int = 0
    exits: int = 0  # times the hub process ended by itself (restarted by the run)
    refused: int = 0  # 503 answers
    unanswered: int = 0  # no answer (hub down, connection reset)
    duplicates: int = 0  # 202 with "duplicate": true
    processed: int = 0
    failed_visible: int = 0
    lost: int = 0  # acknowledged, but neither applied nor failed-and-visible
    duplicate_pages: int = 0
    notion_dropped: int = 0  # connections to Notion reset by the proxy
    seconds: float = 0.0
    disruptions: list[str] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)  # last error → failed events
    start_failures: int = 0  # hub starts that failed (retried, as a supervisor would)

    def line(self) -> str:
        return json.dumps(self.__dict__, sort_keys=False)


@dataclass
class Setup:
    """The processes of one run, and where each one keeps its data."""

    root: Path
    notion: Process
    hub: Process
    notion_proxy: TcpProxy | None = None

    @property
    def home(self) -> Path:
        return self.root / "hub"


def build_deliveries(plan: RunPlan) -> list[Posting]:
    """The month cut to ``plan.deliveries``, and ``plan.poison`` unusable bookings among them."""
    clients = plan.deliveries // DELIVERIES_PER_CLIENT + 2
    month = generate_month(seed=plan.seed, clients=clients)[: plan.deliveries]
    postings = [_posting(delivery) for delivery in month]
    rng = random.Random(plan.seed)
    for number in range(plan.poison):
        postings.insert(rng.randrange(len(postings) + 1), _poison(plan.seed, number))
    return postings


def _posting(delivery: Delivery) -> Posting:
    body = json.dumps(delivery.body, separators=(",", ":")).encode()
    return Posting(delivery.provider, body, month=delivery)


def _poison(seed: int, number: int) -> Posting:
    """A signed Cal.com booking without its uid: stored (202), then failed for good."""
    body = {
        "triggerEvent": "BOOKING_CREATED",
        "createdAt": (MONTH_START.replace(minute=number)).isoformat(),
        "payload": {
            "title": f"poison {seed}-{number}",
            "attendees": [{"email": f"poison{seed}.{number}@example.com", "name": "Poison"}],
        },
    }
    return Posting("calcom", json.dumps(body).encode(), poison=True)


def start_processes(root: Path, plan: RunPlan, database_url: str | None) -> Setup:
    notion = Process(["notion-server", "--data", str(root / "notion")], root, base_env())
    notion.start("/_admin/stats")
    proxy = None
    notion_url = notion.url
    if plan.notion_drop_rate:
        proxy = TcpProxy(notion.port, seed=plan.seed).start()  # drops once the hub is up
        notion_url = f"http://127.0.0.1:{proxy.port}"
    env = base_env(
        NOTION_BASE_URL=notion_url,
        NOTIONHUB_HOME=str(root / "hub"),
        NOTIONHUB_PACKS="echo,coaching",
        NOTION_REQUESTS_PER_SECOND="1000",
        **{SECRET_ENV[provider]: secret for provider, secret in SECRETS.items()},
    )
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    hub = Process(["serve"], root, env)
    setup = Setup(root, notion, hub, proxy)
    try:
        hub.start("/health")
        client = notion_client(notion.url)
        try:
            seed_packages(client)
        finally:
            client.close()
        if plan.notion_faults:
            set_faults(notion, plan.notion_faults)
        if proxy is not None:
            proxy.drop_rate = plan.notion_drop_rate
    except BaseException:
        stop_processes(setup)
        raise
    return setup


def stop_processes(setup: Setup) -> None:
    setup.hub.stop()
    if setup.notion_proxy is not None:
        setup.notion_proxy.close()
    setup.notion.stop()


def set_faults(notion: Process, faults: dict[str, Any]) -> None:
    answer = httpx.post(notion.url + "/_admin/faults", json=faults, timeout=10)
    assert answer.status_code == 200, answer.text


def fault_run(
    root: Path,
    plan: RunPlan,
    database_url: str | None = None,
    on_started: Callable[[Setup], None] | None = None,
) -> Figures:
    """Run ``plan`` in ``root`` (``database_url``: the hub's PostgreSQL, else SQLite)."""
    started = time.monotonic()
    figures = Figures(seed=plan.seed, database=plan.database)
    postings = build_deliveries(plan)
    setup = start_processes(root, plan, database_url)
    try:
        if on_started is not None:
            on_started(setup)
        stream = DeliveryStream(setup.hub.url, postings, senders=plan.senders)
        _drive(setup, plan, stream, figures)
        _check(setup, plan, stream, figures)
    except BaseException as error:
        keep_logs(root)
        raise AssertionError(f"{error}\nfigures: {figures.line()}\n{setup.hub.output()}") from error
    finally:
        stop_processes(setup)
    figures.seconds = round(time.monotonic() - started, 1)
    return figures


def keep_logs(root: Path) -> None:
    """Copy the processes' logs to ``$NOTIONHUB_FAULT_LOGS`` (pytest keeps few temp folders)."""
    target = os.environ.get("NOTIONHUB_FAULT_LOGS")
    if target:
        folder = Path(target) / root.name
        folder.mkdir(parents=True, exist_ok=True)
        for log in root.glob("*.log"):
            shutil.copy(log, folder / log.name)


def _drive(setup: Setup, plan: RunPlan, stream: DeliveryStream, figures: Figures) -> None:
    """Stream everything, with the plan's kills and disruptions on the way."""
    rng = random.Random(plan.seed * 7919 + 1)
    total = len(stream.postings)
    low, high = total // 10, max(total // 10 + 1, total * 9 // 10)
    kill_points = sorted(rng.sample(range(low, high), plan.kills)) if plan.kills else []
    disruptions = sorted(plan.disruptions, key=lambda item: item[0])
    if kill_points and disruptions:
        # The last kill comes after the disruptions, so that it also tests a restart over what
        # they left behind (and the run does not wait for the dispatcher's sweep to find it).
        after = int((disruptions[-1][0] + 0.1) * total)
        kill_points[-1] = rng.randrange(min(after, total - 2), total - 1)
        kill_points.sort()
    stream.start()
    # A kill point the stream outran (everything acknowledged between two looks) is still
    # carried out: on an idle stream, then over a redelivered share, so every run has its kills.
    while stream.busy() or kill_points:
        if setup.hub.process is not None and setup.hub.process.poll() is not None:
            figures.exits += 1
            restart(setup, figures)
        if kill_points and (stream.acknowledged_count() >= kill_points[0] or not stream.busy()):
            kill_points.pop(0)
            setup.hub.kill()
            figures.kills += 1
            time.sleep(rng.uniform(0, 0.5))  # the provider keeps sending to nobody
            restart(setup, figures)
            _redeliver(stream, rng, plan.redeliver_share)
        if disruptions and stream.acknowledged_count() >= disruptions[0][0] * total:
            _, disruption = disruptions.pop(0)
            _disrupt(setup, stream, disruption, figures)
        time.sleep(0.02)
    stream.join()
    figures.deliveries = stream.counts.accepted
    figures.events = len(stream.event_ids())
    figures.refused = stream.counts.refused
    figures.unanswered = stream.counts.unanswered
    figures.duplicates = stream.counts.duplicates
    assert not stream.counts.other, f"unexpected answers: {stream.counts.other[:5]}"


def _redeliver(stream: DeliveryStream, rng: random.Random, share: float) -> None:
    acknowledged = sorted(stream.acknowledged_indexes())
    count = min(len(acknowledged), max(5, int(len(acknowledged) * share)))
    stream.resend(rng.sample(acknowledged, count))


def _disrupt(
    setup: Setup, stream: DeliveryStream, disruption: Disruption, figures: Figures
) -> None:
    """Begin ``disruption``; end it once the senders were refused enough (or the guard)."""
    refused_before = stream.counts.refused + stream.counts.unanswered
    accepted_before = stream.counts.accepted
    disruption.begin()
    deadline = time.monotonic() + DISRUPTION_SECONDS
    try:
        while time.monotonic() < deadline and stream.busy():
            refused = stream.counts.refused + stream.counts.unanswered - refused_before
            if refused >= disruption.refusals:
                break
            time.sleep(0.05)
    finally:
        refusals = stream.counts.refused + stream.counts.unanswered - refused_before
        accepted = stream.counts.accepted - accepted_before
        disruption.end()
    figures.disruptions.append(f"{disruption.name}: {refusals} refused, {accepted} accepted")
    if setup.hub.process is not None and setup.hub.process.poll() is not None:
        figures.exits += 1
        restart(setup, figures)


def restart(setup: Setup, figures: Figures, attempts: int = 5) -> None:
    """Start the hub again; a start that fails (Notion unreachable while provisioning …) is
    tried again, as a supervisor would, and counted."""
    for attempt in range(attempts):
        try:
            setup.hub.start("/health")
            return
        except RuntimeError:
            figures.start_failures += 1
            if attempt == attempts - 1:
                raise
            setup.hub.kill()


def _check(setup: Setup, plan: RunPlan, stream: DeliveryStream, figures: Figures) -> None:
    hub_url = setup.hub.url
    acknowledged = stream.event_ids()
    wait_for_drain(hub_url, len(acknowledged), timeout=plan.drain_timeout)
    if plan.notion_faults:  # Notion is read as a person would: without faults
        set_faults(setup.notion, {})
    if setup.notion_proxy is not None:
        figures.notion_dropped = setup.notion_proxy.counts.dropped
    events = event_summaries(hub_url)
    failed = set(event_summaries(hub_url, "failed"))
    logged = keys_in(setup.notion.url, EventLogEntry)
    lost = []
    for event_id in sorted(acknowledged):
        status = events[event_id]["status"] if event_id in events else None
        applied = status == "processed" and logged[event_id] > 0
        visible = status == "failed" and event_id in failed
        if not (applied or visible):
            lost.append(f"{event_id}: {status}, {logged[event_id]} Event Log rows")
    figures.processed = sum(events[e]["status"] == "processed" for e in acknowledged & set(events))
    figures.failed_visible = len(failed & acknowledged)
    figures.failures = dict(
        Counter(str(events[e]["last_error"])[:100] for e in failed & acknowledged)
    )
    figures.lost = len(lost)
    doubled = duplicate_keys(setup.notion.url, MODELS)
    figures.duplicate_pages = sum(len(keys) for keys in doubled.values())
    assert not lost, f"acknowledged but neither applied nor failed-and-visible: {lost[:10]}"
    assert not doubled, f"keys held by two pages: { {k: v[:5] for k, v in doubled.items()} }"
    # An event failed by the hub's own database refusing a write is a race between workers
    # (two first inserts of one row), never a fault of the run: PostgreSQL seed 101 found two.
    refused = [error for error in figures.failures if "IntegrityError" in error]
    assert not refused, f"events failed by the hub database's constraints: {refused}"
    # Besides what was posted, the log holds only the hub's own reading of Notion's changes.
    others = {e["provider"] for e in events.values() if e["id"] not in acknowledged}
    assert others <= {"notion"}, others
    poison = stream.event_ids(poison=True)
    assert poison <= failed, sorted(poison - failed)
    if failed == poison:  # all else applied: the month's rows are all there, as it says
        _check_month_rows(setup.notion.url, stream)


def _check_month_rows(notion_url: str, stream: DeliveryStream) -> None:
    month = [p.month for p in stream.postings if p.month is not None]
    expected = expected_rows(month)
    client = notion_client(notion_url)
    try:
        sessions = rows_by_status(client, "Sessions")
        invoices = rows_by_status(client, "Invoices")
    finally:
        client.close()
    found = {
        "appointments": sessions["rows"],
        "cancelled": sessions["Cancelled"],
        "checkouts": invoices["rows"],
        "refunded": invoices["Refunded"],
    }
    wanted = {key: getattr(expected, key) for key in found}
    assert found == wanted, f"Notion holds {found}, the month makes {wanted}"
