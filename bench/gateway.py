"""Gateway benchmark: upserts by key against a local Notion server limited like Notion.

1,000 upserts of 200 distinct keys (every key created once, then repeats: some identical, most
changing one property) go through ``Records.upsert`` with the default budget (3 requests/s,
burst 2, 10-second window) to a ``notionhub notion-server`` in its own process that answers 429
past 3 requests/s (burst 3). Reported:

- Notion requests per upsert, counted by the server, next to the physical minimum (one request
  per create or real change, none per no-op); goal ≤ 1.1 on average;
- the time to drain the workload, as a ratio to ``requests ÷ 3`` (goal ≤ 1.05);
- 429s received, and a check that every page ends with its last written values;
- what one budget reservation costs in CPU once a window of requests has gone, at 3, 50 and
  1,000 requests/s allowed, sent at just under that rate or at 50/s (on a clock that only the
  calls move), and how many slots the budget's row then holds.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import httpx
from sqlalchemy import Engine, select

from bench import BenchOptions
from bench.localnotion import TOKEN, running_server
from bench.report import Report, Table, Target
from notionhub.hubdb.engine import create_hub_engine
from notionhub.hubdb.tables import notion_budget
from notionhub.notion.budget import BudgetPolicy, NotionBudget
from notionhub.notion.gateway import NotionGateway
from notionhub.notion.key_index import KeyIndex
from notionhub.notion.mirror import PageMirror
from notionhub.notion.provision import Provisioner
from notionhub.notion.records import Records
from notionhub.notion.schema import (
    DatabaseSpec,
    Email,
    Key,
    NotionModel,
    Number,
    Option,
    RichText,
    Select,
    Title,
)

NOTION_RATE = 3.0
PLANS = ("Free", "Starter", "Pro", "Team")


class BenchCustomer(NotionModel):
    __database__ = DatabaseSpec("Bench Customers", env="NOTION_BENCH_CUSTOMERS_DB")

    name: Annotated[str, Title("Name")]
    email: Annotated[str, Email("Email"), Key()]
    plan: Annotated[str | None, Select("Plan", options=[Option(p) for p in PLANS])] = None
    visits: Annotated[int | None, Number("Visits")] = None
    notes: Annotated[str, RichText("Notes")] = ""


@dataclass(frozen=True)
class Workload:
    upserts: list[BenchCustomer]
    creates: int
    changes: int
    noops: int
    final: dict[str, BenchCustomer]


# (requests/s allowed, requests/s sent)
BUDGET_RATES = ((3.0, 3.0), (50.0, 50.0), (1_000.0, 1_000.0), (1_000.0, 50.0))
QUICK_BUDGET_RATES = ((3.0, 3.0), (50.0, 50.0), (1_000.0, 50.0))
RESERVATIONS = 500


def generate(upserts: int, keys: int, seed: int = 7) -> Workload:
    """Every key created once, in random places; the other upserts repeat a key, 60% changing."""
    rng = random.Random(seed)
    order = [f"user{n}@example.com" for n in range(keys)]
    order += [rng.choice(order) for _ in range(upserts - keys)]
    rng.shuffle(order)
    state: dict[str, BenchCustomer] = {}
    records: list[BenchCustomer] = []
    creates = changes = noops = 0
    for email in order:
        current = state.get(email)
        if current is None:
            record = BenchCustomer(name=email.split("@")[0], email=email, plan="Free", visits=0)
            creates += 1
        elif rng.random() < 0.6:
            if rng.random() < 0.5:
                record = current.model_copy(update={"visits": (current.visits or 0) + 1})
            else:
                record = current.model_copy(update={"plan": rng.choice(PLANS)})
            changed = record != current
            changes += changed
            noops += not changed
        else:
            record = current
            noops += 1
        state[email] = record
        records.append(record)
    return Workload(records, creates, changes, noops, state)


def run(options: BenchOptions) -> Report:
    upserts = options.pages or (100 if options.quick else 1000)
    keys = max(1, upserts // 5)
    workload = generate(upserts, keys)
    report = Report(
        name="gateway",
        parameters={
            "upserts": upserts,
            "keys": keys,
            "notion_rate": NOTION_RATE,
            "server_burst": 3,
        },
    )
    with tempfile.TemporaryDirectory(prefix="notionhub-bench-gateway-") as folder:
        root = Path(folder)
        with running_server(root / "notion") as server:
            _measure(
                server.base_url,
                root,
                workload,
                report,
                full=not options.quick and options.pages is None,
            )
        rates = QUICK_BUDGET_RATES if options.quick or options.pages else BUDGET_RATES
        report.tables.append(reservation_table(root, rates))
    return report


@dataclass(frozen=True)
class ReservationCost:
    rate: float
    sent: float
    slots_stored: int
    cpu_ms: float


def reservation_table(root: Path, rates: tuple[tuple[float, float], ...]) -> Table:
    engine = create_hub_engine(f"sqlite:///{root / 'budget.sqlite3'}")
    try:
        costs = [reservation_cost(engine, rate, sent) for rate, sent in rates]
    finally:
        engine.dispose()
    table = Table(
        f"One budget reservation, once a window of requests has gone ({RESERVATIONS} measured)",
        ["allowed (req/s)", "sent (req/s)", "slots stored", "CPU ms per reservation"],
    )
    for cost in costs:
        table.add(f"{cost.rate:g}", f"{cost.sent:g}", cost.slots_stored, round(cost.cpu_ms, 3))
    return table


def reservation_cost(engine: Engine, rate: float, sent: float) -> ReservationCost:
    """``NotionBudget.reserve`` called at just under ``sent`` requests/s (at most ``rate``)."""
    now = [1_000.0]

    def clock() -> float:  # each call is the next request, 1 % later than ``sent`` has it
        now[0] += 1.01 / sent
        return now[0]

    budget = NotionBudget(
        engine,
        f"bench-{rate:g}-{sent:g}",
        BudgetPolicy(rate=rate),
        clock=clock,
        sleep=lambda _s: None,
    )
    for _ in range(budget.policy.window_cap + 10):
        budget.reserve()
    started = time.process_time()
    for _ in range(RESERVATIONS):
        budget.reserve()
    spent = time.process_time() - started
    with engine.connect() as connection:
        stored = connection.execute(
            select(notion_budget.c.recent_json).where(notion_budget.c.bucket == budget.bucket)
        ).scalar_one()
    return ReservationCost(rate, sent, len(json.loads(stored)), spent * 1000 / RESERVATIONS)


def _measure(base_url: str, root: Path, workload: Workload, report: Report, *, full: bool) -> None:
    engine = create_hub_engine(f"sqlite:///{root / 'hub.sqlite3'}")
    gateway = NotionGateway(
        TOKEN, NotionBudget(engine, TOKEN, BudgetPolicy(rate=NOTION_RATE)), base_url=base_url
    )
    admin = httpx.Client(base_url=base_url, trust_env=False, timeout=10)
    parent = str(next(gateway.search({"query": "notionhub"}))["id"])
    provisioned = Provisioner(gateway, engine, {}).run([BenchCustomer], parent)
    records = Records(gateway, KeyIndex(engine), PageMirror(engine), provisioned.data_source_ids())
    admin.post("/_admin/rate-limit", json={"rate": NOTION_RATE, "burst": 3})
    admin.post("/_admin/reset-stats")

    started = time.perf_counter()
    actions = {"created": 0, "updated": 0, "unchanged": 0}
    for record in workload.upserts:
        actions[records.upsert(record).action] += 1
    drained = time.perf_counter() - started

    stats = admin.get("/_admin/stats").json()
    admin.post("/_admin/rate-limit", json={"rate": None})
    sent = int(stats["total"])
    limited = int(stats["by_status"].get("429", 0))
    requests = sent - limited
    minimum = workload.creates + workload.changes
    upserts = len(workload.upserts)
    ideal = requests / NOTION_RATE
    wrong = _check_final_state(records, workload)
    gateway.close()
    admin.close()
    engine.dispose()

    table = Table("Upserts by key", ["figure", "value"])
    table.add("upserts", upserts)
    table.add("distinct keys", len(workload.final))
    table.add(
        "creates / real changes / no-ops (workload)",
        f"{workload.creates} / {workload.changes} / {workload.noops}",
    )
    table.add(
        "created / updated / unchanged (results)",
        f"{actions['created']} / {actions['updated']} / {actions['unchanged']}",
    )
    table.add("Notion requests (answered)", requests)
    table.add("429 answers", limited)
    table.add("physical minimum (creates + changes)", minimum)
    table.add("requests per upsert", round(requests / upserts, 3))
    table.add("minimum per upsert", round(minimum / upserts, 3))
    table.add("drain time (s)", round(drained, 2))
    table.add("requests ÷ 3 (s)", round(ideal, 2))
    table.add("drain ratio", round(drained / ideal, 3) if ideal else None)
    table.add("pages with wrong final values", wrong)
    report.tables.append(table)
    report.targets.append(
        Target("requests per upsert", requests / upserts, 1.1, "req", applies=full)
    )
    report.targets.append(
        Target(
            "drain time ÷ (requests ÷ 3)", drained / ideal if ideal else 0, 1.05, "×", applies=full
        )
    )
    report.targets.append(Target("pages with wrong final values", wrong, 0, "pages"))
    report.data.update(
        {
            "requests": requests,
            "rate_limited": limited,
            "minimum": minimum,
            "drain_s": drained,
            "by_route": stats["by_route"],
        }
    )


def _check_final_state(records: Records, workload: Workload) -> int:
    """Pages whose values differ from the last upsert of their key (and pages too many)."""
    found = {c.email: c for c in records.all(BenchCustomer)}
    wrong = abs(len(found) - len(workload.final))
    for email, expected in workload.final.items():
        got = found.get(email)
        if got is None or got.model_dump(exclude={"page_id"}) != expected.model_dump(
            exclude={"page_id"}
        ):
            wrong += 1
    return wrong
