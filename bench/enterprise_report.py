"""What one simulated day of ``bench/enterprise.py`` measured, and its report: requests per
simulated hour against Notion's budget, by route and by hour; each incident's rows and how soon
Notion showed them; what was read back after the day; and the time it all took."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench.enterprise_fleet import CPU, KINDS, PERFORMANCE, SILENT, Incident
from bench.enterprise_watch import Expectation
from bench.report import Report, Table, Target
from notionhub.packs.enterprise.settings import EnterpriseSettings

BUDGET_PER_HOUR = 3 * 3600  # Notion's 3 requests/s
GOAL_PER_HOUR = BUDGET_PER_HOUR // 2
HOW = "record_heartbeat in process (simulated clock), not the HTTP route"


@dataclass(frozen=True)
class Sizes:
    agents: int
    hours: int
    full: bool  # the size the goal is stated for


@dataclass
class DayRun:
    """What one simulated day measured."""

    sizes: Sizes
    start: float
    incidents: list[Incident]
    hourly: list[Counter[str]] = field(default_factory=list)  # hub requests by route, per hour
    refused: int = 0  # requests the server answered with an error
    beats: int = 0
    beat_seconds: float = 0.0  # in record_heartbeat
    tick_seconds: list[float] = field(default_factory=list)  # each run of the collector
    read_seconds: float = 0.0  # the bench's reads of pending rows
    setup_seconds: float = 0.0
    day_seconds: float = 0.0
    expected: list[Expectation] = field(default_factory=list)
    hub_alerts: int = 0  # alerts opened in the hub database
    rows: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Figures:
    """The day's headline figures, computed once for the tables, targets and JSON."""

    totals: list[int]  # requests per simulated hour
    routes: Counter[str]  # requests by route, whole day
    from_beats: list[float]  # heartbeat → Alerts row (performance and CPU incidents)
    silent: list[float]  # the silent agent's last heartbeat → its Alerts row
    resolved: list[float]  # heartbeat back to normal → the row Resolved
    pages: list[float]  # heartbeat → the agent page showing the change
    missing: int  # expected rows never seen

    @classmethod
    def of(cls, day: DayRun) -> Figures:
        return cls(
            totals=[sum(hour.values()) for hour in day.hourly],
            routes=sum(day.hourly, Counter()),
            from_beats=_latencies(day, "alert opened", (PERFORMANCE, CPU)),
            silent=_latencies(day, "alert opened", (SILENT,)),
            resolved=_latencies(day, "alert resolved", (PERFORMANCE, CPU, SILENT)),
            pages=_latencies(day, "page", KINDS),
            missing=sum(e.seen_at is None for e in day.expected),
        )

    @property
    def peak(self) -> int:
        return max(self.totals)

    @property
    def mean(self) -> float:
        return _mean([float(t) for t in self.totals])

    @property
    def steady(self) -> float:
        """The mean hour after the first (which creates every agent's page)."""
        return _mean([float(t) for t in self.totals[1:]])


def describe(report: Report, day: DayRun) -> None:
    """Fill ``report`` with the day's tables, targets, notes and data."""
    figures = Figures.of(day)
    report.tables += [
        _per_hour(day, figures),
        _by_route(figures),
        _each_hour(day),
        _incidents(day),
        _alerts(day, figures),
        _read_back(day),
        _time(day),
    ]
    report.targets += _targets(day, figures)
    report.notes += NOTES
    report.data = _data(day, figures)


NOTES = [
    f"Heartbeats: {HOW}; the collector: the pack's _collect (its fleet job) every 30 simulated"
    " seconds, with the simulated clock. Each hour is counted up to and with its last tick, the"
    " one that writes its System Metrics rows.",
    "Only the fleet's job runs: the pack's health checks (one request per database, 8 a minute:"
    " 480 an hour) and audit copy are not part of these counts.",
    "The bench's own reads of Notion (rows still expected, after a tick) are left out of the"
    " counts. A row is seen at the tick that wrote it: a latency is that tick's time less the"
    " heartbeat's.",
    "The index syncs (one query per database every 5 simulated minutes) find nothing: the local"
    " Notion's clock is real time, behind the simulated one. A real hub's sync reads its own"
    " writes of the last 7 minutes back: under 100 pages for 50 agents, one request as here.",
]


