"""The fleet end to end over HTTP: heartbeats, the collector's writes to AI Agent Management and
System Metrics, alerts opened and resolved, silent agents, and a person's Configuration and
Status reaching the agent (``GET /api/agents/{name}/config`` and the live stream)."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import select

from notionhub.packs.enterprise.alerts import Check, settle
from notionhub.packs.enterprise.live import last_seq
from notionhub.packs.enterprise.rows import iso
from notionhub.packs.enterprise.tables import enterprise_agents
from tests.packs.coaching.test_hub_end_to_end import eventually, plain
from tests.packs.enterprise.conftest import EnterpriseHub
from tests.web.test_database_unavailable import sqlite_locked


def agent_row(hub: EnterpriseHub, name: str) -> Any:
    with hub.context().engine.connect() as connection:
        return connection.execute(
            select(enterprise_agents).where(enterprise_agents.c.name == name)
        ).one()


def test_a_heartbeat_is_kept_at_once_and_listed_with_the_packs_agents(
    enterprise: EnterpriseHub,
) -> None:
    answer = enterprise.beat(
        "trader-1",
        status="Active",
        performance=0.93,
        cpu=0.41,
        memory=0.52,
        metrics={"trades": 12},
        agent_type="Trading Agent",
    )
    assert answer == {"agent": "trader-1", "status": "Active", "alerts": {}, "completed": []}
    listed = enterprise.client.get("/api/agents").json()["agents"]
    fleet = {a["name"]: a for a in listed if a["kind"] == "fleet"}
    assert fleet["trader-1"]["status"] == "Active"
    assert fleet["trader-1"]["last_heartbeat"] is not None
    assert fleet["trader-1"]["pack"] == "enterprise"
    assert {a["name"] for a in listed if a["kind"] == "pack"} >= {"fleet", "revenue"}


def test_the_collector_writes_an_agent_only_when_it_changed_enough(
    enterprise: EnterpriseHub,
) -> None:
    enterprise.beat("writer-1", status="Active", performance=0.90, agent_type="Resume Generator")
    enterprise.collect()
    page = enterprise.rows("AI Agent Management", "Agent Name")["writer-1"]
    assert plain(page, "Status") == "Active"
    assert plain(page, "Agent Type") == "Resume Generator"
    assert page["properties"]["Performance Score"]["number"] == 0.9
    assert json.loads(plain(page, "Configuration")) == {}
    first_write = agent_row(enterprise, "writer-1").written_at

    enterprise.beat("writer-1", status="Active", performance=0.92)  # under the 5-point step
    enterprise.collect()
    assert agent_row(enterprise, "writer-1").written_at == first_write
    assert (
        enterprise.rows("AI Agent Management", "Agent Name")["writer-1"]["properties"][
            "Performance Score"
        ]["number"]
        == 0.9
    )

    enterprise.beat("writer-1", status="Idle", performance=0.92)  # a status change is written
    enterprise.collect()
    page = enterprise.rows("AI Agent Management", "Agent Name")["writer-1"]
    assert plain(page, "Status") == "Idle"
    assert page["properties"]["Performance Score"]["number"] == 0.92


def test_low_performance_opens_an_alert_that_recovery_resolves(enterprise: EnterpriseHub) -> None:
    answer = enterprise.beat("learner-1", status="Active", performance=0.62, cpu=0.97)
    assert answer["alerts"] == {"performance:learner-1": "opened", "resources:learner-1": "opened"}
    opened = enterprise.client.get("/api/alerts", params={"open": "true"}).json()["alerts"]
    mine = {a["check"]: a for a in opened if a["check"].endswith("learner-1")}
    assert set(mine) == {"performance:learner-1", "resources:learner-1"}
    assert "62%" in mine["performance:learner-1"]["message"]
    assert mine["resources:learner-1"]["severity"] == "Warning"
    # Still low: the same alert stays open, no second one; CPU back to normal resolves its own.
    assert enterprise.beat("learner-1", status="Active", performance=0.7, cpu=0.5)["alerts"] == {
        "resources:learner-1": "resolved"
    }
    enterprise.collect()
    alerts = enterprise.rows("Alerts", "Check Name")
    assert plain(alerts["performance:learner-1"], "Status") == "Open"
    assert alerts["performance:learner-1"]["properties"]["Action Required"]["checkbox"] is True
    assert plain(alerts["resources:learner-1"], "Status") == "Resolved"

    # At the threshold, not past its margin (2 points): still the same open alert.
    assert enterprise.beat("learner-1", status="Active", performance=0.81)["alerts"] == {}
    assert enterprise.beat("learner-1", status="Active", performance=0.79)["alerts"] == {}
    assert enterprise.beat("learner-1", status="Active", performance=0.85)["alerts"] == {
        "performance:learner-1": "resolved"
    }
    enterprise.collect()
    alerts = enterprise.rows("Alerts", "Check Name")
    assert plain(alerts["performance:learner-1"], "Status") == "Resolved"
    assert alerts["performance:learner-1"]["properties"]["Action Required"]["checkbox"] is False
    still_open = enterprise.client.get("/api/alerts", params={"open": "true"}).json()["alerts"]
    assert not [a for a in still_open if a["check"].endswith("learner-1")]


def test_a_silent_agent_becomes_error_with_an_alert_and_comes_back(
    enterprise: EnterpriseHub,
) -> None:
    enterprise.beat("quiet-1", status="Active", performance=0.9)
    enterprise.collect()
    enterprise.clock.advance(600)  # ten minutes without a heartbeat (timeout: 2 minutes)
    enterprise.collect()
    assert plain(enterprise.rows("AI Agent Management", "Agent Name")["quiet-1"], "Status") == (
        "Error"
    )
    alert = enterprise.rows("Alerts", "Check Name")["heartbeat:quiet-1"]
    assert plain(alert, "Alert Type") == "Agent Unresponsive"
    assert plain(alert, "Status") == "Open"
    # Others that beat before the jump are silent too now: every one of them timed out once.
    assert enterprise.beat("quiet-1", status="Active")["alerts"] == {
        "heartbeat:quiet-1": "resolved"
    }
    enterprise.collect()
    assert plain(enterprise.rows("AI Agent Management", "Agent Name")["quiet-1"], "Status") == (
        "Active"
    )
    assert plain(enterprise.rows("Alerts", "Check Name")["heartbeat:quiet-1"], "Status") == (
        "Resolved"
    )


def test_a_persons_configuration_and_maintenance_reach_the_agent(
    enterprise: EnterpriseHub,
) -> None:
    enterprise.beat("orch-1", status="Active", performance=0.95, agent_type="Orchestrator")
    enterprise.collect()
    config = enterprise.client.get("/api/agents/orch-1/config").json()
    assert (config["status"], config["configuration"], config["version"]) == ("Active", {}, 0)
    last = max([0, *[e["seq"] for e in live_events(enterprise)]])

    page = enterprise.rows("AI Agent Management", "Agent Name")["orch-1"]
    enterprise.person.pages.update(
        page["id"],
        properties={
            "Configuration": {"rich_text": [{"text": {"content": '{"max_jobs": 4}'}}]},
            "Status": {"select": {"name": "Maintenance"}},
        },
    )
    config = eventually(
        lambda: (
            (c := enterprise.client.get("/api/agents/orch-1/config").json())["version"] == 1 and c
        )
    )
    assert config["configuration"] == {"max_jobs": 4}
    assert config["status"] == "Maintenance" and config["maintenance"] is True
    heard = [e for e in live_events(enterprise, after=last) if e["subject"] == "orch-1"]
    assert [e["kind"] for e in heard] == ["config_changed"]
    assert heard[0]["data"] == {"status": "Maintenance", "config_version": 1}

    # The agent keeps reporting Active: the person's Maintenance holds, in Notion too.
    assert enterprise.beat("orch-1", status="Active")["status"] == "Maintenance"
    enterprise.collect()
    page = enterprise.rows("AI Agent Management", "Agent Name")["orch-1"]
    assert plain(page, "Status") == "Maintenance"

    # Not JSON: the agent is told so, and keeps the text.
    enterprise.person.pages.update(
        page["id"],
        properties={"Configuration": {"rich_text": [{"text": {"content": "max_jobs=4"}}]}},
    )
    config = eventually(
        lambda: (
            (c := enterprise.client.get("/api/agents/orch-1/config").json())["version"] == 2 and c
        )
    )
    assert config["configuration"] is None
    assert "not JSON" in config["configuration_error"]


def test_unknown_agents_and_bad_heartbeats_are_refused_clearly(enterprise: EnterpriseHub) -> None:
    missing = enterprise.client.get("/api/agents/nobody/config")
    assert missing.status_code == 404 and "first heartbeat" in missing.text
    for body in (
        {"status": "sleeping"},
        {"status": "active", "performance": 93},
        {"status": "active", "agent_type": "Janitor"},
        {"status": "active", "surprise": 1},
    ):
        answer = enterprise.client.post("/api/agents/a-1/heartbeat", json=body)
        assert answer.status_code == 422, (body, answer.text)
    bad_name = enterprise.client.post("/api/agents/a,b/heartbeat", json={"status": "idle"})
    assert bad_name.status_code == 422


def live_events(hub: EnterpriseHub, *, after: int = 0) -> list[dict[str, Any]]:
    """The live stream's events after ``after``, up to the last one there is now."""
    target = last_seq(hub.context().engine)
    heard: list[dict[str, Any]] = []
    if target <= after:
        return heard
    with hub.client.stream(
        "GET",
        "/api/enterprise/stream",
        params={"after": after},
        headers={"Accept": "text/event-stream"},
        timeout=30,
    ) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/event-stream")
        for line in answer.iter_lines():
            if line.startswith("data: "):
                heard.append(json.loads(line.removeprefix("data: ")))
                if heard[-1]["seq"] >= target:
                    break
    return heard


