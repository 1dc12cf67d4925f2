"""Reading one event as the fact the coaching pack keeps (see ``facts.py``).

Cal.com bookings (and the coaching app's copies of them), Zoom attendance and Stripe Checkout
payments. Only the fields the pack uses are read; a field of the wrong type is treated as
absent, and an event without what identifies its subject (a booking without its uid, a payment
without its Checkout Session) is ``EventNotUsable``, which fails the event without retries.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from notionhub.errors import EventNotUsable, PayloadRejected
from notionhub.ingest.event import Event
from notionhub.ingest.money import major_units
from notionhub.ingest.payload_fields import dig, first_text
from notionhub.ingest.provider import parse_time
from notionhub.packs.coaching.facts import Fact, FactKind

CALCOM_KINDS: dict[str, FactKind] = {
    "BOOKING_CREATED": "booked",
    "BOOKING_RESCHEDULED": "rescheduled",
    "BOOKING_CANCELLED": "cancelled",
    "MEETING_ENDED": "meeting_ended",
}
ZOOM_KINDS: dict[str, FactKind] = {
    "meeting.participant_joined": "joined",
    "meeting.participant_left": "left",
    "meeting.ended": "meeting_closed",
}
STRIPE_KINDS: dict[str, FactKind] = {
    "checkout.session.completed": "checkout",
    "checkout.session.async_payment_succeeded": "checkout",
    "checkout.session.async_payment_failed": "payment_failed",
    "payment_intent.payment_failed": "payment_failed",
    "charge.refunded": "refunded",
}
APP_CHECKOUT = "CHECKOUT_SESSION_COMPLETE"
SOURCES = {"calcom": "Cal.com", "zoom": "Zoom", "stripe": "Stripe", "coaching-app": "Coaching app"}
_ZOOM_MEETING_URL = re.compile(r"zoom\.us/(?:j|my|w)/(\d{9,12})")


def read_fact(event: Event) -> Fact | None:
    """The fact an event states, or None for a type the pack does not use."""
    source = SOURCES.get(event.provider, event.provider)
    app_booking = event.provider == "coaching-app" and event.type in CALCOM_KINDS
    if event.provider == "calcom" or app_booking:
        kind = CALCOM_KINDS.get(event.type)
        payload = event.data.get("payload")
        return None if kind is None else _booking(event, kind, _object(payload), source)
    if event.provider == "coaching-app" and event.type == APP_CHECKOUT:
        return _checkout(event, "checkout", _object(event.data.get("payload")), source)
    if event.provider == "zoom":
        kind = ZOOM_KINDS.get(event.type)
        return None if kind is None else _meeting(event, kind, source)
    if event.provider == "stripe":
        kind = STRIPE_KINDS.get(event.type)
        obj = _object(dig(event.data, ["data", "object"]))
        if kind == "refunded":
            return _refund(event, obj, source)
        if kind == "payment_failed" and event.type.startswith("payment_intent."):
            return _intent_failed(event, obj, source)
        return None if kind is None else _checkout(event, kind, obj, source)
    return None


def _booking(event: Event, kind: FactKind, payload: dict[str, Any], source: str) -> Fact:
    uid = _text(payload, ["uid"], ["bookingUid"])
    if uid is None:
        raise EventNotUsable(f"The {event.type} payload has no booking uid (payload.uid).")
    attendee = _object(dig(payload, ["attendees", 0]))
    email = _email(attendee.get("email")) or _email(dig(payload, ["responses", "email", "value"]))
    no_show = attendee.get("noShow")
    return Fact(
        fact_id=event.idempotency_key,
        kind=kind,
        occurred_at=event.occurred_at,
        source=source,
        email=email,
        name=_text(attendee, ["name"]) or _text(payload, ["responses", "name", "value"]),
        phone=_text(attendee, ["phoneNumber"])
        or _text(payload, ["responses", "attendeePhoneNumber", "value"]),
        booking_uid=uid,
        previous_uid=_text(payload, ["rescheduleUid"], ["fromReschedule"])
        if kind == "rescheduled"
        else None,
        start=_time(payload.get("startTime")),
        end=_time(payload.get("endTime")),
        title=_text(payload, ["title"], ["eventTitle"]),
        event_type=_text(payload, ["type"], ["eventTypeSlug"]),
        reason=_text(payload, ["cancellationReason"]) if kind == "cancelled" else None,
        no_show=no_show if isinstance(no_show, bool) else None,
        meeting_id=_meeting_id(payload),
        package=_text(payload, ["metadata", "package"], ["responses", "package", "value"]),
    )


def _meeting(event: Event, kind: FactKind, source: str) -> Fact:
    meeting = _object(dig(event.data, ["payload", "object"]))
    meeting_id = _text(meeting, ["id"])
    if meeting_id is None:
        raise EventNotUsable(f"The Zoom {event.type} event has no meeting id (object.id).")
    participant = _object(meeting.get("participant"))
    host_id = _text(meeting, ["host_id"])
    ids = {_text(participant, ["id"]), _text(participant, ["participant_user_id"])}
    at_field = {"joined": "join_time", "left": "leave_time"}.get(kind)
    return Fact(
        fact_id=event.idempotency_key,
        kind=kind,
        occurred_at=event.occurred_at,
        source=source,
        email=_email(participant.get("email")),
        name=_text(participant, ["user_name"]),
        meeting_id=meeting_id,
        meeting_uuid=_text(meeting, ["uuid"]),
        participant=_text(
            participant, ["participant_uuid"], ["id"], ["user_id"], ["email"], ["user_name"]
        ),
        host=host_id is not None and host_id in ids,
        start=_time(meeting.get("start_time")),
        at=_time(participant.get(at_field)) if at_field else _time(meeting.get("end_time")),
    )


def _checkout(event: Event, kind: FactKind, session: dict[str, Any], source: str) -> Fact:
    checkout_id = _text(session, ["id"])
    if checkout_id is None:
        raise EventNotUsable(f"The {event.type} event has no Checkout Session id.")
    currency = (_text(session, ["currency"]) or "").upper() or None
    status = session.get("payment_status")
    return Fact(
        fact_id=event.idempotency_key,
        kind=kind,
        occurred_at=event.occurred_at,
        source=source,
        email=_email(dig(session, ["customer_details", "email"]))
        or _email(session.get("customer_email")),
        name=_text(session, ["customer_details", "name"]),
        phone=_text(session, ["customer_details", "phone"]),
        checkout_id=checkout_id,
        payment_intent=_reference(session.get("payment_intent")),
        customer_id=_reference(session.get("customer")),
        package=_text(session, ["metadata", "package"], ["metadata", "package_name"]),
        price_id=_text(
            session,
            ["metadata", "price_id"],
            ["metadata", "stripe_price_id"],
            ["line_items", "data", 0, "price", "id"],
        ),
        amount=major_units(session.get("amount_total"), currency),
        currency=currency,
        paid=kind == "checkout" and status in ("paid", "no_payment_required"),
    )


def _refund(event: Event, charge: dict[str, Any], source: str) -> Fact:
    intent = _reference(charge.get("payment_intent"))
    if intent is None:
        raise EventNotUsable("The charge.refunded event has no payment_intent to find it by.")
    currency = (_text(charge, ["currency"]) or "").upper() or None
    return Fact(
        fact_id=event.idempotency_key,
        kind="refunded",
        occurred_at=event.occurred_at,
        source=source,
        email=_email(charge.get("receipt_email"))
        or _email(dig(charge, ["billing_details", "email"])),
        payment_intent=intent,
        amount=major_units(charge.get("amount"), currency),
        refunded=major_units(charge.get("amount_refunded"), currency),
        currency=currency,
    )


def _intent_failed(event: Event, intent: dict[str, Any], source: str) -> Fact:
    intent_id = _text(intent, ["id"])
    if intent_id is None:
        raise EventNotUsable("The payment_intent.payment_failed event has no PaymentIntent id.")
    return Fact(
        fact_id=event.idempotency_key,
        kind="payment_failed",
        occurred_at=event.occurred_at,
        source=source,
        email=_email(intent.get("receipt_email")),
        payment_intent=intent_id,
    )


# -- field readers ---------------------------------------------------------------------------


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(data: Any, *paths: list[str | int]) -> str | None:
    value = first_text(data, paths)
    return value.strip() or None if value is not None else None


def _email(value: Any) -> str | None:
    if isinstance(value, str) and "@" in value:
        return value.strip().lower()
    return None


def _reference(value: Any) -> str | None:
    """A Stripe reference: an id string, or an expanded object's id."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def _time(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        return parse_time(value, "time")
    except PayloadRejected:
        return None


def _meeting_id(payload: dict[str, Any]) -> str | None:
    """The Zoom meeting id of a booking: its video call data, else the id in the meeting URL."""
    explicit = _text(payload, ["videoCallData", "id"])
    if explicit is not None:
        return explicit.replace(" ", "")
    for path in (["metadata", "videoCallUrl"], ["videoCallData", "url"], ["location"]):
        url = dig(payload, path)
        if isinstance(url, str) and (found := _ZOOM_MEETING_URL.search(url)):
            return found.group(1)
    return None
