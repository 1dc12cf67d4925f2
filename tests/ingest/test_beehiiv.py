"""Beehiiv: no documented signature, so Standard Webhooks (a relay) or a secret token."""

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
from notionhub.ingest.providers.beehiiv import PROVIDER
from tests.ingest import harness
from tests.ingest.conftest import INSTANT, MakeRequest, build_request
from tests.ingest.harness import finite_json_values

SECRET = "whsec_" + base64.b64encode(b"beehiiv-relay-signing-key-32byte").decode()
TOKEN = "beehiiv-0e6f4b2d9c8a4f1e8d7c6b5a4f3e2d1c"
HOOK = "https://hub.example.com/hooks/beehiiv"
load = partial(harness.load_payload, "beehiiv")
edited = partial(harness.edited_payload, "beehiiv")


def signed(
    body: bytes,
    secret: str = SECRET,
    age: timedelta = timedelta(0),
    msg_id: str = "msg_2Kq0fYk1",
    prefix: str = "webhook-",
) -> WebhookRequest:
    """Standard Webhooks, computed by hand: base64 HMAC of "{id}.{timestamp}.{body}", signed
    ``age`` before INSTANT and received at INSTANT."""
    stamp = str(int((INSTANT - age).timestamp()))
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    headers = {
        f"{prefix}id": msg_id,
        f"{prefix}timestamp": stamp,
        f"{prefix}signature": "v1," + base64.b64encode(digest).decode(),
    }
    return build_request(body, headers, url=HOOK, received_at=INSTANT)


def with_token(body: bytes, token: str = TOKEN) -> WebhookRequest:
    return build_request(body, {"X-Webhook-Token": token}, url=HOOK, received_at=INSTANT)


def received_event(body: bytes) -> Event:
    return harness.receive_event(PROVIDER, signed(body), SECRET)


def test_a_new_subscription_is_parsed() -> None:
    body = load("subscription.created")
    event = received_event(body)
    assert event.provider == "beehiiv"
    assert event.type == "subscription.created"
    assert event.idempotency_key == "beehiiv:evt_5dd5a5b2-6b54-4c6f-8c2a-2a8ad5b3b001"
    assert event.entity_key == "email:jane.doe@example.com"
    assert event.occurred_at == datetime.fromtimestamp(1764072001, UTC)
    assert event.data == json.loads(body)


def test_a_survey_response_is_about_its_subscriber() -> None:
    event = received_event(load("survey.response_submitted"))
    assert event.type == "survey.response_submitted"
    assert event.entity_key == "email:jane.doe@example.com"


def test_a_post_is_about_no_subscriber() -> None:
    event = received_event(load("post.sent"))
    assert (event.type, event.entity_key) == ("post.sent", None)


def test_a_redelivery_is_the_same_event_and_other_events_are_not() -> None:
    first = received_event(load("subscription.created"))
    assert received_event(load("subscription.created")).idempotency_key == first.idempotency_key
    keys = {received_event(load(n)).idempotency_key for n in ("post.sent", "subscription.created")}
    assert len(keys) == 2


def test_without_uid_or_time_the_body_names_the_event() -> None:
    event = received_event(edited("subscription.created", uid=None, event_timestamp=None))
    assert len(event.idempotency_key) == len("beehiiv:") + 32
    assert event.occurred_at.tzinfo is not None


def test_svix_headers_and_a_token_are_accepted() -> None:
    harness.receive_event(PROVIDER, signed(load("post.sent"), prefix="svix-"), SECRET)
    harness.receive_event(PROVIDER, with_token(load("post.sent")), TOKEN)


def test_a_token_in_the_url_is_accepted(make_request: MakeRequest) -> None:
    PROVIDER.verify(make_request(load("post.sent"), url=f"{HOOK}?token={TOKEN}"), TOKEN)


def test_a_wrong_secret_is_refused() -> None:
    other = "whsec_" + base64.b64encode(b"another-signing-key-of-32-bytes!").decode()
    harness.assert_refused(
        PROVIDER, signed(load("post.sent"), secret=other), SECRET, "Standard Webhooks"
    )
    harness.assert_refused(PROVIDER, with_token(load("post.sent"), token="guess"), TOKEN, "token")