def _per_hour(day: DayRun, figures: Figures) -> Table:
    agents = day.sizes.agents
    table = Table(
        "Notion requests per simulated hour (counted by the local Notion server)",
        ["figure", "requests", "per agent", f"% of {BUDGET_PER_HOUR:,} (3/s)"],
    )
    for label, value in (
        ("busiest hour", float(figures.peak)),
        ("mean hour", figures.mean),
        ("first hour (every agent page created)", float(figures.totals[0])),
        ("mean of the hours after the first", figures.steady),
        ("quietest hour", float(min(figures.totals))),
    ):
        share = round(100 * value / BUDGET_PER_HOUR, 2)
        table.add(label, round(value, 1), round(value / agents, 2), share)
    table.add("goal: at most half of Notion's budget", GOAL_PER_HOUR, None, 50.0)
    return table


def _by_route(figures: Figures) -> Table:
    table = Table("Requests by route, whole day", ["route", "requests", "per hour", "share"])
    whole = max(1, sum(figures.totals))
    for route, number in figures.routes.most_common():
        per_hour = round(number / len(figures.totals), 1)
        table.add(route, number, per_hour, f"{100 * number / whole:.1f} %")
    return table


def _each_hour(day: DayRun) -> Table:
    table = Table(
        "Each simulated hour",
        ["hour", "requests", "page creates", "page updates", "queries", "other"],
    )
    for number, hour in enumerate(day.hourly):
        creates = hour["POST /v1/pages"]
        updates = hour["PATCH /v1/pages/{page_id}"]
        queries = hour["POST /v1/data_sources/{data_source_id}/query"]
        at = datetime.fromtimestamp(day.start + number * 3600, UTC)
        total = sum(hour.values())
        other = total - creates - updates - queries
        table.add(f"{number + 1:2d} ({at:%H}:00)", total, creates, updates, queries, other)
    return table


def _incidents(day: DayRun) -> Table:
    table = Table(
        "Incidents, and when Notion showed them (simulated s after the heartbeat that caused"
        " it; silent agent: after its last heartbeat)",
        ["incident", "row", "status", "latency (s)"],
    )
    for e in day.expected:
        row = e.check or f"page {e.incident.agent}"
        status = e.status + (f", {e.agent_type}" if e.agent_type else "")
        latency = None if e.latency is None else round(e.latency, 1)
        table.add(e.incident.label, f"{e.what}: {row}", status or "Open", latency)
    return table


def _alerts(day: DayRun, figures: Figures) -> Table:
    rows = day.rows
    table = Table("Alerts and changes", ["figure", "value"])
    kinds = Counter(incident.kind for incident in day.incidents)
    table.add("incidents", ", ".join(f"{kind} {kinds[kind]}" for kind in KINDS))
    table.add("alerts opened in the hub / rows in Notion", f"{day.hub_alerts} / {rows['alerts']}")
    table.add("alerts expected / seen in Notion", _seen(day, "alert opened"))
    table.add("  heartbeat → Alerts row: max / mean (s)", _max_mean(figures.from_beats))
    table.add("  silent agent, last heartbeat → Alerts row (s)", _max_mean(figures.silent))
    table.add("resolutions expected / seen", _seen(day, "alert resolved"))
    table.add("  heartbeat → Resolved in Notion: max / mean (s)", _max_mean(figures.resolved))
    table.add("agent page changes expected / seen", _seen(day, "page"))
    table.add("  heartbeat → page shows it: max / mean (s)", _max_mean(figures.pages))
    table.add("Alerts rows no incident called for", len(rows["alerts_unexpected"]))
    table.add("Alerts rows still Open after the day", rows["alerts_open"])
    return table


def _read_back(day: DayRun) -> Table:
    rows, agents = day.rows, day.sizes.agents
    table = Table("Read back from Notion after the day", ["rows", "expected", "found"])
    table.add("AI Agent Management pages", agents, rows["agent_pages"])
    table.add("  not Active with their last type", 0, len(rows["agent_pages_wrong"]))
    table.add("System Metrics rows (agent × hour)", agents * day.sizes.hours, rows["metrics_rows"])
    table.add("  sum of their Heartbeats", day.beats, rows["metrics_heartbeats"])
    table.add("  rows sharing a Sample", 0, rows["metrics_keys_repeated"])
    table.add("requests answered with an error", 0, day.refused)
    return table


