"""Circle.so: no documented signature, so a secret token or Standard Webhooks (a relay)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notionhub.ingest.event import Event, WebhookRequest
from notionhub.ingest.providers.circle import PROVIDER
from tests.ingest import harness
from tests.ingest.conftest import INSTANT, MakeRequest, build_request
from tests.ingest.harness import finite_json_values

TOKEN = "circle-7a9c2e4f6b8d0a1c3e5f7b9d1f3a5c7e"
RELAY_SECRET = "whsec_" + base64.b64encode(b"circle-relay-signing-key-32bytes").decode()
HOOK = "https://hub.example.com/hooks/circle"
load = partial(harness.load_payload, "circle")


def with_token(body: bytes, token: str = TOKEN, url: str = HOOK) -> WebhookRequest:
    """What a Circle workflow's webhook action sends with the custom header set."""
    return build_request(body, {"X-Webhook-Token": token}, url=url, received_at=INSTANT)


def relayed(
    body: bytes, secret: str = RELAY_SECRET, age: timedelta = timedelta(0)
) -> WebhookRequest:
    """Standard Webhooks, computed by hand: base64 HMAC of "{id}.{timestamp}.{body}", signed
    ``age`` before INSTANT and received at INSTANT."""
    stamp = str(int((INSTANT - age).timestamp()))
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"msg_7.{stamp}.".encode() + body, hashlib.sha256).digest()
    headers = {
        "webhook-id": "msg_7",
        "webhook-timestamp": stamp,
        "webhook-signature": "v1," + base64.b64encode(digest).decode(),
    }
    return build_request(body, headers, url=HOOK, received_at=INSTANT)


def received_event(request: WebhookRequest, secret: str = TOKEN) -> Event:
    return harness.receive_event(PROVIDER, request, secret)


def test_a_new_member_is_parsed() -> None:
    body = load("member_created")
    event = received_event(with_token(body))
    assert event.provider == "circle"
    assert event.type == "community_member.created"
    assert event.idempotency_key == "circle:evt_9876"
    assert event.entity_key == "email:jane.doe@example.com"
    assert event.occurred_at == datetime(2026, 11, 20, 9, 20, tzinfo=UTC)
    assert event.data == json.loads(body)


def test_a_flat_body_takes_its_type_from_the_url_and_its_key_from_the_body() -> None:
    body = load("new_member_flat")
    event = received_event(with_token(body, url=f"{HOOK}?event=member.joined"))
    assert event.type == "member.joined"
    assert event.idempotency_key.startswith("circle:member.joined:")
    assert event.entity_key == "email:jane.doe@example.com"
    again = received_event(with_token(body, url=f"{HOOK}?event=member.joined"))
    assert again.idempotency_key == event.idempotency_key
    other = received_event(with_token(body, url=f"{HOOK}?event=member.left"))
    assert other.idempotency_key != event.idempotency_key


def test_a_bare_id_is_not_taken_for_an_event_id() -> None:
    # Without an envelope, "id" may be the member's: two events about them must not collide.
    first = {"type": "member.updated", "id": 555, "email": "jane@example.com", "headline": "A"}
    second = {**first, "headline": "B"}
    keys = {
        received_event(with_token(json.dumps(b).encode())).idempotency_key for b in (first, second)
    }
    assert len(keys) == 2


def test_an_unreadable_time_falls_back_to_the_time_received() -> None:
    data = {**json.loads(load("member_created")), "created_at": "sometime"}
    event = received_event(with_token(json.dumps(data).encode()))
    assert event.occurred_at == INSTANT


def test_a_token_in_the_url_is_accepted() -> None:
    request = build_request(
        load("member_created"), url=f"{HOOK}?token={TOKEN}", received_at=INSTANT
    )
    assert received_event(request).type == "community_member.created"


def test_a_relay_signing_with_standard_webhooks_is_accepted() -> None:
    event = received_event(relayed(load("member_created")), RELAY_SECRET)
    assert event.idempotency_key == "circle:evt_9876"


def test_a_wrong_token_is_refused() -> None:
    harness.assert_refused(
        PROVIDER, with_token(load("member_created"), token="circle-guess"), TOKEN, "token"
    )


def test_a_wrong_relay_secret_is_refused() -> None:
    other = "whsec_" + base64.b64encode(b"some-other-relay-signing-key-32b").decode()
    harness.assert_refused(
        PROVIDER, relayed(load("member_created"), secret=other), RELAY_SECRET, "Standard Webhooks"
    )


def test_a_changed_body_is_refused_with_standard_webhooks(make_request: MakeRequest) -> None:
    request = relayed(load("member_created"))
    changed = make_request(request.body.replace(b"Jane", b"Joan"), request.headers, url=HOOK)
    harness.assert_refused(PROVIDER, changed, RELAY_SECRET, "Standard Webhooks")


def test_a_stale_standard_webhooks_timestamp_is_refused() -> None:
    harness.assert_refused(
        PROVIDER,
        relayed(load("member_created"), age=timedelta(minutes=10)),
        RELAY_SECRET,
        "600 s away from now; the limit is 300 s",
    )


def test_no_proof_is_refused(make_request: MakeRequest) -> None:
    harness.assert_refused(
        PROVIDER, make_request(load("member_created"), url=HOOK), TOKEN, "No signature"
    )


@pytest.mark.parametrize(
    "headers",
    [
        {"webhook-timestamp": "1", "webhook-signature": "v1,AAAA"},
        {"webhook-id": "m", "webhook-timestamp": "x", "webhook-signature": "v1,AAAA"},
        {"svix-id": "m", "svix-timestamp": "1", "svix-signature": "v1"},
    ],
)
def test_malformed_standard_headers_are_refused(
    make_request: MakeRequest, headers: dict[str, str]
) -> None:
    harness.assert_refused(
        PROVIDER, make_request(load("member_created"), headers, url=HOOK), RELAY_SECRET
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "not valid JSON"),
        (b"[]", "JSON object"),
        (b'{"email": "jane@example.com"}', r"\?event="),
        (b'{"type": ["x"], "email": "jane@example.com"}', r"\?event="),
    ],
)
def test_a_body_that_does_not_parse_is_a_payload_error(body: bytes, message: str) -> None:
    request = with_token(body)
    harness.assert_payload_refused(PROVIDER, request, TOKEN, message)


circle_bodies = st.fixed_dictionaries(
    {},
    optional={
        "id": finite_json_values,
        "event_id": finite_json_values,
        "type": st.just("member.created") | finite_json_values,
        "created_at": st.datetimes().map(datetime.isoformat)
        | st.text(max_size=20)
        | finite_json_values,
        "email": finite_json_values,
        "data": st.fixed_dictionaries({}, optional={"email": finite_json_values})
        | finite_json_values,
    },
)


@settings(max_examples=150, deadline=None)
@given(
    value=finite_json_values | circle_bodies, query=st.sampled_from(["", "?event=member.created"])
)
def test_any_json_with_the_token_is_an_event_or_a_payload_error(value: Any, query: str) -> None:
    request = with_token(json.dumps(value).encode(), url=HOOK + query)
    harness.event_or_payload_error(PROVIDER, request, TOKEN)


@settings(max_examples=60, deadline=None)
@given(value=finite_json_values | circle_bodies)
def test_any_relayed_json_is_an_event_or_a_payload_error(value: Any) -> None:
    harness.event_or_payload_error(PROVIDER, relayed(json.dumps(value).encode()), RELAY_SECRET)
