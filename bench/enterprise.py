"""Enterprise benchmark: a fleet of AI agents heart-beating for a simulated day, and what the
enterprise pack spends of Notion's budget on it.

50 agents (``bench/enterprise_fleet.py``: seeded random walks, a few incidents) beat every 30
simulated seconds for 24 simulated hours (2,880 beats each) against a fresh
``notionhub notion-server`` in its own process, over HTTP. The pack's real code runs in this
process on a simulated clock:

- each heartbeat goes through ``record_heartbeat`` (what ``POST /api/agents/{name}/heartbeat``
  calls, with the clock's now), one transaction in the hub's SQLite database;
- every 30 simulated seconds the fleet's scheduled job runs: the pack's ``_collect`` (agent
  pages, closed hours, alerts, silent agents; then sales and outbox, idle here) with a flow
  context whose clock is the simulated one.

The hub's budget is not the limit here (only the count matters); the local server counts every
request by route, read at each simulated hour's last tick. Measured: Notion requests per
simulated hour (max, mean) against Notion's 3 requests/s = 10,800 an hour (goal ≤ 50 %), per
agent; alert latency: simulated seconds from the heartbeat that called for an alert (for the
silent agent, its last heartbeat) to the simulated time of the tick after which the bench reads
the row in the Alerts database; the same for resolutions and for the agent pages that show a
change. Those reads are the bench's, and left out of the counts. After the day: every Alerts
row, agent page and System Metrics row is read back and checked against what the fleet did.

``python -m bench enterprise`` runs the full day (``--quick``: 5 agents, 2 hours; ``--pages N``:
N agents); ``python -m bench.enterprise --agents N --hours H`` any size.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import structlog
from pydantic import SecretStr
from rich.console import Console
from sqlalchemy import Connection, func, select

from bench import BenchOptions
from bench.coaching import workspace_page
from bench.enterprise_fleet import BEAT_SECONDS, CHANGE, SimulatedAgent, build_fleet
from bench.enterprise_report import HOW, DayRun, Sizes, describe
from bench.enterprise_watch import RequestCounter, Watch
from bench.localnotion import TOKEN, notion_client, running_server
from bench.report import RESULTS_DIR, Report, print_report, write_report
from notionhub.clock import epoch_seconds
from notionhub.hubdb.pack_tables import migrate_pack_tables
from notionhub.logging_setup import configure_logging
from notionhub.notion.connection import NotionConnection, open_notion
from notionhub.notion.provision import Provisioner
from notionhub.packs.enterprise import PACK, _collect
from notionhub.packs.enterprise.fleet import record_heartbeat
from notionhub.packs.enterprise.models import AgentRecord, AlertRecord, SystemMetric
from notionhub.packs.enterprise.settings import EnterpriseSettings
from notionhub.packs.enterprise.tables import enterprise_alerts
from notionhub.packs.pack import FlowContext
from notionhub.settings import Settings

NAME = "enterprise"
SEED = 11
FULL_AGENTS, FULL_HOURS = 50, 24
QUICK_AGENTS, QUICK_HOURS = 5, 2
HUB_RATE = 1000.0  # the hub's own budget: high, only the count of requests matters
TICKS_PER_HOUR = int(3600 / BEAT_SECONDS)


def sizes_for(options: BenchOptions) -> Sizes:
    if options.quick:
        return Sizes(options.pages or QUICK_AGENTS, QUICK_HOURS, full=False)
    return Sizes(options.pages or FULL_AGENTS, FULL_HOURS, full=options.pages is None)


class SimulatedClock:
    """The hub's clock during the run: it stands at the moment being simulated."""

    def __init__(self, at: float) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return datetime.fromtimestamp(self.at, UTC)


# -- the hub, in this process ----------------------------------------------------------------


@dataclass
class FleetHub:
    notion: NotionConnection
    context: FlowContext
    sources: dict[str, str]  # database name → data source id


