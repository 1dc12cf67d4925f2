"""Amelia: not signed by Amelia, so a URL token (or header), or Standard Webhooks via a relay."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notionhub.ingest.event import Event, WebhookRequest
from notionhub.ingest.providers.amelia import PROVIDER
from tests.ingest import harness
from tests.ingest.conftest import INSTANT, MakeRequest, build_request
from tests.ingest.harness import finite_json_values

TOKEN = "amelia-4c1f9e0b7d2a4e8f9b3c6d5a1e2f7b8c"
RELAY_SECRET = "whsec_" + base64.b64encode(b"amelia-relay-signing-key-32bytes").decode()
HOOK = "https://hub.example.com/hooks/amelia"
load = partial(harness.load_payload, "amelia")


def with_token(body: bytes, action: str = "bookingAdded", token: str = TOKEN) -> WebhookRequest:
    """What Amelia sends when its webhook URL carries the action and the secret token."""
    return build_request(body, url=f"{HOOK}?event={action}&token={token}", received_at=INSTANT)


def relayed(
    body: bytes, secret: str = RELAY_SECRET, age: timedelta = timedelta(0), msg_id: str = "msg_1"
) -> WebhookRequest:
    """Standard Webhooks, computed by hand: base64 HMAC of "{id}.{timestamp}.{body}", signed
    ``age`` before INSTANT and received at INSTANT."""
    stamp = str(int((INSTANT - age).timestamp()))
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": stamp,
        "webhook-signature": "v1," + base64.b64encode(digest).decode(),
    }
    return build_request(body, headers, url=f"{HOOK}?event=bookingCanceled", received_at=INSTANT)


def received_event(request: WebhookRequest, secret: str = TOKEN) -> Event:
    return harness.receive_event(PROVIDER, request, secret)


def edited(name: str, **changes: Any) -> bytes:
    data = json.loads(load(name))
    data["appointment"].update(changes)
    return json.dumps(data).encode()


def test_a_booking_is_parsed() -> None:
    body = load("appointment")
    event = received_event(with_token(body, "bookingAdded"))
    assert event.provider == "amelia"
    assert event.type == "bookingAdded"
    assert event.idempotency_key == (
        "amelia:bookingAdded:appointment-42:approved:77=approved:2026-11-27 10:00:00"
    )
    assert event.entity_key == "email:jane.doe@example.com"
    assert event.data == json.loads(body)


def test_the_action_can_come_from_the_body() -> None:
    body = json.dumps({"action": "bookingCanceled", **json.loads(load("appointment"))}).encode()
    request = build_request(body, {"X-Webhook-Token": TOKEN}, url=HOOK, received_at=INSTANT)
    assert received_event(request).type == "bookingCanceled"


def test_each_change_of_an_appointment_is_its_own_event() -> None:
    added = received_event(with_token(load("appointment"), "bookingAdded"))
    canceled = received_event(
        with_token(edited("appointment", status="canceled"), "bookingCanceled")
    )
    moved = received_event(
        with_token(edited("appointment", bookingStart="2026-11-28 10:00:00"), "bookingRescheduled")
    )
    moved_back = received_event(with_token(load("appointment"), "bookingRescheduled"))
    keys = {e.idempotency_key for e in (added, canceled, moved, moved_back)}
    assert len(keys) == 4
    assert {e.entity_key for e in (added, canceled, moved)} == {"email:jane.doe@example.com"}


def test_a_redelivery_is_the_same_event() -> None:
    first = received_event(with_token(load("appointment")))
    again = received_event(with_token(json.dumps(json.loads(load("appointment"))).encode()))
    assert first.idempotency_key == again.idempotency_key


def test_a_second_customer_joining_a_group_appointment_is_a_new_event() -> None:
    group = json.loads(load("group_appointment"))
    first_only = json.loads(load("group_appointment"))
    first_only["appointment"]["bookings"] = first_only["appointment"]["bookings"][:1]
    one = received_event(with_token(json.dumps(first_only).encode()))
    two = received_event(with_token(json.dumps(group).encode()))
    assert one.idempotency_key != two.idempotency_key
    assert one.entity_key == "email:jane.doe@example.com"
    assert two.entity_key == "amelia-appointment:43"  # two customers: ordered by appointment


def test_an_event_booking_is_parsed() -> None:
    event = received_event(with_token(load("event"), "bookingStatusUpdated"))
    assert event.type == "bookingStatusUpdated"
    assert event.idempotency_key == (
        "amelia:bookingStatusUpdated:event-7:approved:301=approved:2027-03-20 09:00:00"
    )
    assert event.entity_key == "email:jane.doe@example.com"


def test_a_reservation_without_id_is_keyed_by_its_body() -> None:
    data = json.loads(load("appointment"))
    del data["appointment"]["id"]
    event = received_event(with_token(json.dumps(data).encode()))
    assert event.idempotency_key.startswith("amelia:bookingAdded:")
    assert len(event.idempotency_key) == len("amelia:bookingAdded:") + 32


def test_a_relay_signing_with_standard_webhooks_is_accepted() -> None:
    event = received_event(relayed(load("appointment")), RELAY_SECRET)
    assert event.type == "bookingCanceled"


def test_svix_headers_are_accepted(make_request: MakeRequest) -> None:
    request = relayed(load("appointment"))
    svix = {k.replace("webhook-", "svix-"): v for k, v in request.headers.items()}
    PROVIDER.verify(make_request(request.body, svix, url=request.url), RELAY_SECRET)


@pytest.mark.parametrize("token", ["amelia-wrong-token", TOKEN[:-1], TOKEN + "x", ""])
def test_a_wrong_token_is_refused(token: str) -> None:
    harness.assert_refused(PROVIDER, with_token(load("appointment"), token=token), TOKEN)


def test_a_wrong_token_header_is_refused(make_request: MakeRequest) -> None:
    request = make_request(load("appointment"), {"X-Webhook-Token": "nope"}, url=HOOK)
    harness.assert_refused(PROVIDER, request, TOKEN, "token")


def test_a_wrong_relay_secret_is_refused() -> None:
    other = "whsec_" + base64.b64encode(b"another-relay-signing-key-32byte").decode()
    harness.assert_refused(
        PROVIDER, relayed(load("appointment"), secret=other), RELAY_SECRET, "Standard Webhooks"
    )


def test_an_empty_standard_webhooks_secret_is_a_configuration_error_not_a_crash() -> None:
    harness.assert_refused(
        PROVIDER, relayed(load("appointment")), "whsec_", "not a Standard Webhooks secret"
    )


def test_a_changed_body_is_refused_with_standard_webhooks(make_request: MakeRequest) -> None:
    request = relayed(load("appointment"))
    changed = make_request(
        request.body.replace(b"approved", b"canceled"), request.headers, url=request.url
    )
    harness.assert_refused(PROVIDER, changed, RELAY_SECRET, "Standard Webhooks")


@pytest.mark.parametrize("age", [timedelta(minutes=6), timedelta(minutes=-6)])
def test_a_stale_standard_webhooks_timestamp_is_refused(age: timedelta) -> None:
    harness.assert_refused(
        PROVIDER, relayed(load("appointment"), age=age), RELAY_SECRET, "timestamp"
    )


def test_no_proof_at_all_is_refused(make_request: MakeRequest) -> None:
    harness.assert_refused(
        PROVIDER, make_request(load("appointment"), url=f"{HOOK}?event=x"), TOKEN, "No signature"
    )


@pytest.mark.parametrize(
    "headers",
    [
        {"webhook-id": "msg_1"},
        {"webhook-id": "msg_1", "webhook-timestamp": "soon", "webhook-signature": "v1,AAAA"},
        {"webhook-id": "msg_1", "webhook-timestamp": "1", "webhook-signature": "no-comma"},
        {"webhook-id": "m", "webhook-timestamp": "1e400", "webhook-signature": "v1,%%%"},
    ],
)
def test_malformed_standard_webhooks_headers_are_refused(
    make_request: MakeRequest, headers: dict[str, str]
) -> None:
    request = make_request(load("appointment"), headers, url=HOOK)
    harness.assert_refused(PROVIDER, request, RELAY_SECRET)


@pytest.mark.parametrize(
    ("request_url", "body", "message"),
    [
        (f"{HOOK}?event=bookingAdded", b"not json", "not valid JSON"),
        (f"{HOOK}?event=bookingAdded", b"[]", "JSON object"),
        (HOOK, load("appointment"), r"\?event="),
        (f"{HOOK}?event=bookingAdded", b'{"booking": {"id": 1}}', "appointment, event, package"),
        (f"{HOOK}?event=bookingAdded", b'{"appointment": [1]}', "appointment, event, package"),
    ],
)
def test_a_body_that_does_not_parse_is_a_payload_error(
    make_request: MakeRequest, request_url: str, body: bytes, message: str
) -> None:
    request = make_request(body, {"X-Webhook-Token": TOKEN}, url=request_url)
    harness.assert_payload_refused(PROVIDER, request, TOKEN, message)


bookings = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "id": finite_json_values,
            "status": finite_json_values,
            "customer": st.fixed_dictionaries({}, optional={"email": finite_json_values})
            | finite_json_values,
        },
    )
    | finite_json_values,
    max_size=3,
)
reservations = st.fixed_dictionaries(
    {},
    optional={
        "id": finite_json_values,
        "status": finite_json_values,
        "bookingStart": finite_json_values,
        "periods": finite_json_values,
        "bookings": bookings | finite_json_values,
    },
)
amelia_bodies = st.fixed_dictionaries(
    {},
    optional={
        "appointment": reservations | finite_json_values,
        "event": reservations | finite_json_values,
        "action": finite_json_values,
    },
)


@settings(max_examples=150, deadline=None)
@given(
    value=finite_json_values | amelia_bodies, action=st.sampled_from(["", "&event=bookingAdded"])
)
def test_any_signed_json_is_an_event_or_a_payload_error(value: Any, action: str) -> None:
    request = build_request(
        json.dumps(value).encode(), url=f"{HOOK}?token={TOKEN}{action}", received_at=INSTANT
    )
    harness.event_or_payload_error(PROVIDER, request, TOKEN)


@settings(max_examples=60, deadline=None)
@given(value=finite_json_values | amelia_bodies)
def test_any_json_relayed_with_standard_webhooks_is_an_event_or_a_payload_error(
    value: Any,
) -> None:
    harness.event_or_payload_error(PROVIDER, relayed(json.dumps(value).encode()), RELAY_SECRET)
