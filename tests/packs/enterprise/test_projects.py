"""The project pipeline, both ways: a project posted to the API gets agents from its type and
requirements; a person moving it in Notion runs the stage's actions once (a replayed or
redelivered change acts no more), the hub's own writes never come back as changes, and a
project a person adds in Notion gets its agents."""

from __future__ import annotations

from typing import Any

from tests.packs.coaching.test_hub_end_to_end import eventually, plain
from tests.packs.enterprise.conftest import EnterpriseHub

ALPHA = {
    "name": "Alpha",
    "client": "Acme Capital",
    "project_type": "Trading System",
    "priority": "High",
    "budget": 25000,
    "start": "2026-11-20",
    "days": 40,
    "requirements": "A signals dashboard, with resume screening for hires.",
}


def agents_of(page: dict[str, Any]) -> list[str]:
    return [option["name"] for option in page["properties"]["Assigned Agents"]["multi_select"]]


def project(hub: EnterpriseHub, name: str) -> dict[str, Any] | None:
    return hub.rows("AI Project Pipeline", "Project Name").get(name)


def assignments(hub: EnterpriseHub, agent: str) -> list[str]:
    config = hub.client.get(f"/api/agents/{agent}/config").json()
    return [a["id"] for a in config["assignments"] if a["kind"] == "project"]


def _about(data: dict[str, Any], page_id: str) -> bool:
    entity = data.get("entity")
    return isinstance(entity, dict) and entity.get("id") == page_id


def notion_events_about(hub: EnterpriseHub, page_id: str) -> list[str]:
    store = hub.runtime.store
    assert store is not None
    return [
        e.type
        for e in store.recent(limit=500)
        if e.provider == "notion" and _about(e.data, page_id)
    ]


def test_a_posted_project_gets_agents_and_a_stage_moved_in_notion_acts_once(
    enterprise: EnterpriseHub,
) -> None:
    enterprise.beat("build-trader", status="Active", agent_type="Trading Agent")
    enterprise.beat("build-orch", status="Active", agent_type="Orchestrator")
    answer = enterprise.client.post("/api/projects", json=ALPHA)
    assert answer.status_code == 202, answer.text
    assert answer.json()["duplicate"] is False
    again = enterprise.client.post("/api/projects", json=ALPHA)
    assert again.json() == {**answer.json(), "duplicate": True}

    page = eventually(lambda: project(enterprise, "Alpha"))
    assert set(agents_of(page)) == {"build-trader", "build-orch"}
    assert plain(page, "Stage") == "Discovery"
    assert plain(page, "Priority") == "High"
    assert "no Resume Generator available" in plain(page, "Last Action")
    timeline = page["properties"]["Timeline"]["date"]
    assert (timeline["start"], timeline["end"]) == ("2026-11-20", "2026-12-30")

    enterprise.person.pages.update(
        page["id"], properties={"Stage": {"select": {"name": "Development"}}}
    )
    wanted = ["project:Alpha:Development:build-trader"]
    assert eventually(lambda: assignments(enterprise, "build-trader") == wanted)
    assert assignments(enterprise, "build-orch") == ["project:Alpha:Development:build-orch"]
    page = eventually(
        lambda: (
            (p := project(enterprise, "Alpha")) and "told to start" in plain(p, "Last Action") and p
        )
    )
    assert "Development: build-trader, build-orch told to start development" in plain(
        page, "Last Action"
    )
    assert eventually(enterprise.settled)

    # The change, replayed: nothing new is handed out.
    [change] = [
        e
        for e in enterprise.runtime.store.recent(limit=500)  # type: ignore[union-attr]
        if e.provider == "notion"
        and e.type == "page.properties_updated"
        and _about(e.data, page["id"])
    ]
    replayed = enterprise.client.post(f"/api/events/{change.id}/replay")
    assert replayed.status_code == 202, replayed.text
    assert eventually(enterprise.settled)
    assert assignments(enterprise, "build-trader") == wanted
    # The hub's own writes (Last Action, Assigned Agents) never came back as changes: the one
    # Notion event about the page is the person's.
    assert notion_events_about(enterprise, page["id"]) == ["page.properties_updated"]

    # Agents reassigned by a person: the newcomer gets the stage's work.
    enterprise.beat("build-helper", status="Idle", agent_type="Orchestrator")
    enterprise.person.pages.update(
        page["id"],
        properties={
            "Assigned Agents": {
                "multi_select": [{"name": "build-trader"}, {"name": "build-helper"}]
            }
        },
    )
    assert eventually(
        lambda: (
            assignments(enterprise, "build-helper") == ["project:Alpha:Development:build-helper"]
        )
    )
    assert assignments(enterprise, "build-trader") == wanted


def test_a_project_a_person_adds_in_notion_gets_its_agents(enterprise: EnterpriseHub) -> None:
    enterprise.beat("auto-orch", status="Active", agent_type="Orchestrator")
    created = enterprise.person.pages.create(
        parent={"data_source_id": enterprise.source("AI Project Pipeline")},
        properties={
            "Project Name": {"title": [{"text": {"content": "Beta"}}]},
            "Project Type": {"select": {"name": "Automation"}},
            "Stage": {"select": {"name": "Planning"}},
        },
    )
    page = eventually(lambda: (p := project(enterprise, "Beta")) and agents_of(p) and p)
    assert page["id"] == created["id"]
    assert agents_of(page) in (["auto-orch"], ["build-orch"], ["build-helper"])
    assert plain(page, "Last Action").startswith("assigned ")


def test_bad_projects_are_refused_clearly(enterprise: EnterpriseHub) -> None:
    for body, field in (
        ({"name": "X", "project_type": "Mining"}, "project_type"),
        ({"name": "A, B"}, "name"),
        ({"name": "X", "start": "2026-01-01", "days": -1}, "days"),
        ({"name": "X", "start": "2400-01-01"}, "start"),
        ({"name": " "}, "name"),
        ({"name": "X", "stage": "Done"}, "stage"),
    ):
        answer = enterprise.client.post("/api/projects", json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert field in answer.text
