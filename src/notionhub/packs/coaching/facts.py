"""Facts: what each Cal.com, Zoom and Stripe event said, normalised and kept in the hub database.

The pack never applies an event as a change to what Notion holds. It stores the event's facts
(once: the fact id is the event's idempotency key) and then recomputes each affected row from
every fact known about it (``projection.py``). The rows so depend on the set of facts, not on
the order they arrived in, and a redelivered or replayed event changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

import pydantic
from sqlalchemy import Column, Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from notionhub.hubdb.engine import read_connection
from notionhub.packs.coaching.tables import coaching_facts

FactKind = Literal[
    "booked",  # Cal.com BOOKING_CREATED
    "rescheduled",  # BOOKING_RESCHEDULED: booking_uid replaces previous_uid
    "cancelled",  # BOOKING_CANCELLED
    "meeting_ended",  # Cal.com MEETING_ENDED
    "joined",  # Zoom meeting.participant_joined
    "left",  # Zoom meeting.participant_left
    "meeting_closed",  # Zoom meeting.ended
    "checkout",  # Stripe checkout.session.completed / async_payment_succeeded
    "payment_failed",  # Stripe async_payment_failed / payment_intent.payment_failed
    "refunded",  # Stripe charge.refunded
    "status_set",  # the coach set a Session's or an Invoice's Status in Notion
]
BOOKING_KINDS: frozenset[str] = frozenset({"booked", "rescheduled", "cancelled", "meeting_ended"})
ZOOM_KINDS: frozenset[str] = frozenset({"joined", "left", "meeting_closed"})


class Fact(pydantic.BaseModel):
    """One normalised fact; fields that do not apply to its kind stay None."""

    model_config = pydantic.ConfigDict(frozen=True)

    fact_id: str
    kind: FactKind
    occurred_at: datetime
    source: str  # "Cal.com", "Zoom", "Stripe", "Coaching app"
    email: str | None = None  # lower case
    name: str | None = None
    phone: str | None = None
    # Bookings
    booking_uid: str | None = None
    previous_uid: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    title: str | None = None
    event_type: str | None = None
    reason: str | None = None
    no_show: bool | None = None  # Cal.com's attendee noShow flag, when it sends one
    # Meetings
    meeting_id: str | None = None
    meeting_uuid: str | None = None
    participant: str | None = None  # a stable id of the participant within the meeting
    host: bool = False
    at: datetime | None = None  # join or leave time; the end time of a closed meeting
    # Payments
    checkout_id: str | None = None
    payment_intent: str | None = None
    customer_id: str | None = None
    package: str | None = None  # a package name named by the booking or the payment
    price_id: str | None = None
    amount: float | None = None  # major units (EUR, not cents)
    refunded: float | None = None  # major units refunded so far
    currency: str | None = None  # upper case
    paid: bool = False
    # Set in Notion (status_set): the status the coach chose
    status: str | None = None

    @property
    def order(self) -> tuple[datetime, str]:
        """Facts sort by when they happened, then by id: one order whatever the arrival."""
        return (self.occurred_at, self.fact_id)


_LOOKUPS = ("email", "booking_uid", "previous_uid", "meeting_id", "checkout_id", "payment_intent")


class FactStore:
    """The ``coaching_facts`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, facts: Sequence[Fact]) -> None:
        """Store facts; one already stored (same id) is left as it is."""
        if not facts:
            return
        rows = [
            {
                "fact_id": fact.fact_id,
                "kind": fact.kind,
                "occurred_at": fact.occurred_at.timestamp(),
                **{name: getattr(fact, name) for name in _LOOKUPS},
                "body_json": fact.model_dump_json(),
            }
            for fact in facts
        ]
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(coaching_facts).on_conflict_do_nothing(
            index_elements=["fact_id"]
        )
        with self.engine.begin() as connection:
            connection.execute(statement, rows)

    def where(self, lookup: str, values: Iterable[str | None]) -> list[Fact]:
        """Facts whose ``lookup`` column (one of the references) is among ``values``."""
        if lookup not in _LOOKUPS:
            raise ValueError(f"facts are not looked up by {lookup!r}")
        wanted = sorted({value for value in values if value})
        if not wanted:
            return []
        column: Column[Any] = coaching_facts.c[lookup]
        found: list[Fact] = []
        with read_connection(self.engine) as connection:
            for start in range(0, len(wanted), 500):
                rows = connection.execute(
                    select(coaching_facts.c.body_json).where(
                        column.in_(wanted[start : start + 500])
                    )
                ).all()
                found.extend(Fact.model_validate_json(row.body_json) for row in rows)
        return sorted({fact.fact_id: fact for fact in found}.values(), key=lambda f: f.order)

    def appointment(self, uid: str) -> tuple[frozenset[str], list[Fact]]:
        """Every uid linked to ``uid`` by reschedules (either way), and their booking facts."""
        uids: set[str] = {uid}
        frontier: set[str] = {uid}
        facts: dict[str, Fact] = {}
        while frontier:
            found = self.where("booking_uid", frontier) + self.where("previous_uid", frontier)
            frontier = set()
            for fact in found:
                if fact.kind not in BOOKING_KINDS:
                    continue
                facts[fact.fact_id] = fact
                for linked in (fact.booking_uid, fact.previous_uid):
                    if linked and linked not in uids:
                        uids.add(linked)
                        frontier.add(linked)
        return frozenset(uids), sorted(facts.values(), key=lambda f: f.order)


def coach_choice(facts: Iterable[Fact]) -> Fact | None:
    """The newest status the coach set in Notion among ``facts``, if any (its ``status`` is
    None when she cleared it: the status is computed again)."""
    return max((f for f in facts if f.kind == "status_set"), key=lambda f: f.order, default=None)


def utc(moment: datetime) -> datetime:
    """An aware datetime in UTC (naive ones are taken as UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
