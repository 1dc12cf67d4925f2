"""LeadCapture end to end against the local Notion server: forms, Typeform and prospects become
one contact per email, with a lead-nurture workflow, its tasks and its notification."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from notionhub.packs.network.models import Contact, Feedback, MasterTask, WorkflowInstance
from notionhub.packs.network.settings import NetworkSettings
from notionhub.packs.network.tables import network_notifications
from tests.packs.network.conftest import HUBSPOT_TOKEN, LocalHubspot, Network

PAYLOADS = Path(__file__).parents[2] / "ingest" / "payloads"


def typeform(**answers: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((PAYLOADS / "typeform" / "form_response.json").read_text())
    body["form_response"].update(answers)
    return body


def form(email: str, submission: str, **fields: Any) -> dict[str, Any]:
    return {
        "form": "retreat-waitlist",
        "submission_id": submission,
        "fields": {"email": email, **fields},
    }


def test_a_form_lead_becomes_a_contact_a_workflow_tasks_and_a_notification(
    network: Network,
) -> None:
    notes = network.deliver("forms", form("Jane.Doe@Example.com", "s1", name="Jane Doe"))
    assert "contact jane.doe@example.com created" in notes[0]

    contact = network.row(Contact, "jane.doe@example.com")
    assert (contact.name, contact.lead_sources, contact.tags) == (
        "Jane Doe",
        ["Website Form"],
        ["retreat-waitlist"],
    )
    instance = network.row(WorkflowInstance, "lead-nurture:jane.doe@example.com")
    assert instance.state == "New"
    assert instance.contact == [contact.page_id]
    assert len(instance.workflow) == 1
    assert "start · — → New · lead-capture" in instance.history_log
    [task] = network.rows(MasterTask)
    assert (task.task, task.status, task.assignee) == (
        "Follow up with Jane Doe",
        "Not Started",
        "Sales",
    )
    assert task.workflow_instance == [instance.page_id]
    with network.connection.engine.connect() as connection:
        [sent] = connection.execute(select(network_notifications)).mappings().all()
    assert sent["recipient"] == "jane.doe@example.com"
    assert sent["subject"] == "Thanks for reaching out, Jane Doe"


def test_the_same_person_from_three_sources_is_one_contact_with_every_source(
    network: Network,
) -> None:
    network.deliver("forms", form("jane.doe@example.com", "s1", name="Jane Doe", tags="vip"))
    network.deliver("typeform", typeform())
    network.deliver("forms", form("JANE.DOE@example.com", "s2", name="Someone Else"))

    [contact] = network.rows(Contact)
    assert contact.name == "Jane Doe"  # a name is never overwritten
    assert contact.lead_sources == ["Website Form", "Typeform"]
    assert contact.tags == ["retreat-waitlist", "vip", "Retreat waitlist"]
    assert len(network.rows(WorkflowInstance)) == 1
    assert len(network.rows(MasterTask)) == 1


def test_a_delivery_processed_twice_writes_nothing_more(network: Network) -> None:
    body = form("ana@example.com", "s1", name="Ana")
    network.deliver("forms", body)
    before = {m.__name__: network.pages(m.__database__.name) for m in (Contact, MasterTask)}
    network.deliver("forms", body)
    after = {m.__name__: network.pages(m.__database__.name) for m in (Contact, MasterTask)}
    assert before == after
    assert len(network.instance("lead-nurture:ana@example.com").history) == 1


def test_a_typeform_rating_is_kept_as_feedback(network: Network) -> None:
    body = typeform()
    body["form_response"]["answers"].append(
        {
            "type": "number",
            "number": 9,
            "field": {"id": "r1", "type": "opinion_scale", "ref": "nps"},
        }
    )
    network.deliver("typeform", body)
    [feedback] = network.rows(Feedback)
    assert feedback.score == 9
    assert feedback.contact == [network.row(Contact, "jane.doe@example.com").page_id]
    assert "nps: 9" in feedback.answers


def test_a_response_without_email_keeps_nothing(network: Network) -> None:
    body = json.loads((PAYLOADS / "typeform" / "form_response_no_email.json").read_text())
    assert network.deliver("typeform", body) == ["no email in the response: no contact to keep"]
    assert network.rows(Contact) == []


def test_marking_the_follow_up_done_in_notion_moves_the_lead(network: Network) -> None:
    network.deliver("forms", form("ana@example.com", "s1", name="Ana"))
    [task] = network.rows(MasterTask)
    notes = network.person_edits(MasterTask, task.task_id, status="Done")
    assert notes == [f"task {task.task_id!r} done: lead-nurture:ana@example.com New → Contacted"]
    instance = network.row(WorkflowInstance, "lead-nurture:ana@example.com")
    assert instance.state == "Contacted"
    assert "contacted · New → Contacted · task-management" in instance.history_log
    tasks = {t.task: t.status for t in network.rows(MasterTask)}
    assert tasks == {"Follow up with Ana": "Done", "Qualify Ana's needs": "Not Started"}
    # Done again (a second webhook of the same edit): nothing moves twice.
    network.person_edits(MasterTask, task.task_id, status="Done")
    assert network.instance("lead-nurture:ana@example.com").state == "Contacted"


def test_with_the_hubspot_sync_on_each_lead_is_upserted_in_hubspot_once(
    network: Network, hubspot_server: LocalHubspot
) -> None:
    network.pack_settings = NetworkSettings(
        _env_file=None,  # type: ignore[call-arg]
        hubspot_sync=True,
        hubspot_token=HUBSPOT_TOKEN,
        hubspot_base_url=hubspot_server.base_url,
    )
    body = form("jane.doe@example.com", "s1", name="Jane Doe")
    notes = network.deliver("forms", body)
    assert "hubspot contact jane.doe@example.com created" in notes[0]
    network.deliver("forms", body)  # the same delivery processed again

    [call] = hubspot_server.fake.calls
    [sent] = call.body["inputs"]
    assert sent["idProperty"] == "email" and sent["id"] == "jane.doe@example.com"
    assert sent["properties"]["firstname"] == "Jane"
    assert sent["properties"]["lastname"] == "Doe"
