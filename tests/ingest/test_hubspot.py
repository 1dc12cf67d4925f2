"""HubSpot v3: base64 HMAC of method + URI + body + timestamp, 5 minutes; batches of events."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.datastructures import Headers

from notionhub.ingest.event import Event, WebhookRequest
from notionhub.ingest.providers.hubspot import PROVIDER, signed_uri
from tests.ingest import harness
from tests.ingest.conftest import INSTANT, build_request
from tests.ingest.harness import finite_json_values

SECRET = "9f3b2c1d-hubspot-client-secret"
URL = "https://hub.example.com/hooks/hubspot"
load = partial(harness.load_payload, "hubspot")
receive = partial(harness.receive, PROVIDER, secret=SECRET)


def signed(
    body: bytes,
    *,
    secret: str = SECRET,
    url: str = URL,
    signed_url: str | None = None,
    age: timedelta = timedelta(0),
    method: str = "POST",
) -> WebhookRequest:
    """What HubSpot sends: base64 HMAC-SHA256(client secret, method + URI + body + timestamp),
    signed ``age`` before INSTANT and received at INSTANT."""
    stamp = str(int((INSTANT - age).timestamp() * 1000))
    message = method.encode() + (signed_url or url).encode() + body + stamp.encode()
    digest = base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest())
    headers = {"X-HubSpot-Signature-v3": digest.decode(), "X-HubSpot-Request-Timestamp": stamp}
    return build_request(body, headers, url=url, method=method, received_at=INSTANT)


def received_event(body: bytes) -> Event:
    return harness.receive_event(PROVIDER, signed(body), SECRET)


def replaced(request: WebhookRequest, **changes: Any) -> WebhookRequest:
    if isinstance(headers := changes.get("headers"), dict):
        changes["headers"] = Headers(headers=headers)
    return dataclasses.replace(request, **changes)


def with_header(request: WebhookRequest, name: str, value: str) -> WebhookRequest:
    headers = {k: v for k, v in request.headers.items() if k != name.lower()}
    return replaced(request, headers={**headers, name: value})


def test_a_contact_creation_is_parsed() -> None:
    body = load("contact.creation")
    event = received_event(body)
    assert event.provider == "hubspot"
    assert event.type == "contact.creation"
    assert event.idempotency_key == "hubspot:1764072001"
    assert event.entity_key == "hubspot-contact:123"
    assert event.occurred_at == datetime(2025, 11, 25, 12, 0, 0, 123000, tzinfo=UTC)
    assert event.data == {"events": json.loads(body)}


def test_a_batch_about_one_contact_keeps_its_type_and_entity() -> None:
    event = received_event(load("contact.propertyChange"))
    assert event.type == "contact.propertyChange"
    assert event.idempotency_key == "hubspot:1764072101,1764072102"
    assert event.entity_key == "hubspot-contact:123"
    assert event.occurred_at == datetime(2025, 11, 25, 12, 1, 40, 789000, tzinfo=UTC)


def test_a_mixed_batch_is_a_batch_about_no_single_entity() -> None:
    event = received_event(load("mixed_batch"))
    assert (event.type, event.entity_key) == ("batch", None)
    assert event.idempotency_key == "hubspot:1764072201,1764072202"
    assert len(event.data["events"]) == 2


def test_the_key_does_not_depend_on_the_order_of_the_events() -> None:
    events = json.loads(load("mixed_batch"))
    forward = received_event(json.dumps(events).encode())
    backward = received_event(json.dumps(events[::-1]).encode())
    assert forward.idempotency_key == backward.idempotency_key


def test_a_redelivery_is_the_same_event_and_other_events_are_not() -> None:
    keys = [received_event(load(name)).idempotency_key for name in ("contact.creation",) * 2]
    assert keys[0] == keys[1]
    others = {received_event(load(n)).idempotency_key for n in ("contact.creation", "mixed_batch")}
    assert len(others) == 2


def test_a_hundred_events_are_keyed_by_a_digest_of_their_ids() -> None:
    template = json.loads(load("contact.creation"))[0]
    events = [{**template, "eventId": 9_000_000_000 + n, "objectId": n} for n in range(100)]
    event = received_event(json.dumps(events).encode())
    assert event.idempotency_key.startswith("hubspot:100-events-")
    assert len(event.idempotency_key) < 100
    assert event.entity_key is None


def test_the_uri_is_signed_as_hubspot_decodes_it() -> None:
    assert signed_uri(f"{URL}?a=%3A%2f%40x%20y%3d") == f"{URL}?a=:/@x%20y%3d"
    url = f"{URL}?portal=62515&owner=jane%40example.com&tags=a%2Cb"
    # HubSpot signs "owner=jane@example.com&tags=a,b"; the hub receives the escaped form.
    request = signed(load("contact.creation"), url=url, signed_url=signed_uri(url))
    assert receive(request).type == "contact.creation"  # type: ignore[union-attr]


def test_another_uri_or_method_is_refused() -> None:
    request = signed(load("contact.creation"))
    harness.assert_refused(
        PROVIDER, replaced(request, url=URL + "?x=1"), SECRET, "X-HubSpot-Signature-v3"
    )
    harness.assert_refused(PROVIDER, replaced(request, method="PUT"), SECRET)


def test_a_wrong_secret_is_refused() -> None:
    harness.assert_refused(
        PROVIDER,
        signed(load("contact.creation"), secret="another-secret"),
        SECRET,
        "X-HubSpot-Signature-v3",
    )


def test_a_changed_body_is_refused() -> None:
    request = signed(load("contact.creation"))
    harness.assert_refused(
        PROVIDER, replaced(request, body=request.body.replace(b"123", b"124")), SECRET
    )


@pytest.mark.parametrize("age", [timedelta(minutes=6), timedelta(minutes=-6)])
def test_a_stale_or_future_timestamp_is_refused(age: timedelta) -> None:
    harness.assert_refused(
        PROVIDER, signed(load("contact.creation"), age=age), SECRET, "X-HubSpot-Request-Timestamp"
    )


def test_a_timestamp_within_five_minutes_is_accepted() -> None:
    PROVIDER.verify(signed(load("contact.creation"), age=timedelta(minutes=4)), SECRET)


def test_a_changed_timestamp_is_refused() -> None:
    request = signed(load("contact.creation"))
    stamp = str(int(request.headers["X-HubSpot-Request-Timestamp"]) - 1000)
    harness.assert_refused(
        PROVIDER,
        with_header(request, "X-HubSpot-Request-Timestamp", stamp),
        SECRET,
        "X-HubSpot-Signature-v3",
    )


@pytest.mark.parametrize("missing", ["X-HubSpot-Signature-v3", "X-HubSpot-Request-Timestamp"])
def test_a_missing_header_is_refused(missing: str) -> None:
    request = signed(load("contact.creation"))
    headers = {k: v for k, v in request.headers.items() if k.lower() != missing.lower()}
    harness.assert_refused(PROVIDER, replaced(request, headers=headers), SECRET, missing)


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("X-HubSpot-Signature-v3", "%%%not base64%%%"),
        ("X-HubSpot-Signature-v3", "c2hvcnQ="),
        ("X-HubSpot-Request-Timestamp", "yesterday"),
        ("X-HubSpot-Request-Timestamp", "nan"),
        ("X-HubSpot-Request-Timestamp", "1e400"),
    ],
)
def test_a_malformed_header_is_refused(header: str, value: str) -> None:
    request = signed(load("contact.creation"))
    harness.assert_refused(PROVIDER, with_header(request, header, value), SECRET)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "not valid JSON"),
        (b"[]", "non-empty JSON array"),
        (b'{"eventId": 1}', "non-empty JSON array"),
        (b'[{"subscriptionType": "contact.creation"}]', "Event 0 has no eventId"),
        (b'[{"eventId": 1}, "x"]', "Event 1 has no eventId"),
        (b'[{"eventId": true}]', "eventId"),
        (b'[{"eventId": 1, "occurredAt": 1e300}]', "occurredAt"),
    ],
)
def test_a_signed_body_that_does_not_parse_is_a_payload_error(body: bytes, message: str) -> None:
    harness.assert_payload_refused(PROVIDER, signed(body), SECRET, message)


hubspot_events = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "eventId": st.integers() | finite_json_values,
            "subscriptionType": st.sampled_from(["contact.creation", "deal.deletion"])
            | finite_json_values,
            "objectId": st.integers() | finite_json_values,
            "occurredAt": st.integers(min_value=0, max_value=2**53) | finite_json_values,
        },
    )
    | finite_json_values,
    max_size=5,
)


@settings(max_examples=150, deadline=None)
@given(value=finite_json_values | hubspot_events)
def test_any_signed_json_is_an_event_or_a_payload_error(value: Any) -> None:
    harness.event_or_payload_error(PROVIDER, signed(json.dumps(value).encode()), SECRET)
