"""Cal.com: ``X-Cal-Signature-256`` (hex HMAC-SHA256 of the body), bookings, the ping test."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notionhub.errors import PayloadRejected
from notionhub.ingest.event import Event, Reply, WebhookRequest
from notionhub.ingest.provider import body_digest
from notionhub.ingest.providers.calcom import PROVIDER
from tests.ingest import harness
from tests.ingest.conftest import INSTANT, MakeRequest, build_request
from tests.ingest.harness import json_objects, json_values

SECRET = "calcom-webhook-secret-4f9a"
HEADER = "X-Cal-Signature-256"
load = partial(harness.load_payload, "calcom")
receive = partial(harness.receive, PROVIDER, secret=SECRET)


def signed(body: bytes, secret: str = SECRET) -> WebhookRequest:
    """What Cal.com sends: hex HMAC-SHA256 of the raw body, keyed by the webhook's secret."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return build_request(body, {HEADER: digest}, received_at=INSTANT)


def received_event(body: bytes) -> Event:
    return harness.receive_event(PROVIDER, signed(body), SECRET)


def edited(name: str, **payload_changes: Any) -> bytes:
    data = json.loads(load(name))
    data["payload"].update(payload_changes)
    return json.dumps(data).encode()


def test_a_booking_is_parsed() -> None:
    body = load("booking_created")
    event = received_event(body)
    assert event.provider == "calcom"
    assert event.type == "BOOKING_CREATED"
    assert event.idempotency_key == (
        "calcom:BOOKING_CREATED:bFJeNb2uX8ANpT3JL5EfXw:2026-11-20T09:30:00.538Z"
    )
    assert event.entity_key == "email:jane.doe@example.com"
    assert event.occurred_at == datetime(2026, 11, 20, 9, 30, 0, 538000, tzinfo=UTC)
    assert event.data == json.loads(body)


def test_a_reschedule_and_a_cancellation_are_other_events_about_the_same_person() -> None:
    created = received_event(load("booking_created"))
    moved = received_event(load("booking_rescheduled"))
    cancelled = received_event(load("booking_cancelled"))
    assert moved.idempotency_key.startswith("calcom:BOOKING_RESCHEDULED:k2NqYw7RzTg4vM1pLx9sAe:")
    assert cancelled.idempotency_key.startswith("calcom:BOOKING_CANCELLED:bFJeNb2uX8ANpT3JL5EfXw:")
    assert len({created.idempotency_key, moved.idempotency_key, cancelled.idempotency_key}) == 3
    assert created.entity_key == moved.entity_key == cancelled.entity_key


def test_a_redelivery_is_the_same_event() -> None:
    body = load("booking_created")
    assert received_event(body).idempotency_key == received_event(body).idempotency_key


def test_without_attendees_the_booking_is_the_entity() -> None:
    event = received_event(edited("booking_created", attendees=[], responses={}))
    assert event.entity_key == "booking:bFJeNb2uX8ANpT3JL5EfXw"


def test_a_no_show_update_is_keyed_by_its_booking_uid() -> None:
    body = json.dumps(
        {
            "triggerEvent": "BOOKING_NO_SHOW_UPDATED",
            "createdAt": "2026-11-27T11:00:00.000Z",
            "payload": {
                "message": "Jane Doe marked as no-show",
                "bookingUid": "bFJeNb2uX8ANpT3JL5EfXw",
                "bookingId": 9141,
                "attendees": [{"email": "jane.doe@example.com", "noShow": True}],
            },
        }
    ).encode()
    event = received_event(body)
    assert event.idempotency_key == (
        "calcom:BOOKING_NO_SHOW_UPDATED:bFJeNb2uX8ANpT3JL5EfXw:2026-11-27T11:00:00.000Z"
    )
    assert event.entity_key == "email:jane.doe@example.com"


def test_without_a_uid_the_key_is_a_digest_of_the_body() -> None:
    body = json.dumps(
        {"triggerEvent": "FORM_SUBMITTED", "createdAt": "2026-11-20T09:00:00Z", "payload": {}}
    ).encode()
    event = received_event(body)
    assert event.idempotency_key == f"calcom:{body_digest(body)}"
    assert event.entity_key is None
    other = body.replace(b"09:00:00", b"09:00:01")
    assert received_event(other).idempotency_key != event.idempotency_key


