"""The network pack in a running hub: leads posted over HTTP, workflows read through the
operators' API, and people steering from Notion (a task marked Done, a template rewritten)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from notion_client import Client

from notionhub.packs.network import PACK as NETWORK
from notionhub.queue.processor import EventProcessor
from notionhub.queue.runtime import Runtime
from tests.clocks import running_from
from tests.hub_server import Hub, serve_hub
from tests.packs.coaching.test_hub_end_to_end import eventually, plain
from tests.packs.network.conftest import NOW
from tests.queue.conftest import FAST_SCHEDULE, hub_settings

KEY = "operator-key"
PERSON_TOKEN = "network-person-token"


@pytest.fixture
def hub(tmp_path: Path, processor: EventProcessor) -> Iterator[Hub]:
    settings = hub_settings(
        tmp_path / ".notionhub",
        notionhub_packs="network",
        internal_api_key=KEY,
        local_notion_person_token=PERSON_TOKEN,
        local_notion_webhook_aggregation_seconds=0.0,
        notionhub_upkeep_seconds=0.2,
    )
    runtime = Runtime(
        settings, processor, packs=[NETWORK], schedule=FAST_SCHEDULE, clock=running_from(NOW)
    )
    with serve_hub(runtime, bearer=KEY) as client:
        yield client


@pytest.fixture
def person(hub: Hub) -> Iterator[Client]:
    client = Client(auth=PERSON_TOKEN, base_url=f"{hub.base_url}/notion")
    yield client
    client.close()


def rows(hub: Hub, person: Client, title: str, key: str) -> dict[str, dict[str, Any]]:
    assert hub.runtime.provision_report is not None
    source = hub.runtime.provision_report.data_source_ids()[title]
    answer: Any = person.data_sources.query(source, page_size=100)
    return {plain(page, key): page for page in answer["results"]}


def submit(hub: Hub, email: str, name: str, submission: str) -> None:
    body = {
        "form": "retreat-waitlist",
        "submission_id": submission,
        "fields": {"email": email, "name": name},
    }
    answer = hub.post("/api/forms/submit", content=json.dumps(body))
    assert answer.status_code == 202, answer.text


def event_notes(hub: Hub) -> str:
    """Everything the hub's recent events say, as one text."""
    events = hub.get("/api/events", params={"limit": 50}).json()["events"]
    return " ".join(json.dumps(hub.get(f"/api/events/{e['id']}").json()) for e in events)


def workflow(hub: Hub, instance_id: str) -> dict[str, Any]:
    answer = hub.get(f"/workflows/{instance_id}")
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def test_a_lead_posted_to_the_hub_is_a_workflow_operators_can_read(hub: Hub) -> None:
    submit(hub, "Ana@Example.com", "Ana", "s1")
    instance_id = "lead-nurture:ana@example.com"
    assert eventually(lambda: hub.get(f"/workflows/{instance_id}").status_code == 200)

    found = workflow(hub, instance_id)
    assert {k: found[k] for k in ("instance_id", "workflow", "state", "contact_email")} == {
        "instance_id": instance_id,
        "workflow": "lead-nurture",
        "state": "New",
        "contact_email": "ana@example.com",
    }
    [start] = found["history"]
    assert (start["event"], start["from"], start["to"], start["agent"], start["refused"]) == (
        "start", None, "New", "lead-capture", False,
    )  # fmt: skip
    listed = hub.get("/workflows", params={"contact_email": "ANA@example.com"}).json()
    assert [i["instance_id"] for i in listed["instances"]] == [instance_id]
    assert hub.get("/workflows", params={"state": "Converted"}).json() == {"instances": []}
    assert hub.get("/workflows", params={"workflow": "lead-nurture"}).json() == listed


def test_the_workflow_api_is_for_operators_only_and_says_what_is_unknown(hub: Hub) -> None:
    assert hub.get("/workflows/lead-nurture:nobody@example.com").status_code == 404
    anonymous = hub.get("/workflows", headers={"Authorization": ""})
    assert anonymous.status_code == 401
    wrong = hub.get("/workflows/x", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code in (401, 403)
    assert hub.get("/workflows", params={"limit": 0}).status_code == 422


def test_a_task_a_person_marks_done_in_notion_moves_the_lead(hub: Hub, person: Client) -> None:
    submit(hub, "bo@example.com", "Bo", "s1")
    tasks = eventually(lambda: rows(hub, person, "Master Tasks", "Task"))
    follow_up = tasks["Follow up with Bo"]

    person.pages.update(
        page_id=follow_up["id"], properties={"Status": {"select": {"name": "Done"}}}
    )

    instance_id = "lead-nurture:bo@example.com"
    assert eventually(lambda: workflow(hub, instance_id)["state"] == "Contacted")
    last = workflow(hub, instance_id)["history"][-1]
    assert (last["event"], last["agent"]) == ("contacted", "task-management")
    tasks = eventually(lambda: rows(hub, person, "Master Tasks", "Task").get("Qualify Bo's needs"))
    assert plain(tasks, "Status") == "Not Started"
    # The instance row is written after the next task: wait for it too.
    assert eventually(
        lambda: (
            plain(
                rows(hub, person, "Active Workflow Instances", "Instance ID")[instance_id], "State"
            )
            == "Contacted"
        )
    )


def test_a_template_rewritten_in_notion_changes_the_next_instances_tasks(
    hub: Hub, person: Client
) -> None:
    library = eventually(lambda: rows(hub, person, "Workflows Library", "Workflow ID"))
    lead = library["lead-nurture"]
    person.pages.update(
        page_id=lead["id"],
        properties={
            "Task Templates": {
                "rich_text": [{"text": {"content": "New | Call {name} today | Front desk | 0 |"}}]
            }
        },
    )
    # The hub has read the edit once Notion's webhook about it is processed.
    assert eventually(lambda: "task templates in use" in event_notes(hub))

    submit(hub, "cy@example.com", "Cy", "s2")

    tasks = eventually(lambda: rows(hub, person, "Master Tasks", "Task"))
    assert list(tasks) == ["Call Cy today"]
    assert plain(tasks["Call Cy today"], "Assignee") == "Front desk"
