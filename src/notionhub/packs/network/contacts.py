"""Contacts kept by email: every agent that meets a person goes through ``upsert_contact``.

Lead sources and tags only grow (what Notion holds is merged with what the event brings, read
while holding the email's lease, so two events about one person never drop each other's
sources); a name or phone fills a blank and never overwrites one a person wrote.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time

from notionhub.errors import PayloadRejected
from notionhub.notion.schema import NotionDate
from notionhub.packs.network.models import BusinessEntity, Contact
from notionhub.packs.pack import FlowContext


@dataclass(frozen=True)
class Person:
    """Who an event is about, as the event says it."""

    email: str
    name: str = ""
    phone: str | None = None


@dataclass(frozen=True)
class ContactRef:
    """A contact as written: its page and what the workflows need of it."""

    page_id: str
    email: str
    name: str


def normal_email(email: str) -> str:
    cleaned = email.strip().lower()
    if "@" not in cleaned or len(cleaned) > 200:
        raise PayloadRejected(f"{email[:80]!r} is not an email address the network can key by.")
    return cleaned


def _merged(current: Iterable[str], extra: Iterable[str]) -> list[str]:
    return list(dict.fromkeys([*current, *(item for item in extra if item)]))


def upsert_contact(
    context: FlowContext,
    person: Person,
    *,
    at: datetime,
    sources: Iterable[str] = (),
    tags: Iterable[str] = (),
    entity: str | None = None,
    newsletter: str | None = None,
) -> tuple[ContactRef, str]:
    """Create or merge the contact; returns it and a one-line account."""
    records = context.records
    email = normal_email(person.email)
    entity_page = entity_page_id(context, entity) if entity else None
    # Days, not instants: a contact met again the same day needs no write.
    moment = NotionDate(at.astimezone(UTC).date())

    def build() -> Contact:
        current = records.mirrored(Contact, email)
        if current is None:
            return Contact(
                name=person.name.strip() or email.split("@")[0],
                email=email,
                phone=person.phone,
                lead_sources=_merged([], sources),
                tags=_merged([], tags),
                business_entity=[entity_page] if entity_page else [],
                newsletter=newsletter,
                first_seen=moment,
                last_activity=moment,
            )
        last = current.last_activity
        return current.model_copy(
            update={
                "name": current.name or person.name.strip() or email.split("@")[0],
                "phone": current.phone or person.phone,
                "lead_sources": _merged(current.lead_sources, sources),
                "tags": _merged(current.tags, tags),
                "business_entity": _merged(current.business_entity, [entity_page or ""]),
                "newsletter": newsletter or current.newsletter,
                "first_seen": current.first_seen or moment,
                "last_activity": moment if last is None or _later(moment, last) else last,
            }
        )

    result = records.upsert_computed(Contact, email, build)
    assert result is not None
    written = records.mirrored(Contact, email)
    name = written.name if written is not None else person.name or email
    return ContactRef(result.page_id, email, name), f"contact {email} {result.action}"


def _later(one: NotionDate, other: NotionDate) -> bool:
    return _instant(one) > _instant(other)


def _instant(moment: NotionDate) -> datetime:
    start = moment.start
    if isinstance(start, datetime):
        return start if start.tzinfo else start.replace(tzinfo=UTC)
    return datetime.combine(start, time(), UTC)


def entity_page_id(context: FlowContext, name: str) -> str | None:
    """The page of a Business Entities Registry row (seeded at start), or None if people
    removed it."""
    entity = context.records.mirrored(BusinessEntity, name)
    if entity is None:
        entity = context.records.find(BusinessEntity, name)
    return entity.page_id if entity is not None else None
