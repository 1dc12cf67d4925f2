"""Amelia: not signed by Amelia, so a URL token (or header), or Standard Webhooks via a relay."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notionhub.errors import PayloadRejected, SignatureRejected
from notionhub.ingest.event import Event, Reply, WebhookRequest
from notionhub.ingest.providers.amelia import PROVIDER
from tests.ingest.conftest import MakeRequest, build_request

TOKEN = "amelia-4c1f9e0b7d2a4e8f9b3c6d5a1e2f7b8c"
RELAY_SECRET = "whsec_" + base64.b64encode(b"amelia-relay-signing-key-32bytes").decode()
HOOK = "https://hub.example.com/hooks/amelia"
PAYLOADS = Path(__file__).parent / "payloads" / "amelia"


def load(name: str) -> bytes:
    return (PAYLOADS / f"{name}.json").read_bytes().rstrip(b"\n")


def with_token(body: bytes, action: str = "bookingAdded", token: str = TOKEN) -> WebhookRequest:
    """What Amelia sends when its webhook URL carries the action and the secret token."""
    return build_request(body, url=f"{HOOK}?event={action}&token={token}")


def relayed(
    body: bytes, secret: str = RELAY_SECRET, age: timedelta = timedelta(0), msg_id: str = "msg_1"
) -> WebhookRequest:
    """Standard Webhooks, computed by hand: base64 HMAC of "{id}.{timestamp}.{body}"."""
    stamp = str(int((datetime.now(UTC) - age).timestamp()))
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": stamp,
        "webhook-signature": "v1," + base64.b64encode(digest).decode(),
    }
    return build_request(body, headers, url=f"{HOOK}?event=bookingCanceled")


def receive(request: WebhookRequest, secret: str = TOKEN) -> Event | Reply:
    PROVIDER.verify(request, secret)
    return PROVIDER.parse(request, secret)


def received_event(request: WebhookRequest, secret: str = TOKEN) -> Event:
    event = receive(request, secret)
    assert isinstance(event, Event)
    return event


def edited(name: str, **changes: Any) -> bytes:
    data = json.loads(load(name))
    data["appointment"].update(changes)
    return json.dumps(data).encode()


def test_the_provider_is_named_and_configured_as_the_hub_expects() -> None:
    assert (PROVIDER.name, PROVIDER.secret_env) == ("amelia", "AMELIA_WEBHOOK_SECRET")


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
    request = build_request(body, {"X-Webhook-Token": TOKEN}, url=HOOK)
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
    with pytest.raises(SignatureRejected):
        PROVIDER.verify(with_token(load("appointment"), token=token), TOKEN)


def test_a_wrong_token_header_is_refused(make_request: MakeRequest) -> None:
    request = make_request(load("appointment"), {"X-Webhook-Token": "nope"}, url=HOOK)
    with pytest.raises(SignatureRejected, match="token"):
        PROVIDER.verify(request, TOKEN)


def test_a_wrong_relay_secret_is_refused() -> None:
    other = "whsec_" + base64.b64encode(b"another-relay-signing-key-32byte").decode()
    with pytest.raises(SignatureRejected, match="Standard Webhooks"):
        PROVIDER.verify(relayed(load("appointment"), secret=other), RELAY_SECRET)


def test_an_empty_standard_webhooks_secret_is_a_configuration_error_not_a_crash() -> None:
    with pytest.raises(SignatureRejected, match="not a Standard Webhooks secret"):
        PROVIDER.verify(relayed(load("appointment")), "whsec_")


def test_a_changed_body_is_refused_with_standard_webhooks(make_request: MakeRequest) -> None:
    request = relayed(load("appointment"))
    changed = make_request(
        request.body.replace(b"approved", b"canceled"), request.headers, url=request.url
    )
    with pytest.raises(SignatureRejected, match="Standard Webhooks"):
        PROVIDER.verify(changed, RELAY_SECRET)


@pytest.mark.parametrize("age", [timedelta(minutes=6), timedelta(minutes=-6)])
def test_a_stale_standard_webhooks_timestamp_is_refused(age: timedelta) -> None:
    with pytest.raises(SignatureRejected, match="timestamp"):
        PROVIDER.verify(relayed(load("appointment"), age=age), RELAY_SECRET)


def test_no_proof_at_all_is_refused(make_request: MakeRequest) -> None:
    with pytest.raises(SignatureRejected, match="No signature"):
        PROVIDER.verify(make_request(load("appointment"), url=f"{HOOK}?event=x"), TOKEN)


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
    with pytest.raises(SignatureRejected):
        PROVIDER.verify(request, RELAY_SECRET)


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
    PROVIDER.verify(request, TOKEN)
    with pytest.raises(PayloadRejected, match=message):
        PROVIDER.parse(request, TOKEN)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=20,
)
bookings = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "id": json_values,
            "status": json_values,
            "customer": st.fixed_dictionaries({}, optional={"email": json_values}) | json_values,
        },
    )
    | json_values,
    max_size=3,
)
reservations = st.fixed_dictionaries(
    {},
    optional={
        "id": json_values,
        "status": json_values,
        "bookingStart": json_values,
        "periods": json_values,
        "bookings": bookings | json_values,
    },
)
amelia_bodies = st.fixed_dictionaries(
    {},
    optional={
        "appointment": reservations | json_values,
        "event": reservations | json_values,
        "action": json_values,
    },
)


@settings(max_examples=150, deadline=None)
@given(value=json_values | amelia_bodies, action=st.sampled_from(["", "&event=bookingAdded"]))
def test_any_signed_json_is_an_event_or_a_payload_error(value: Any, action: str) -> None:
    request = build_request(json.dumps(value).encode(), url=f"{HOOK}?token={TOKEN}{action}")
    try:
        event = receive(request)
    except PayloadRejected:
        return
    assert isinstance(event, Event)
    assert event.idempotency_key.startswith("amelia:")


@settings(max_examples=60, deadline=None)
@given(value=json_values | amelia_bodies)
def test_any_json_relayed_with_standard_webhooks_is_an_event_or_a_payload_error(
    value: Any,
) -> None:
    with contextlib.suppress(PayloadRejected):
        assert isinstance(receive(relayed(json.dumps(value).encode()), RELAY_SECRET), Event)


@settings(max_examples=100, deadline=None)
@given(body=st.binary(max_size=300))
def test_any_bytes_with_the_token_are_an_event_or_a_payload_error(body: bytes) -> None:
    with contextlib.suppress(PayloadRejected):
        assert isinstance(receive(with_token(body)), Event)