def test_a_heartbeat_on_a_locked_database_is_refused_with_503_and_the_next_kept(
    enterprise: EnterpriseHub,
) -> None:
    home = enterprise.runtime.settings.notionhub_home
    with sqlite_locked(home / "hub.sqlite3"):
        refused = enterprise.client.post("/api/agents/locked-1/heartbeat", json={"status": "idle"})
    assert refused.status_code == 503, refused.text
    assert refused.headers["Retry-After"] == "5"
    assert "send the next one" in refused.json()["message"]
    assert enterprise.client.get("/api/agents/locked-1/config").status_code == 404
    assert enterprise.beat("locked-1", status="Idle")["status"] == "Idle"


def test_the_consoles_agents_page_shows_the_fleet(enterprise: EnterpriseHub) -> None:
    enterprise.beat("console-1", status="Active", performance=0.875, cpu=0.5, memory=0.25)
    page = enterprise.client.get("/console/agents")
    assert page.status_code == 200
    row = re.search(
        r'<tr data-testid="fleet-row" data-agent="console-1">(.*?)</tr>', page.text, re.S
    )
    assert row is not None, page.text
    cells = [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row.group(1), re.S)
    ]
    assert cells[0] == "console-1" and cells[1] == "enterprise" and cells[3] == "Active"
    assert cells[5:8] == ["88 %", "50 %", "25 %"]


