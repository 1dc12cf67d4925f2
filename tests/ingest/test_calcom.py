"""Cal.com: X-Cal-Signature-256 (hex HMAC of the body), bookings, the ping."""

from __future__ import annotations

import pytest

from notionhub.errors import PayloadRejected
from notionhub.ingest.event import Event, Reply
from notionhub.ingest.providers.calcom import PROVIDER
from tests.ingest.payloads import CALCOM_BOOKING_CREATED, dump
from tests.ingest.signers import SECRETS, calcom

SECRET = SECRETS["calcom"]


def test_a_booking_is_parsed() -> None:
    request = calcom(dump(CALCOM_BOOKING_CREATED))
    PROVIDER.verify(request, SECRET)
    event = PROVIDER.parse(request, SECRET)
    assert isinstance(event, Event)
    assert event.type == "BOOKING_CREATED"
    assert event.idempotency_key == (
        "calcom:BOOKING_CREATED:bFJeNb2uX8ANpT3JL5EfXw:2026-11-20T09:30:00.538Z"
    )
    assert event.entity_key == "email:jane@example.com"
    assert event.occurred_at.isoformat() == "2026-11-20T09:30:00.538000+00:00"


def test_the_same_booking_cancelled_is_another_event() -> None:
    cancelled = {**CALCOM_BOOKING_CREATED, "triggerEvent": "BOOKING_CANCELLED"}
    created = PROVIDER.parse(calcom(dump(CALCOM_BOOKING_CREATED)), SECRET)
    other = PROVIDER.parse(calcom(dump(cancelled)), SECRET)
    assert isinstance(created, Event) and isinstance(other, Event)
    assert created.idempotency_key != other.idempotency_key
    assert created.entity_key == other.entity_key


def test_the_ping_is_answered_without_an_event() -> None:
    ping = {"triggerEvent": "PING", "createdAt": "2026-11-20T09:30:00Z", "payload": {}}
    reply = PROVIDER.parse(calcom(dump(ping)), SECRET)
    assert isinstance(reply, Reply) and reply.status == 200


def test_a_body_without_payload_is_a_payload_error() -> None:
    with pytest.raises(PayloadRejected, match="payload"):
        PROVIDER.parse(calcom(dump({"triggerEvent": "BOOKING_CREATED", "createdAt": "x"})), SECRET)
