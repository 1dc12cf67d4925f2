"""The coaching app's internal endpoint: ``Authorization: Bearer <INTERNAL_API_KEY>``."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notionhub.errors import PayloadRejected, SignatureRejected
from notionhub.ingest.event import Event, WebhookRequest
from notionhub.packs.coaching.app_provider import PROVIDER, TYPES
from tests.ingest import harness
from tests.ingest.conftest import INSTANT, MakeRequest, build_request
from tests.ingest.harness import finite_json_values

KEY = "internal-3b8e1f0c9d2a4b6e8f1a3c5e7b9d0f2a"
URL = "https://hub.example.com/api/notion/notion-handler"
load = partial(harness.load_payload, "coaching_app")


def authorized(body: bytes, key: str = KEY) -> WebhookRequest:
    return build_request(body, {"Authorization": f"Bearer {key}"}, url=URL, received_at=INSTANT)


def received_event(body: bytes) -> Event:
    return harness.receive_event(PROVIDER, authorized(body), KEY)


def body_of(event_type: Any, payload: Any) -> bytes:
    return json.dumps({"type": event_type, "payload": payload}).encode()


def test_a_booking_is_parsed() -> None:
    body = load("booking_created")
    event = received_event(body)
    assert event.provider == "coaching-app"
    assert event.type == "BOOKING_CREATED"
    assert event.idempotency_key == "coaching-app:BOOKING_CREATED:bFJeNb2uX8ANpT3JL5EfXw"
    assert event.entity_key == "email:jane.doe@example.com"
    assert event.data == json.loads(body)


def test_the_cancellation_of_the_booking_is_another_event_about_the_same_person() -> None:
    created = received_event(load("booking_created"))
    cancelled = received_event(load("booking_cancelled"))
    assert cancelled.idempotency_key == "coaching-app:BOOKING_CANCELLED:bFJeNb2uX8ANpT3JL5EfXw"
    assert created.entity_key == cancelled.entity_key
    assert created.idempotency_key != cancelled.idempotency_key


def test_a_checkout_is_keyed_by_its_session_and_about_its_customer() -> None:
    event = received_event(load("checkout_session_complete"))
    assert event.idempotency_key == "coaching-app:CHECKOUT_SESSION_COMPLETE:cs_test_a1B2c3D4"
    assert event.entity_key == "email:jane.doe@example.com"


def test_a_whole_stripe_event_is_keyed_by_its_id_and_about_its_customer() -> None:
    session = json.loads(load("checkout_session_complete"))["payload"]
    stripe_event = {"id": "evt_1Qx", "object": "event", "data": {"object": session}}
    event = received_event(body_of("CHECKOUT_SESSION_COMPLETE", stripe_event))
    assert event.idempotency_key == "coaching-app:CHECKOUT_SESSION_COMPLETE:evt_1Qx"
    assert event.entity_key == "email:jane.doe@example.com"


def test_a_booking_id_or_session_id_names_the_event_when_there_is_no_uid() -> None:
    by_booking = received_event(body_of("MEETING_ENDED", {"bookingId": 91}))
    by_session = received_event(body_of("CHECKOUT_SESSION_COMPLETE", {"sessionId": "cs_9"}))
    assert by_booking.idempotency_key == "coaching-app:MEETING_ENDED:91"
    assert by_session.idempotency_key == "coaching-app:CHECKOUT_SESSION_COMPLETE:cs_9"
    assert by_booking.entity_key is None


def test_without_any_id_the_body_names_the_event() -> None:
    first = received_event(body_of("MEETING_ENDED", {"title": "Session"}))
    again = received_event(body_of("MEETING_ENDED", {"title": "Session"}))
    other = received_event(body_of("MEETING_ENDED", {"title": "Another session"}))
    assert first.idempotency_key == again.idempotency_key != other.idempotency_key
    assert len(first.idempotency_key) == len("coaching-app:MEETING_ENDED:") + 32


@pytest.mark.parametrize("event_type", TYPES)
def test_every_known_type_is_accepted(event_type: str) -> None:
    assert received_event(body_of(event_type, {"uid": "u1"})).type == event_type


@pytest.mark.parametrize("event_type", ["BOOKING_EXPLODED", "booking_created", None, 5, ["x"]])
def test_an_unknown_type_is_refused_with_the_known_ones(event_type: Any) -> None:
    with pytest.raises(PayloadRejected, match="BOOKING_CREATED, BOOKING_CANCELLED"):
        received_event(body_of(event_type, {"uid": "u1"}))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "not valid JSON"),
        (b'["BOOKING_CREATED"]', "JSON object"),
        (b'{"type": "BOOKING_CREATED"}', "no payload"),
        (b'{"type": "BOOKING_CREATED", "payload": [1]}', "no payload"),
    ],
)
def test_a_body_that_does_not_parse_is_a_payload_error(body: bytes, message: str) -> None:
    harness.assert_payload_refused(PROVIDER, authorized(body), KEY, message)


def test_a_wrong_key_is_refused() -> None:
    harness.assert_refused(
        PROVIDER,
        authorized(load("booking_created"), key="internal-guess"),
        KEY,
        "not INTERNAL_API_KEY",
    )


@pytest.fixture
def make_request() -> MakeRequest:
    """Requests received at the provider tests' fixed instant (as in tests/ingest)."""
    return partial(build_request, received_at=INSTANT)


def test_a_missing_authorization_is_refused(make_request: MakeRequest) -> None:
    harness.assert_refused(
        PROVIDER, make_request(load("booking_created"), url=URL), KEY, "Missing Authorization"
    )


@pytest.mark.parametrize(
    "value", [f"Basic {KEY}", "Bearer", "Bearer ", KEY, f"Bearer {KEY}x", f"Token {KEY}"]
)
def test_a_malformed_authorization_is_refused(make_request: MakeRequest, value: str) -> None:
    harness.assert_refused(
        PROVIDER, make_request(load("booking_created"), {"Authorization": value}), KEY
    )


def test_the_scheme_is_case_insensitive(make_request: MakeRequest) -> None:
    PROVIDER.verify(make_request(load("booking_created"), {"Authorization": f"bearer {KEY}"}), KEY)


def test_refusals_never_show_the_key(make_request: MakeRequest) -> None:
    for value in (f"Basic {KEY}", "Bearer wrong"):
        with pytest.raises(SignatureRejected) as refused:
            PROVIDER.verify(make_request(b"{}", {"Authorization": value}), KEY)
        assert KEY not in str(refused.value)


coaching_bodies = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(TYPES) | finite_json_values,
        "payload": st.fixed_dictionaries(
            {},
            optional={
                "uid": finite_json_values,
                "bookingId": finite_json_values,
                "id": finite_json_values,
                "attendees": finite_json_values,
                "customer_details": finite_json_values,
                "data": finite_json_values,
            },
        )
        | finite_json_values,
    },
)


@settings(max_examples=150, deadline=None)
@given(value=finite_json_values | coaching_bodies)
def test_any_authorized_json_is_an_event_or_a_payload_error(value: Any) -> None:
    event = harness.event_or_payload_error(PROVIDER, authorized(json.dumps(value).encode()), KEY)
    assert event is None or event.idempotency_key.startswith(f"coaching-app:{event.type}:")