@contextmanager
def fleet_hub(home: Path, base_url: str, parent: str, clock: SimulatedClock) -> Iterator[FleetHub]:
    """The enterprise pack's tables and databases, and the flow context its jobs get, as the
    hub's runtime builds them, on ``clock`` (no DBOS, no schedules: the bench runs the job)."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        notionhub_home=home,
        database_url=None,
        notion_token=SecretStr(TOKEN),
        notion_base_url=base_url,
        notion_parent_page_id=parent,
        notion_requests_per_second=HUB_RATE,
        notionhub_packs=PACK.name,
    )
    seconds = epoch_seconds(clock)
    notion = open_notion(settings, clock=seconds)
    try:
        if PACK.migrations is not None:
            migrate_pack_tables(notion.engine, PACK.name, PACK.migrations)
        provisioned = Provisioner(notion.gateway, notion.engine, {}, clock=seconds).run(
            list(PACK.models), parent
        )
        context = FlowContext(
            records=notion.records(settings.worker_id),
            gateway=notion.gateway,
            engine=notion.engine,
            settings=settings,
            now=clock,
            # The pack's defaults, whatever ENTERPRISE_* this shell has.
            pack_settings=EnterpriseSettings.model_construct(),
        )
        yield FleetHub(notion, context, provisioned.data_source_ids())
    finally:
        notion.close()


@contextmanager
def _quiet_logs() -> Iterator[None]:
    """The pack logs every alert at warning level: only errors while the day runs."""
    saved = structlog.get_config()
    configure_logging("error")
    try:
        yield
    finally:
        structlog.configure(**saved)


# -- the day ---------------------------------------------------------------------------------


def simulate(sizes: Sizes, start: float, home: Path, base_url: str) -> DayRun:
    """The fleet's day against the fresh local Notion server at ``base_url`` (its requests are
    counted from after the set-up on); the hub database under ``home``; ``start``: Unix
    seconds, on the hour."""
    agents, incidents = build_fleet(sizes.agents, sizes.hours, SEED)
    run = DayRun(sizes, start, incidents)
    clock = SimulatedClock(start)
    began = time.perf_counter()
    reader = notion_client(base_url)
    admin = httpx.Client(base_url=base_url, trust_env=False, timeout=30)
    try:
        with _quiet_logs(), fleet_hub(home, base_url, workspace_page(reader), clock) as hub:
            watch = Watch(reader, hub.sources)
            counter = RequestCounter(admin)
            admin.post("/_admin/reset-stats")
            run.setup_seconds = time.perf_counter() - began
            _day(run, hub.context, agents, clock, watch, counter)
            statuses = counter.snapshot()["by_status"]
            run.refused = sum(number for status, number in statuses.items() if status != "200")
            with hub.notion.engine.connect() as connection:
                run.hub_alerts = _count_alerts(connection)
            run.expected = watch.expected
            run.rows = _read_back(watch, agents, run.beats)
    finally:
        reader.close()
        admin.close()
    return run


def _day(
    run: DayRun,
    context: FlowContext,
    agents: list[SimulatedAgent],
    clock: SimulatedClock,
    watch: Watch,
    counter: RequestCounter,
) -> None:
    """Every half minute: each agent's beat at its phase, then the collector's tick."""
    settings = context.settings_of(EnterpriseSettings)
    previous: Counter[str] = Counter()
    began = time.perf_counter()
    for tick in range(1, run.sizes.hours * TICKS_PER_HOUR + 1):
        window = run.start + (tick - 1) * BEAT_SECONDS
        for agent in agents:
            at = window + agent.phase
            beat = agent.beat(at - run.start)
            watch.slot(agent, at, at - run.start, beat is not None)
            if beat is None:
                continue
            clock.at = at
            started = time.perf_counter()
            record_heartbeat(context.engine, settings, agent.name, beat, at)
            run.beat_seconds += time.perf_counter() - started
            run.beats += 1
        clock.at = run.start + tick * BEAT_SECONDS
        started = time.perf_counter()
        _collect(context)
        run.tick_seconds.append(time.perf_counter() - started)
        if watch.pending():
            started = time.perf_counter()
            with counter.bench_reads():
                watch.look(clock.at)
            run.read_seconds += time.perf_counter() - started
        if tick % TICKS_PER_HOUR == 0:  # the hour's last tick (it writes the hour's metrics)
            total = counter.hub()
            run.hourly.append(total - previous)
            previous = total
    run.day_seconds = time.perf_counter() - began


def _count_alerts(connection: Connection) -> int:
    return connection.execute(select(func.count()).select_from(enterprise_alerts)).scalar_one()


def _read_back(watch: Watch, agents: list[SimulatedAgent], beats: int) -> dict[str, Any]:
    """Every Alerts row, agent page and System Metrics row, checked against the day."""
    alerts = watch.rows(AlertRecord)
    pages = watch.rows(AgentRecord)
    metrics = watch.rows(SystemMetric)
    final_type = {
        agent.name: agent.changed_type if any(i.kind == CHANGE for i in agent.incidents)
        else agent.agent_type
        for agent in agents
    }  # fmt: skip
    wrong_pages = [
        page.name
        for page in pages
        if page.status != "Active" or page.agent_type != final_type.get(page.name)
    ]
    return {
        "alerts": len(alerts),
        "alerts_unexpected": sorted(
            row.alert for row in alerts if row.page_id not in watch.claimed
        ),
        "alerts_open": sum(row.status == "Open" for row in alerts),
        "alerts_by_type": dict(Counter(row.alert_type or "" for row in alerts)),
        "agent_pages": len(pages),
        "agent_pages_wrong": sorted(wrong_pages),
        "metrics_rows": len(metrics),
        "metrics_heartbeats": sum(row.heartbeats or 0 for row in metrics),
        "metrics_keys_repeated": len(metrics) - len({row.sample for row in metrics}),
        "heartbeats_sent": beats,
    }


# -- the report ------------------------------------------------------------------------------


def run(options: BenchOptions) -> Report:
    sizes = sizes_for(options)
    return measure(sizes, _next_hour(datetime.now(UTC)))


def _next_hour(now: datetime) -> float:
    """The day starts on the next hour of the wall clock, not on a fixed date: the local Notion
    stamps pages with real time, and the hub's index syncs ask for pages edited since a time of
    its (simulated) clock. A day in the past would have each sync read every page again."""
    return (now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)).timestamp()


def measure(sizes: Sizes, start: float) -> Report:
    """The day at ``sizes`` on a fresh local Notion server, starting at ``start`` (Unix
    seconds, on the hour)."""
    with tempfile.TemporaryDirectory(prefix="notionhub-bench-enterprise-") as folder:
        root = Path(folder)
        with running_server(root / "notion") as server:
            day = simulate(sizes, start, root / "hub", server.base_url)
    return report_of(day)


def report_of(day: DayRun) -> Report:
    report = Report(
        name=NAME,
        parameters={
            "agents": day.sizes.agents,
            "hours": day.sizes.hours,
            "seed": SEED,
            "heartbeats": HOW,
            "collector": "the pack's _collect every 30 simulated s",
            "settings": EnterpriseSettings.model_construct().model_dump(exclude={"notify_url"}),
            "hub_notion_budget": HUB_RATE,
        },
    )
    describe(report, day)
    return report


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.enterprise [--agents N] [--hours H]``: one run at any size."""
    parser = argparse.ArgumentParser(prog="python -m bench.enterprise", description=__doc__)
    parser.add_argument("--agents", type=int, default=FULL_AGENTS)
    parser.add_argument("--hours", type=int, default=FULL_HOURS)
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    if args.agents < 1 or args.hours < 1:
        parser.error("--agents and --hours should be at least 1")
    full = (args.agents, args.hours) == (FULL_AGENTS, FULL_HOURS)
    started = time.perf_counter()
    report = measure(Sizes(args.agents, args.hours, full), _next_hour(datetime.now(UTC)))
    report.duration_s = time.perf_counter() - started
    console = Console() if sys.stdout.isatty() else Console(width=160)
    print_report(report, console)
    console.print(f"[dim]wrote {write_report(report, args.results_dir)}[/dim]")
    return 0 if report.targets_met else 1


if __name__ == "__main__":
    sys.exit(main())