def test_a_changed_body_is_refused(make_request: MakeRequest) -> None:
    request = signed(load("subscription.created"))
    changed = make_request(request.body.replace(b"active", b"inactive"), request.headers, url=HOOK)
    harness.assert_refused(PROVIDER, changed, SECRET, "Standard Webhooks")


def test_a_replayed_message_with_another_id_is_refused(make_request: MakeRequest) -> None:
    request = signed(load("subscription.created"))
    headers = {**request.headers, "webhook-id": "msg_other"}
    harness.assert_refused(PROVIDER, make_request(request.body, headers, url=HOOK), SECRET)


@pytest.mark.parametrize("age", [timedelta(minutes=6), timedelta(minutes=-6)])
def test_a_stale_or_future_timestamp_is_refused(age: timedelta) -> None:
    harness.assert_refused(PROVIDER, signed(load("post.sent"), age=age), SECRET, "timestamp")


def test_a_missing_signature_is_refused(make_request: MakeRequest) -> None:
    harness.assert_refused(
        PROVIDER, make_request(load("post.sent"), url=HOOK), SECRET, "No signature"
    )
    request = signed(load("post.sent"))
    headers = {k: v for k, v in request.headers.items() if k != "webhook-signature"}
    harness.assert_refused(PROVIDER, make_request(request.body, headers, url=HOOK), SECRET)


@pytest.mark.parametrize(
    "signature", ["v1", "v1,%%%", "v2,AAAA", "v1,a,b", "v1," + "A" * 44, " ", "v1,AAA"]
)
def test_a_malformed_signature_is_refused(make_request: MakeRequest, signature: str) -> None:
    request = signed(load("post.sent"))
    headers = {**request.headers, "webhook-signature": signature}
    harness.assert_refused(PROVIDER, make_request(request.body, headers, url=HOOK), SECRET)


def test_a_plain_token_secret_cannot_check_a_standard_signature() -> None:
    harness.assert_refused(PROVIDER, signed(load("post.sent")), "not base64 at all !")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "not valid JSON"),
        (b'["subscription.created"]', "JSON object"),
        (edited("post.sent", event_type=None), "no event_type"),
        (edited("post.sent", event_type=""), "no event_type"),
        (edited("post.sent", event_type=["post.sent"]), "no event_type"),
        (edited("post.sent", event_timestamp="yesterday"), "event_timestamp"),
        (edited("post.sent", event_timestamp=10**20), "event_timestamp"),
    ],
)
def test_a_signed_body_that_does_not_parse_is_a_payload_error(body: bytes, message: str) -> None:
    harness.assert_payload_refused(PROVIDER, signed(body), SECRET, message)


beehiiv_bodies = st.fixed_dictionaries(
    {},
    optional={
        "uid": finite_json_values,
        "event_type": st.sampled_from(["subscription.created", "post.sent"]) | finite_json_values,
        "event_timestamp": st.integers(min_value=0, max_value=2**40) | finite_json_values,
        "data": st.fixed_dictionaries(
            {}, optional={"email": finite_json_values, "subscription": finite_json_values}
        )
        | finite_json_values,
    },
)


@settings(max_examples=150, deadline=None)
@given(value=finite_json_values | beehiiv_bodies)
def test_any_signed_json_is_an_event_or_a_payload_error(value: Any) -> None:
    harness.event_or_payload_error(PROVIDER, signed(json.dumps(value).encode()), SECRET)


@settings(max_examples=100, deadline=None)
@given(body=st.binary(max_size=300))
def test_any_bytes_with_the_token_are_an_event_or_a_payload_error(body: bytes) -> None:
    # Standard Webhooks signs text (the library decodes the body as UTF-8), so arbitrary bytes
    # come with the token; their UTF-8 reading, signed the Standard Webhooks way, is tested
    # with every provider's in test_signatures.py.
    harness.event_or_payload_error(PROVIDER, with_token(body), TOKEN)