def _time(day: DayRun) -> Table:
    ticks = sorted(day.tick_seconds)
    table = Table("Time (wall clock; 2 cores shared with the Notion server)", ["figure", "value"])
    table.add("setup: tables, 8 databases (s)", round(day.setup_seconds, 1))
    table.add("the simulated day (s)", round(day.day_seconds, 1))
    table.add("  simulated seconds per second", round(day.sizes.hours * 3600 / day.day_seconds))
    table.add("heartbeats", day.beats)
    table.add("  per second, whole day", round(day.beats / day.day_seconds, 1))
    table.add("  per second in record_heartbeat", round(day.beats / day.beat_seconds, 1))
    table.add("  record_heartbeat, mean (ms)", round(1000 * day.beat_seconds / day.beats, 2))
    table.add("collector ticks", len(ticks))
    p99 = ticks[max(0, math.ceil(0.99 * len(ticks)) - 1)]
    table.add(
        "  mean / p99 / max (ms)",
        f"{1000 * _mean(ticks):.1f} / {1000 * p99:.1f} / {1000 * ticks[-1]:.1f}",
    )
    table.add("the bench's reads of expected rows (s)", round(day.read_seconds, 1))
    return table


def _targets(day: DayRun, figures: Figures) -> list[Target]:
    rows = day.rows
    timeout = EnterpriseSettings.model_construct().heartbeat_timeout_seconds
    metrics_off = abs(rows["metrics_rows"] - day.sizes.agents * day.sizes.hours) + abs(
        rows["metrics_heartbeats"] - day.beats
    )
    return [
        Target(
            "Notion requests in the busiest simulated hour",
            float(figures.peak),
            GOAL_PER_HOUR,
            "req",
            applies=day.sizes.full,
        ),
        Target("expected rows never seen in Notion", figures.missing, 0, "rows"),
        Target("Alerts rows no incident called for", len(rows["alerts_unexpected"]), 0, "rows"),
        Target("heartbeat → Alerts row, max", max(figures.from_beats, default=math.inf), 30, "s"),
        Target(
            "silent agent: last heartbeat → Alerts row",
            max(figures.silent, default=math.inf),
            timeout + 30,
            "s",
        ),
        Target("System Metrics rows or heartbeats not as sent", metrics_off, 0, ""),
    ]


def _data(day: DayRun, figures: Figures) -> dict[str, Any]:
    agents, peak, mean = day.sizes.agents, figures.peak, figures.mean
    return {
        "hours": [
            {"hour": n + 1, "requests": total, "by_route": dict(hour)}
            for n, (total, hour) in enumerate(zip(figures.totals, day.hourly, strict=True))
        ],
        "requests_per_hour": {"max": peak, "mean": mean, "steady_mean": figures.steady},
        "requests_per_agent_hour": {"max": peak / agents, "mean": mean / agents},
        "budget_share": {"max": peak / BUDGET_PER_HOUR, "mean": mean / BUDGET_PER_HOUR},
        "by_route": dict(figures.routes),
        "alert_latency_s": _summary(figures.from_beats),
        "silent_alert_latency_s": _summary(figures.silent),
        "resolution_latency_s": _summary(figures.resolved),
        "page_latency_s": _summary(figures.pages),
        "alerts_in_hub": day.hub_alerts,
        "expectations": [e.to_json() for e in day.expected],
        "incidents": [vars(incident) for incident in day.incidents],
        "rows": day.rows,
        "time": {
            "setup_s": day.setup_seconds,
            "day_s": day.day_seconds,
            "heartbeats": day.beats,
            "heartbeats_per_s": day.beats / day.day_seconds,
            "record_heartbeat_per_s": day.beats / day.beat_seconds,
            "collector_ticks": len(day.tick_seconds),
            "tick_mean_s": _mean(day.tick_seconds),
            "tick_max_s": max(day.tick_seconds),
            "bench_reads_s": day.read_seconds,
        },
    }


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else math.nan


def _latencies(day: DayRun, what: str, kinds: tuple[str, ...]) -> list[float]:
    return [
        e.latency
        for e in day.expected
        if e.what == what and e.incident.kind in kinds and e.latency is not None
    ]


def _seen(day: DayRun, what: str) -> str:
    chosen = [e for e in day.expected if e.what == what]
    return f"{len(chosen)} / {sum(e.seen_at is not None for e in chosen)}"


def _max_mean(values: list[float]) -> str:
    return f"{max(values):.1f} / {_mean(values):.1f}" if values else "–"


def _summary(values: list[float]) -> dict[str, float | int | None]:
    return {
        "count": len(values),
        "max": max(values) if values else None,
        "mean": _mean(values) if values else None,
    }
