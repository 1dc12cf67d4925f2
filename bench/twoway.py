"""Two-way benchmark: a person edits Sessions in Notion; what the hub spends and how soon it reacts.

``notionhub serve`` runs as ``make run`` starts it (embedded local Notion, SQLite, no
NOTION_TOKEN) with the coaching pack, a person token for the local Notion and, in the main run,
no webhook aggregation; the hub subscribes itself to its local Notion's webhooks. The hub makes
the Sessions rows itself (signed Cal.com bookings) and settles (nothing pending, its Notion
request counter still for longer than the dashboard upkeep's interval). Then a person edits with
the real ``notion-client`` under the person token, from a few threads at a steady pace (a
full run also repeats it with Notion's 1 s aggregation, and with the person going flat out):
each edit sets one session's Status to the next of No-show / Cancelled / Completed, the
sessions taken in turn.

Measured, from the local Notion's request log (time, route, last 4 characters of the token):

- the hub's Notion requests per edit while the edits are made and reacted to (reads are
  ``GET /v1/pages/{page_id}``, writes ``PATCH /v1/pages/{page_id}``): goal ≤ 1.0 read per edit;
- the edit-to-reaction lag: from the return of the person's PATCH to ``updated_at`` (the hub's
  clock, Unix seconds on this machine) of the first Notion event about that page, authored by
  a person, received after the PATCH was sent, read from the hub's SQLite ``events`` table:
  goal p99 ≤ 2 s;
- echo loops: Notion events whose authors are only the hub's bot yet made Notion requests,
  plus a hub whose request counter does not stand still once the reactions drained and the
  upkeep ran: goal 0. (Deliveries of the hub's own writes that it acknowledges without
  keeping them are counted from its metrics.)
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
from notion_client import Client

from bench import BenchOptions
from bench.coaching import SECRET_ENV, SECRETS, data_source, signed_headers
from bench.ingest import running
from bench.report import Report, Table, Target

NAME = "twoway"
HUB_HINT = "oken"  # the hub's token, local-notion-token, as the request log shows it
PERSON_TOKEN = "twoway-bench-person-7c1d"
PERSON_HINT = PERSON_TOKEN[-4:]
STATUSES = ("No-show", "Cancelled", "Completed")  # what a coach sets by hand
READ, WRITE = "GET /v1/pages/{page_id}", "PATCH /v1/pages/{page_id}"
THREADS = 4
EDITS_PER_S = 10.0  # the person's pace: a busy team, below the hub's Notion budget
CLIENTS = 50  # the sessions' clients (a session's reaction also refreshes its client)
READS_PER_EDIT_LIMIT = 1.0
LAG_P99_LIMIT_S = 2.0


@dataclass(frozen=True)
class Sizes:
    sessions: int
    edits: int
    upkeep_s: float  # NOTIONHUB_UPKEEP_SECONDS
    quiet_s: float  # the request counter must stand still this long to call the hub settled
    full: bool


def sizes_for(options: BenchOptions) -> Sizes:
    if options.quick:  # a short upkeep interval keeps the settling waits short
        sessions = options.pages or 40
        return Sizes(sessions, min(100, 5 * sessions), upkeep_s=1.0, quiet_s=3.0, full=False)
    sessions = options.pages or 200
    return Sizes(sessions, 5 * sessions, upkeep_s=15.0, quiet_s=20.0, full=options.pages is None)


# -- the hub -----------------------------------------------------------------------------------


def hub_env(home: Path, sizes: Sizes, aggregation_s: float) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("NOTION", "LOCAL_NOTION", "DATABASE_URL", "CALCOM"))
    }
    root = Path(__file__).resolve().parent.parent
    env.update(
        {
            "LOG_LEVEL": "warning",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")])),
            "NOTIONHUB_HOME": str(home),
            "NOTIONHUB_PACKS": "coaching",
            "NOTIONHUB_UPKEEP_SECONDS": str(sizes.upkeep_s),
            "LOCAL_NOTION_PERSON_TOKEN": PERSON_TOKEN,
            "LOCAL_NOTION_WEBHOOK_AGGREGATION_SECONDS": str(aggregation_s),
            SECRET_ENV["calcom"]: SECRETS["calcom"],
        }
    )
    return env


@dataclass
class Probe:
    """What the bench reads of a running hub: its event counts, its Notion's request log and
    webhook subscription, and its SQLite event log."""

    url: str
    home: Path
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.url, trust_env=False, timeout=60)

    def events(self) -> dict[str, int]:
        counts: dict[str, int] = self.http.get("/api/stats").json()["events"]
        return counts

    def subscription(self) -> dict[str, Any]:
        subs = self.http.get("/notion/_admin/webhooks").json()["subscriptions"]
        return dict(subs[0]) if subs else {}

    def deliveries(self) -> tuple[int, int]:
        """Webhook deliveries made to the hub, and those it acknowledged without keeping them
        (Notion telling of the hub's own write: ``own_edit`` in its metrics)."""
        delivered = int(self.subscription().get("delivered", 0))
        own = 0.0
        for line in self.http.get("/metrics").text.splitlines():
            if line.startswith("notionhub_events_received_total{") and "own_edit" in line:
                own += float(line.rsplit(" ", 1)[1])
        return delivered, int(own)

    def request_log(self) -> list[dict[str, Any]]:
        logged: list[dict[str, Any]] = self.http.get("/notion/_admin/stats?log=1").json()[
            "requests"
        ]
        return logged

    def hub_requests(self) -> int:
        return sum(1 for r in self.request_log() if r["token"] == HUB_HINT)

    def notion_events(self) -> list[dict[str, Any]]:
        """The hub's Notion events with their data, from its SQLite (read-only)."""
        path = self.home / "hub.sqlite3"
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as db:
            rows = db.execute(
                "SELECT seq, type, status, received_at, updated_at, notion_requests, data_json"
                " FROM events WHERE provider = 'notion' ORDER BY seq"
            ).fetchall()
        events = []
        for seq, kind, status, received, updated, requests, data in rows:
            body = json.loads(data)
            authors = [a.get("type") for a in body.get("authors", [])]
            events.append(
                {
                    "seq": seq,
                    "type": kind,
                    "status": status,
                    "received_at": received,
                    "updated_at": updated,
                    "notion_requests": requests,
                    "page_id": body.get("entity", {}).get("id"),
                    "person": "person" in authors,
                    "bot_only": bool(authors) and set(authors) == {"bot"},
                }
            )
        return events

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Until the hub is ready and its webhook subscription verified."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready = self.http.get("/health/ready").status_code == 200
            if ready and self.subscription().get("status") == "active":
                return
            time.sleep(0.2)
        raise RuntimeError(f"the hub was not ready in {timeout:.0f} s: {self.subscription()}")

    def drained(self) -> bool:
        """Nothing waits to be delivered to the hub, nor to be processed by it."""
        if self.subscription().get("pending", 0):
            return False
        return self.events()["pending"] == 0

    def settle(self, quiet_s: float, timeout: float) -> tuple[float, bool]:
        """Wait until drained and the hub's request counter stood still for ``quiet_s``.

        Returns when that was (Unix time of the last change) and whether it happened in time.
        """
        deadline = time.monotonic() + timeout
        last, changed = -1, time.time()
        while time.monotonic() < deadline:
            count = self.hub_requests()
            if count != last:
                last, changed = count, time.time()
            elif self.drained() and time.time() - changed >= quiet_s:
                return changed, True
            time.sleep(0.25)
        return changed, False

    def close(self) -> None:
        self.http.close()


def booking(number: int, now: datetime) -> dict[str, Any]:
    """A Cal.com BOOKING_CREATED body for session ``number`` (a week ahead, one an hour)."""
    client = number % CLIENTS
    email, name = f"client{client:03d}@example.com", f"Client {client:03d}"
    start = (now + timedelta(days=7, hours=number)).replace(minute=0, second=0, microsecond=0)
    end = start + timedelta(minutes=60)
    return {
        "triggerEvent": "BOOKING_CREATED",
        "createdAt": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "payload": {
            "type": "coaching-session",
            "title": f"Coaching session between Coach and {name}",
            "startTime": start.isoformat().replace("+00:00", "Z"),
            "endTime": end.isoformat().replace("+00:00", "Z"),
            "organizer": {"name": "Coach", "email": "coach@example.com", "timeZone": "UTC"},
            "responses": {"email": {"label": "email_address", "value": email}},
            "attendees": [{"email": email, "name": name, "timeZone": "UTC"}],
            "uid": f"twoway-booking-{number:05d}",
            "bookingId": 50_000 + number,
            "eventTypeId": 7,
            "eventTitle": "Coaching session",
            "length": 60,
            "metadata": {"videoCallUrl": f"https://zoom.us/j/{90_000_000_000 + number}"},
            "status": "ACCEPTED",
        },
    }


def seed_sessions(probe: Probe, count: int) -> Counter[int]:
    """Post ``count`` signed bookings; the HTTP statuses of the answers."""
    statuses: Counter[int] = Counter()
    now = datetime.now(UTC)
    for number in range(count):
        body = json.dumps(booking(number, now), separators=(",", ":")).encode()
        headers = signed_headers("calcom", body, int(now.timestamp()))
        statuses[probe.http.post("/hooks/calcom", content=body, headers=headers).status_code] += 1
    return statuses


def session_pages(person: Client) -> list[str]:
    """The Sessions rows' page ids, as the person sees them, by Booking ID."""
    source, cursor, pages = data_source(person, "Sessions"), None, []
    while True:
        extra: dict[str, Any] = {"start_cursor": cursor} if cursor else {}
        answer: Any = person.data_sources.query(source, page_size=100, **extra)
        for page in answer["results"]:
            key = "".join(t["plain_text"] for t in page["properties"]["Booking ID"]["rich_text"])
            pages.append((key, page["id"]))
        if not answer["has_more"]:
            return [page_id for _, page_id in sorted(pages)]
        cursor = answer["next_cursor"]


def person_client(url: str) -> Client:
    return Client(
        auth=PERSON_TOKEN,
        base_url=f"{url}/notion",
        client=httpx.Client(trust_env=False, timeout=60),
        retry=False,
    )


# -- the person's edits ------------------------------------------------------------------------


@dataclass(frozen=True)
class Edit:
    page_id: str
    status: str
    sent_at: float  # Unix time
    returned_at: float


def plan_edits(pages: list[str], count: int) -> list[tuple[str, str]]:
    """(page, status) for each edit: the pages in turn, each to the next of ``STATUSES``."""
    return [
        (pages[k % len(pages)], STATUSES[(k % len(pages) + k // len(pages)) % len(STATUSES)])
        for k in range(count)
    ]


def make_edits(url: str, plan: list[tuple[str, str]], per_second: float) -> list[Edit]:
    """Make the edits from ``THREADS`` threads, edit ``k`` due ``k / per_second`` after start
    (``math.inf``: each thread edits as soon as its last edit returned)."""
    done: list[Edit] = []
    lock, position = threading.Lock(), iter(range(len(plan)))
    start = time.monotonic()

    def worker() -> None:
        with person_client(url) as person:
            while True:
                with lock:
                    k = next(position, None)
                if k is None:
                    return
                time.sleep(max(0.0, start + k / per_second - time.monotonic()))  # pacing only
                page_id, status = plan[k]
                sent = time.time()
                person.pages.update(page_id, properties={"Status": {"select": {"name": status}}})
                edit = Edit(page_id, status, sent, time.time())
                with lock:
                    done.append(edit)

    threads = [threading.Thread(target=worker, name=f"person-{n}") for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(done, key=lambda e: e.sent_at)


def reactions(edits: list[Edit], events: list[dict[str, Any]]) -> list[dict[str, Any] | None]:
    """Per edit: the first finished person-authored event about its page received after its
    PATCH was sent (None: none yet)."""
    by_page: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        if event["person"] and event["status"] in ("processed", "ignored", "failed"):
            by_page.setdefault(event["page_id"], []).append(event)
    found: list[dict[str, Any] | None] = []
    for edit in edits:
        after = [e for e in by_page.get(edit.page_id, []) if e["received_at"] >= edit.sent_at]
        found.append(min(after, key=lambda e: e["received_at"], default=None))
    return found


def reaction_lags(edits: list[Edit], events: list[dict[str, Any]]) -> list[float | None]:
    """Per edit: seconds from its PATCH's return to the end of its event (``reactions``)."""
    return [
        None if event is None else event["updated_at"] - edit.returned_at
        for edit, event in zip(edits, reactions(edits, events), strict=True)
    ]


def wait_for_reactions(probe: Probe, edits: list[Edit], timeout: float) -> float | None:
    """Until every edit has its finished event and nothing is pending; when (Unix time)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if probe.drained() and None not in reaction_lags(edits, probe.notion_events()):
            return time.time()
        time.sleep(0.25)
    return None


# -- one run -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """One hub run: Notion's aggregation window, and the person's pace (None: flat out)."""

    name: str
    label: str
    aggregation_s: float
    per_second: float | None


MAIN = Variant("main", f"0 s window, {EDITS_PER_S:g} edits/s", 0.0, EDITS_PER_S)
AGGREGATED = Variant("aggregated", f"1 s window, {EDITS_PER_S:g} edits/s", 1.0, EDITS_PER_S)
BURST = Variant("burst", "0 s window, flat out", 0.0, None)


@dataclass
class TwoWayRun:
    variant: Variant
    seeded: Counter[int]
    seed_s: float  # first booking posted → the hub settled
    edits: list[Edit]
    matched: list[dict[str, Any] | None]  # each edit's event (``reactions``)
    reacted_at: float | None  # Unix time every edit's event had finished (None: not in time)
    settled: bool
    events: list[dict[str, Any]]  # the Notion events kept from the first edit on
    requests: list[dict[str, Any]]  # the request log from the first edit on
    delivered: int  # webhook deliveries to the hub from the first edit on
    own_edits: int  # of which acknowledged as the hub's own write, not kept
    totals: dict[str, int]  # /api/stats at the end
    wrong_statuses: int


def run_hub(root: Path, sizes: Sizes, variant: Variant) -> TwoWayRun:
    home = root / variant.name
    command = [sys.executable, "-c", "from notionhub.cli import app; app()", "serve", "--port"]
    env = hub_env(home, sizes, variant.aggregation_s)
    with running(command, env, root, Path(f"{home}.log")) as url:
        probe = Probe(url, home)
        try:
            probe.wait_ready()
            seeding = time.time()
            seeded = seed_sessions(probe, sizes.sessions)
            settled_at, _ = probe.settle(sizes.quiet_s, timeout=600)
            with person_client(url) as person:
                pages = session_pages(person)
            if len(pages) != sizes.sessions:
                raise RuntimeError(f"{len(pages)} Sessions rows for {sizes.sessions} bookings")
            delivered, own = probe.deliveries()
            started = time.time()
            plan = plan_edits(pages, sizes.edits)
            edits = make_edits(url, plan, variant.per_second or math.inf)
            reacted_at = wait_for_reactions(probe, edits, timeout=900)
            _, settled = probe.settle(sizes.quiet_s, timeout=300)
            events = [e for e in probe.notion_events() if e["received_at"] >= started]
            delivered_after, own_after = probe.deliveries()
            with person_client(url) as person:
                finals = final_statuses(person)
            last = {edit.page_id: edit.status for edit in edits}
            return TwoWayRun(
                variant=variant,
                seeded=seeded,
                seed_s=settled_at - seeding,
                edits=edits,
                matched=reactions(edits, events),
                reacted_at=reacted_at,
                settled=settled,
                events=events,
                requests=[r for r in probe.request_log() if r["time"] >= started],
                delivered=delivered_after - delivered,
                own_edits=own_after - own,
                totals=probe.events(),
                wrong_statuses=sum(finals.get(page) != status for page, status in last.items()),
            )
        finally:
            probe.close()


def final_statuses(person: Client) -> dict[str, str | None]:
    """Each Sessions row's Status, as the person sees it."""
    source, cursor, found = data_source(person, "Sessions"), None, {}
    while True:
        extra: dict[str, Any] = {"start_cursor": cursor} if cursor else {}
        answer: Any = person.data_sources.query(source, page_size=100, **extra)
        for page in answer["results"]:
            select = page["properties"]["Status"]["select"]
            found[page["id"]] = select["name"] if select else None
        if not answer["has_more"]:
            return found
        cursor = answer["next_cursor"]


def run(options: BenchOptions) -> Report:
    sizes = sizes_for(options)
    # A quick run makes the main run only; a full one also Notion's own 1 s aggregation, and
    # the person as fast as the threads go (a burst: how the hub catches up).
    variants = [MAIN] if options.quick else [MAIN, AGGREGATED, BURST]
    report = Report(
        name=NAME,
        parameters={
            "sessions": sizes.sessions,
            "edits": sizes.edits,
            "threads": THREADS,
            "runs": [v.label for v in variants],
            "upkeep_s": sizes.upkeep_s,
            "quiet_s": sizes.quiet_s,
            "quick": options.quick,
        },
    )
    with tempfile.TemporaryDirectory(prefix="notionhub-bench-twoway-") as folder:
        runs = [run_hub(Path(folder), sizes, variant) for variant in variants]
    _describe(report, sizes, runs)
    return report


# -- the report --------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0..1)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


@dataclass
class Figures:
    """One run's figures, as the tables and targets show them."""

    edits: int
    person_writes: int  # the person's PATCHes in the request log (a check of the token split)
    pace: float  # edits per second the person made
    reads: int
    writes: int
    other: int
    for_events: int  # requests the event log counts for the kept Notion events of the phase
    tail: int  # hub requests after every edit's event finished
    echo_events: int  # kept events of the hub's bot alone that made Notion requests
    lags: list[float]  # per matched edit, PATCH returned → its event finished
    delivered: list[float]  # per matched edit, PATCH returned → its event received
    processed: list[float]  # per matched edit, its event received → finished
    pause: float  # the longest time between two events finishing (from the first received)
    by_route: Counter[str]

    @classmethod
    def of(cls, run: TwoWayRun) -> Figures:
        end = run.reacted_at if run.reacted_at is not None else math.inf
        hub = [r for r in run.requests if r["token"] == HUB_HINT]
        during = Counter(r["route"] for r in hub if r["time"] <= end)
        pairs = [(e, m) for e, m in zip(run.edits, run.matched, strict=True) if m is not None]
        finished = sorted(e["updated_at"] for e in run.events)
        first = min((e["received_at"] for e in run.events), default=0.0)
        span = run.edits[-1].returned_at - run.edits[0].sent_at if run.edits else 0.0
        return cls(
            edits=len(run.edits),
            person_writes=sum(
                1 for r in run.requests if r["token"] == PERSON_HINT and r["route"] == WRITE
            ),
            pace=len(run.edits) / span if span > 0 else 0.0,
            reads=during[READ],
            writes=during[WRITE],
            other=sum(during.values()) - during[READ] - during[WRITE],
            for_events=sum(e["notion_requests"] for e in run.events),
            tail=sum(1 for r in hub if r["time"] > end),
            echo_events=sum(1 for e in run.events if e["bot_only"] and e["notion_requests"] > 0),
            lags=[m["updated_at"] - e.returned_at for e, m in pairs],
            delivered=[m["received_at"] - e.returned_at for e, m in pairs],
            processed=[m["updated_at"] - m["received_at"] for _, m in pairs],
            pause=max((b - a for a, b in pairwise([first, *finished])), default=0.0),
            by_route=during,
        )

    def per_edit(self, count: int) -> float:
        return round(count / self.edits, 3) if self.edits else 0.0

    @property
    def unmatched(self) -> int:
        return self.edits - len(self.delivered)

    def lag(self, share: float) -> float:
        return percentile(self.lags, share)


def _describe(report: Report, sizes: Sizes, runs: list[TwoWayRun]) -> None:
    figures = [Figures.of(run) for run in runs]
    columns = ["", *(run.variant.label for run in runs)]
    main = figures[0]

    requests = Table("The hub's Notion requests, first edit → every edit's event finished", columns)
    requests.add("edits (the person's PATCHes logged)", *(f.person_writes for f in figures))
    requests.add("reads (GET page) per edit", *(f.per_edit(f.reads) for f in figures))
    requests.add("writes (PATCH page) per edit", *(f.per_edit(f.writes) for f in figures))
    requests.add("other requests per edit", *(f.per_edit(f.other) for f in figures))
    total = [f.per_edit(f.reads + f.writes + f.other) for f in figures]
    requests.add("all requests per edit", *total)
    requests.add("  of which for Notion events", *(f.per_edit(f.for_events) for f in figures))
    requests.add("requests after that (upkeep)", *(f.tail for f in figures))
    routes = {route for f in figures for route in f.by_route}
    for route in sorted(routes, key=lambda r: (-main.by_route[r], r)):
        requests.add(f"  {route}", *(f.by_route[route] for f in figures))
    report.tables.append(requests)

    lag = Table("Edit-to-reaction lag (s): PATCH returned → the page's event finished", columns)
    lag.add("p50", *(round(f.lag(0.50), 3) for f in figures))
    lag.add("p99", *(round(f.lag(0.99), 3) for f in figures))
    lag.add("max", *(round(f.lag(1.0), 3) for f in figures))
    for name, part in (("delivered", "delivered"), ("received → finished", "processed")):
        for share in (0.50, 0.99):
            values = (percentile(getattr(f, part), share) for f in figures)
            lag.add(f"  {name}, p{share * 100:.0f}", *(round(v, 3) for v in values))
    lag.add("longest pause in processing", *(round(f.pause, 2) for f in figures))
    lag.add("edits without a finished event", *(f.unmatched for f in figures))
    lag.add("edits per second made", *(round(f.pace, 1) for f in figures))
    report.tables.append(lag)

    events = Table("Notion events from the first edit on", columns)
    events.add("webhook deliveries to the hub", *(run.delivered for run in runs))
    events.add("  acknowledged as the hub's own edit", *(run.own_edits for run in runs))
    events.add("kept in the event log (received)", *(len(run.events) for run in runs))
    for status in ("processed", "ignored", "failed"):
        events.add(f"  {status}", *(sum(e["status"] == status for e in r.events) for r in runs))
    events.add("  authored by the person", *(sum(e["person"] for e in r.events) for r in runs))
    events.add("  by the hub's bot alone", *(sum(e["bot_only"] for e in r.events) for r in runs))
    events.add("echo loops: bot-alone events with requests", *(f.echo_events for f in figures))
    events.add("request counter still afterwards", *(run.settled for run in runs))
    events.add("rows not at the status last set", *(run.wrong_statuses for run in runs))
    events.add("seeding: bookings → settled (s)", *(round(run.seed_s, 1) for run in runs))
    events.add("all events: received / failed", *(_totals(run.totals) for run in runs))
    report.tables.append(events)

    # A hub that never drained is caught by "edits without a reaction", not counted as a loop.
    moving = sum(not run.settled and run.reacted_at is not None for run in runs)
    echo = sum(f.echo_events for f in figures) + moving
    report.targets += [
        Target(
            "hub page reads per edit",
            main.per_edit(main.reads),
            READS_PER_EDIT_LIMIT,
            "req",
            applies=sizes.full,
        ),
        Target(
            "edit-to-reaction lag p99", main.lag(0.99), LAG_P99_LIMIT_S, "s", applies=sizes.full
        ),
        Target("echo loops", echo, 0, "events"),
        Target("edits without a reaction", sum(f.unmatched for f in figures), 0, "edits"),
        Target("rows not at the status last set", sum(r.wrong_statuses for r in runs), 0, "rows"),
        Target("failed events", sum(r.totals["failed"] for r in runs), 0, "events"),
    ]
    report.notes += [
        f"Reads per edit and lag are judged on the first run ({runs[0].variant.label}); the"
        f" other targets count every run. {THREADS} person threads.",
        "Lag: from the person's PATCH returning to updated_at (hub clock) of the first"
        " person-authored Notion event about the page received after the PATCH was sent.",
        f"Requests after that: until the counter stood still {sizes.quiet_s:g} s (upkeep"
        f" interval {sizes.upkeep_s:g} s). Echo loops counts bot-alone events that made"
        " requests, plus runs whose counter never stood still once every edit's event had"
        " finished.",
    ]
    report.data = {
        "runs": [
            {
                "variant": vars(run.variant),
                "seeded": dict(run.seeded),
                "seed_s": run.seed_s,
                "delivered": run.delivered,
                "own_edits": run.own_edits,
                "totals": run.totals,
                "settled": run.settled,
                "figures": {
                    "edits": f.edits,
                    "person_writes": f.person_writes,
                    "unmatched": f.unmatched,
                    "pace": f.pace,
                    "reads": f.reads,
                    "writes": f.writes,
                    "other": f.other,
                    "for_events": f.for_events,
                    "tail": f.tail,
                    "echo_events": f.echo_events,
                    "lag_p50": f.lag(0.50),
                    "lag_p99": f.lag(0.99),
                    "pause": f.pause,
                },
                "by_route": dict(f.by_route),
                "lags": [round(lag, 4) for lag in f.lags],
            }
            for run, f in zip(runs, figures, strict=True)
        ]
    }


def _totals(totals: dict[str, int]) -> str:
    return f"{totals['received']} / {totals['failed']}"
