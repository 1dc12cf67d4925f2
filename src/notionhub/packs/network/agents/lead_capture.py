"""LeadCapture: forms, Typeform and Snov.io prospects become contacts with a lead-nurture
workflow; a Typeform rating is kept as feedback; optionally, every lead is synced to HubSpot."""

from __future__ import annotations

from typing import Any

from notionhub.errors import PayloadRejected
from notionhub.ingest.event import Event
from notionhub.notion.schema import NotionDate
from notionhub.packs.network.contacts import Person, upsert_contact
from notionhub.packs.network.hubspot_sync import sync_lead
from notionhub.packs.network.machines import LEAD_NURTURE
from notionhub.packs.network.models import Contact, Feedback, MasterTask, WorkflowInstance
from notionhub.packs.network.settings import NetworkSettings
from notionhub.packs.network.snovio import prospect_name
from notionhub.packs.network.workflows import Workflows
from notionhub.packs.pack import Agent, FlowContext

NAME = "lead-capture"
_ENTITY_FIELDS = ("business", "business_entity", "entity")
_RATING_TYPES = ("opinion_scale", "rating", "number")


def capture_typeform(event: Event, context: FlowContext) -> str:
    response = event.data.get("form_response")
    if not isinstance(response, dict):
        raise PayloadRejected("A Typeform form_response event has no form_response object.")
    answers = [a for a in response.get("answers") or [] if isinstance(a, dict)]
    email = _answer(answers, "email") or _text(response.get("hidden"), "email")
    if not email:
        return "no email in the response: no contact to keep"
    name = _named_answer(answers) or _text(response.get("hidden"), "name")
    title = _text(response.get("definition"), "title")
    tags = [title] if title else []
    done = _capture(context, event, Person(email, name), "Typeform", tags, _entity(response))
    rating = _rating(answers)
    if rating is not None:
        contact = context.records.mirrored(Contact, email.strip().lower())
        result = context.records.upsert(
            Feedback(
                response_id=f"typeform:{response.get('token') or event.idempotency_key}",
                contact=[contact.page_id] if contact and contact.page_id else [],
                form=title,
                score=rating,
                answers=_answers_text(answers),
                submitted=NotionDate(event.occurred_at),
            )
        )
        done.append(f"feedback {result.action}")
    return "; ".join(done)


def capture_form(event: Event, context: FlowContext) -> str:
    fields = event.data.get("fields")
    if not isinstance(fields, dict):
        raise PayloadRejected("A website form submission has no fields object.")
    email = _text(fields, "email")
    if not email:
        return "no email in the submission: no contact to keep"
    form = _text(event.data, "form")
    person = Person(email, _text(fields, "name"), _text(fields, "phone") or None)
    tags = [form] + [tag for tag in _listed(fields.get("tags"))]
    return "; ".join(_capture(context, event, person, "Website Form", tags, _entity(fields)))


def capture_prospect(event: Event, context: FlowContext) -> str:
    email = (event.entity_key or "").removeprefix("email:")
    if "@" not in email:
        return "no prospect email in the event: no contact to keep"
    name = prospect_name(event.data)
    tags = [f"snov.io:{event.type}"]
    return "; ".join(_capture(context, event, Person(email, name), "Snov.io", tags, None))


def _capture(
    context: FlowContext,
    event: Event,
    person: Person,
    source: str,
    tags: list[str],
    entity: str | None,
) -> list[str]:
    contact, done = upsert_contact(
        context, person, at=event.occurred_at, sources=[source], tags=tags, entity=entity
    )
    workflows = Workflows(context, NAME)
    started = workflows.start(
        LEAD_NURTURE,
        f"{LEAD_NURTURE}:{contact.email}",
        contact=contact,
        title=f"Lead {contact.name}",
        entity=entity,
        data={"source": source},
    )
    notes = [done, started]
    settings = context.settings_of(NetworkSettings)
    if settings.hubspot_sync:
        notes.append(sync_lead(context, settings, contact.email, contact.name, source, tags))
    return notes


def _entity(values: Any) -> str | None:
    if not isinstance(values, dict):
        return None
    hidden = values.get("hidden") if isinstance(values.get("hidden"), dict) else values
    for name in _ENTITY_FIELDS:
        found = _text(hidden, name)
        if found:
            return found[:100]
    return None


def _answer(answers: list[dict[str, Any]], kind: str) -> str:
    for answer in answers:
        if answer.get("type") == kind and isinstance(answer.get(kind), str):
            return str(answer[kind])
    return ""


def _named_answer(answers: list[dict[str, Any]]) -> str:
    for answer in answers:
        field = answer.get("field") if isinstance(answer.get("field"), dict) else {}
        assert isinstance(field, dict)
        if "name" in str(field.get("ref", "")).lower() and isinstance(answer.get("text"), str):
            return str(answer["text"])
    return ""


def _rating(answers: list[dict[str, Any]]) -> float | None:
    for answer in answers:
        field = answer.get("field") if isinstance(answer.get("field"), dict) else {}
        assert isinstance(field, dict)
        value = answer.get("number")
        if field.get("type") in _RATING_TYPES and isinstance(value, int | float):
            return float(value)
    return None


def _answers_text(answers: list[dict[str, Any]]) -> str:
    lines = []
    for answer in answers:
        field = answer.get("field") if isinstance(answer.get("field"), dict) else {}
        assert isinstance(field, dict)
        kind = str(answer.get("type", ""))
        value = answer.get(kind)
        if isinstance(value, dict):
            value = value.get("label") or value.get("labels")
        lines.append(f"{field.get('ref') or field.get('id')}: {value}")
    return "\n".join(lines)[:1900]


def _text(values: Any, name: str) -> str:
    if not isinstance(values, dict):
        return ""
    value = values.get(name)
    return value.strip() if isinstance(value, str) else ""


def _listed(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        return [str(item).strip() for item in value if str(item).strip()]
    return []


AGENT = Agent(
    name=NAME,
    description="Turns form answers, Typeform responses and Snov.io prospects into contacts"
    " (merged by email) and lead-nurture workflows; ratings become feedback.",
    flows={
        "typeform:form_response": capture_typeform,
        "forms:form.submitted": capture_form,
        "snovio:*": capture_prospect,
    },
    writes=(Contact, WorkflowInstance, MasterTask, Feedback),
)
