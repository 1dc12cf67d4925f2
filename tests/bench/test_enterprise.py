"""The enterprise benchmark: its fleet is deterministic and raises no alert between incidents; a
small day (5 agents, 2 simulated hours) runs end to end, stays within Notion's budget, and every
incident's alert reaches Notion (read back here, apart from the bench's own reading). No wall
timing is checked: the figures depend on the machine."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from bench.__main__ import BENCHMARKS
from bench.coaching import data_source
from bench.enterprise import NAME, _next_hour, report_of, simulate
from bench.enterprise_fleet import CHANGE, CPU, KINDS, PERFORMANCE, SILENT, build_fleet
from bench.enterprise_report import BUDGET_PER_HOUR, GOAL_PER_HOUR, Sizes
from bench.localnotion import notion_client, running_server
from bench.report import write_report

AGENTS, HOURS = 5, 2
SLOTS = HOURS * 120  # beat times per agent


def beats_of(seed: int, agents: int, hours: int) -> list[tuple[str, float, Any]]:
    fleet, _ = build_fleet(agents, hours, seed)
    return [
        (agent.name, offset, agent.beat(offset))
        for slot in range(hours * 120)
        for agent in fleet
        for offset in [slot * 30.0 + agent.phase]
    ]


def test_the_same_seed_gives_the_same_fleet() -> None:
    assert beats_of(3, 4, 1) == beats_of(3, 4, 1)
    assert beats_of(3, 4, 1) != beats_of(4, 4, 1)


def test_only_incidents_cross_the_thresholds() -> None:
    """Performance < 0.8 and CPU > 0.9 only inside their incidents; silence only in its own."""
    fleet, incidents = build_fleet(10, 24, 11)
    assert {incident.kind for incident in incidents} == set(KINDS)
    for agent in fleet:
        for slot in range(24 * 120):
            offset = slot * 30.0 + agent.phase
            beat = agent.beat(offset)
            now = {i.kind for i in agent.incidents if i.covers(offset)}
            assert (beat is None) == (SILENT in now), (agent.name, offset)
            if beat is None:
                continue
            assert beat.performance is not None and beat.cpu is not None
            assert beat.memory is not None and beat.memory <= 0.9
            assert (beat.performance < 0.8) == (PERFORMANCE in now), (agent.name, offset)
            assert (beat.cpu > 0.9) == (CPU in now), (agent.name, offset)
            assert (beat.status == "Idle") == (CHANGE in now)


def test_a_full_day_has_a_few_incidents_each_ending_before_the_day() -> None:
    _, incidents = build_fleet(50, 24, 11)
    kinds = [incident.kind for incident in incidents]
    assert (kinds.count(PERFORMANCE), kinds.count(CPU)) == (6, 6)
    assert (kinds.count(SILENT), kinds.count(CHANGE)) == (1, 1)
    assert all(i.start + i.seconds <= 24 * 3600 - 600 for i in incidents)


# -- a small day, end to end ----------------------------------------------------------------


@dataclass
class SmallDay:
    report: dict[str, Any]
    alerts: list[dict[str, Any]]  # the Alerts rows, as this test reads them in Notion


def text(page: dict[str, Any], name: str) -> str | None:
    prop = page["properties"][name]
    if prop["type"] == "select":
        return prop["select"]["name"] if prop["select"] else None
    return "".join(part["plain_text"] for part in prop[prop["type"]])


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> SmallDay:
    root = tmp_path_factory.mktemp("enterprise")
    start = _next_hour(datetime.now(UTC))
    with running_server(root / "notion") as server:
        day = simulate(Sizes(AGENTS, HOURS, full=False), start, root / "hub", server.base_url)
        with notion_client(server.base_url) as notion:
            found: Any = notion.data_sources.query(data_source(notion, "Alerts"), page_size=100)
    alerts = [
        {name: text(page, name) for name in ("Check Name", "Alert Type", "Status")}
        for page in found["results"]
    ]
    path = write_report(report_of(day), root / "results")
    return SmallDay(json.loads(Path(path).read_text()), alerts)


def test_the_report_has_every_figure(small: SmallDay) -> None:
    report = small.report
    assert NAME in BENCHMARKS and report["benchmark"] == NAME
    assert (report["parameters"]["agents"], report["parameters"]["hours"]) == (AGENTS, HOURS)
    for table in report["tables"]:
        assert table["rows"] and all(len(row) == len(table["columns"]) for row in table["rows"])
    data = report["data"]
    figures = [
        data["requests_per_hour"]["max"],
        data["requests_per_hour"]["mean"],
        data["requests_per_agent_hour"]["max"],
        data["requests_per_agent_hour"]["mean"],
        data["budget_share"]["max"],
        data["alert_latency_s"]["max"],
        data["alert_latency_s"]["mean"],
        data["silent_alert_latency_s"]["max"],
        data["time"]["day_s"],
        data["time"]["heartbeats_per_s"],
    ]
    assert all(isinstance(f, int | float) and math.isfinite(f) and f > 0 for f in figures)
    # Every agent beat at each of its 240 times but the silent one's 10 (5 minutes).
    assert data["time"]["heartbeats"] == AGENTS * SLOTS - 10
    assert data["time"]["collector_ticks"] == SLOTS


def test_requests_per_hour_stay_within_the_budget(small: SmallDay) -> None:
    data = small.report["data"]
    hours = data["hours"]
    assert len(hours) == HOURS
    for hour in hours:
        assert 0 < hour["requests"] <= GOAL_PER_HOUR < BUDGET_PER_HOUR
        assert sum(hour["by_route"].values()) == hour["requests"]
    totals = [hour["requests"] for hour in hours]
    assert data["requests_per_hour"]["max"] == max(totals)
    assert data["requests_per_hour"]["mean"] == pytest.approx(sum(totals) / HOURS)
    assert data["requests_per_agent_hour"]["max"] == pytest.approx(max(totals) / AGENTS)
    assert data["budget_share"]["max"] == pytest.approx(max(totals) / BUDGET_PER_HOUR)
    # Each hour writes its System Metrics rows, one per agent.
    assert all(hour["by_route"].get("POST /v1/pages", 0) >= AGENTS for hour in hours)
    targets = {target["name"]: target for target in small.report["targets"]}
    assert targets["Notion requests in the busiest simulated hour"]["met"] is None  # small run


def test_every_incident_produced_its_alert(small: SmallDay) -> None:
    data = small.report["data"]
    expected = data["expectations"]
    assert expected and all(e["latency_s"] is not None for e in expected), expected
    opened = {e["check"]: e["latency_s"] for e in expected if e["what"] == "alert opened"}
    assert set(opened) == {"performance:agent-01", "resources:agent-02", "heartbeat:agent-03"}
    # Simulated seconds, not the machine's: at most one collector tick after the heartbeat;
    # for the silent agent, the first tick past the 120 s timeout.
    assert 0 < opened["performance:agent-01"] <= 30 and 0 < opened["resources:agent-02"] <= 30
    assert 120 < opened["heartbeat:agent-03"] <= 150
    resolved = [e for e in expected if e["what"] == "alert resolved"]
    assert sorted(e["check"] for e in resolved) == sorted(opened)
    assert data["alerts_in_hub"] == 3
    targets = {target["name"]: target for target in small.report["targets"]}
    for name in ("expected rows never seen in Notion", "Alerts rows no incident called for"):
        assert targets[name]["measured"] == 0 and targets[name]["met"] is True, name


def test_the_alerts_are_in_notion(small: SmallDay) -> None:
    """Read by this test, not by the bench: one row per incident, each resolved."""
    found = {row["Check Name"]: (row["Alert Type"], row["Status"]) for row in small.alerts}
    assert len(small.alerts) == 3
    assert found == {
        "heartbeat:agent-03": ("Agent Unresponsive", "Resolved"),
        "performance:agent-01": ("Performance", "Resolved"),
        "resources:agent-02": ("Resources", "Resolved"),
    }


def test_pages_and_hourly_metrics_are_what_the_fleet_did(small: SmallDay) -> None:
    rows = small.report["data"]["rows"]
    assert rows["agent_pages"] == AGENTS and rows["agent_pages_wrong"] == []
    assert rows["metrics_rows"] == AGENTS * HOURS
    assert rows["metrics_heartbeats"] == rows["heartbeats_sent"] == AGENTS * SLOTS - 10
    assert rows["metrics_keys_repeated"] == 0
    assert rows["alerts"] == 3 and rows["alerts_unexpected"] == [] and rows["alerts_open"] == 0