def test_the_ping_test_is_answered_without_an_event() -> None:
    reply = receive(signed(load("ping")))
    assert isinstance(reply, Reply)
    assert (reply.status, reply.body) == (200, {"ok": True})
    assert reply.reason


def test_a_ping_without_a_secret_is_refused(make_request: MakeRequest) -> None:
    # Cal.com sends this header value when no secret was typed in the webhook form.
    request = make_request(load("ping"), {HEADER: "no-secret-provided"})
    harness.assert_refused(PROVIDER, request, SECRET, "does not match")


def test_an_uppercase_hex_signature_is_accepted(make_request: MakeRequest) -> None:
    body = load("booking_created")
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest().upper()
    PROVIDER.verify(make_request(body, {HEADER: digest}), SECRET)


def test_a_wrong_secret_is_refused() -> None:
    harness.assert_refused(
        PROVIDER, signed(load("booking_created"), secret="another-secret"), SECRET, "does not match"
    )


def test_a_changed_body_is_refused() -> None:
    request = signed(load("booking_created"))
    changed = build_request(
        request.body.replace(b"10:00:00Z", b"11:00:00Z"), request.headers, received_at=INSTANT
    )
    harness.assert_refused(PROVIDER, changed, SECRET, "does not match")


def test_a_missing_header_is_refused(make_request: MakeRequest) -> None:
    harness.assert_refused(
        PROVIDER, make_request(load("booking_created")), SECRET, f"Missing {HEADER}"
    )


@pytest.mark.parametrize("value", ["zz", "sha256=00", "0" * 64, "\u00e9" * 64])
def test_a_malformed_header_is_refused(make_request: MakeRequest, value: str) -> None:
    harness.assert_refused(PROVIDER, make_request(load("booking_created"), {HEADER: value}), SECRET)


def test_a_missing_trigger_or_payload_is_a_payload_error() -> None:
    with pytest.raises(PayloadRejected, match="no triggerEvent"):
        receive(signed(b'{"createdAt": "2026-11-20T09:00:00Z", "payload": {}}'))
    with pytest.raises(PayloadRejected, match="no payload object"):
        receive(signed(b'{"triggerEvent": "BOOKING_CREATED", "payload": [1]}'))


@pytest.mark.parametrize("created", ['"yesterday"', "NaN", "1e400", "[]"])
def test_an_impossible_created_at_is_a_payload_error(created: str) -> None:
    body = b'{"triggerEvent": "BOOKING_CREATED", "createdAt": %s, "payload": {"uid": "u"}}'
    with pytest.raises(PayloadRejected, match=r"createdAt|NaN|too large"):
        receive(signed(body % created.encode()))


def test_a_deeply_nested_body_is_a_payload_error() -> None:
    with pytest.raises(PayloadRejected):
        receive(signed(b'{"payload": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"))


attendees = st.lists(st.fixed_dictionaries({}, optional={"email": json_values}), max_size=3)
calcom_bodies = st.fixed_dictionaries(
    {},
    optional={
        "triggerEvent": st.sampled_from(["BOOKING_CREATED", "PING", "MEETING_ENDED"]) | json_values,
        "createdAt": st.datetimes().map(datetime.isoformat) | json_values,
        "payload": st.fixed_dictionaries(
            {},
            optional={
                "uid": json_values,
                "bookingUid": json_values,
                "bookingId": json_values,
                "attendees": attendees | json_values,
                "responses": json_values,
                "oooEntry": json_values,
            },
        )
        | json_values,
    },
)


@settings(max_examples=150, deadline=None)
@given(payload=json_objects | calcom_bodies)
def test_any_signed_json_object_is_an_event_a_reply_or_a_payload_error(
    payload: dict[str, Any],
) -> None:
    request = signed(json.dumps(payload).encode())
    harness.event_or_payload_error(PROVIDER, request, SECRET, replies=True)