def test_an_agent_reporting_error_raises_an_alert_and_its_silence_another(
    enterprise: EnterpriseHub,
) -> None:
    assert enterprise.beat("broken-1", status="error", performance=0.9)["alerts"] == {
        "error:broken-1": "opened"
    }
    enterprise.clock.advance(600)  # and then nothing for ten minutes
    enterprise.collect()
    alerts = enterprise.rows("Alerts", "Check Name")
    assert plain(alerts["error:broken-1"], "Status") == "Open"
    assert plain(alerts["heartbeat:broken-1"], "Alert Type") == "Agent Unresponsive"
    assert enterprise.beat("broken-1", status="active")["alerts"] == {
        "heartbeat:broken-1": "resolved",
        "error:broken-1": "resolved",
    }


def test_hourly_metrics_average_only_the_heartbeats_that_carried_each_figure(
    enterprise: EnterpriseHub,
) -> None:
    enterprise.beat("partial-1", status="Active", performance=0.9, cpu=0.4, memory=0.6)
    enterprise.beat("partial-1", status="Active")  # figures are optional
    enterprise.clock.advance(3600)  # the hour is over
    enterprise.beat("partial-1", status="Active")
    enterprise.collect()
    [row] = [
        page
        for key, page in enterprise.rows("System Metrics", "Sample").items()
        if key.startswith("partial-1 ")
    ]
    figures = {
        name: row["properties"][name]["number"]
        for name in ("Performance", "CPU Usage", "Memory Usage", "Heartbeats")
    }
    assert figures == {"Performance": 0.9, "CPU Usage": 0.4, "Memory Usage": 0.6, "Heartbeats": 2}


def test_an_alert_opened_again_within_the_same_second_is_a_new_alert(
    enterprise: EnterpriseHub,
) -> None:
    now = enterprise.clock().timestamp()
    failing = Check("error:flappy-1", ok=False, message="flappy-1 reports the status Error.")
    with enterprise.context().engine.begin() as connection:
        for _ in range(3):  # open, resolve, open, resolve…: all at the same instant
            assert settle(connection, now, failing) == "opened"
            assert settle(connection, now, Check("error:flappy-1", ok=True)) == "resolved"
    found = [
        a["alert"]
        for a in enterprise.client.get("/api/alerts").json()["alerts"]
        if a["check"] == "error:flappy-1"
    ]
    base = f"error:flappy-1 {iso(now)}"
    assert sorted(found) == [base, f"{base} #2", f"{base} #3"]
