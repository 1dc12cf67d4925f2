"""Snov.io: no documented signature, so a shared secret (or a signing relay); a lenient parser."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notionhub.errors import PayloadRejected
from notionhub.ingest.event import Event, WebhookRequest
from notionhub.packs.network.snovio import PROVIDER, prospect_name
from tests.ingest import harness
from tests.ingest.conftest import INSTANT, build_request
from tests.ingest.harness import finite_json_values, json_objects

PAYLOADS = Path(__file__).parent / "payloads" / "snovio"
TOKEN = "snovio-7d0c2b9e41f84a6c9e3b5d1f0a2c4e6b"
HOOK = "https://hub.example.com/hooks/snovio"
RELAY_SECRET = "whsec_" + base64.b64encode(b"snovio-relay-signing-key-32bytes").decode()


def load(name: str) -> bytes:
    return (PAYLOADS / f"{name}.json").read_bytes().rstrip(b"\n")


def edited(name: str, **changes: Any) -> bytes:
    """A stored example with top-level fields changed; fields that are then None are left out."""
    data = {**json.loads(load(name)), **changes}
    return json.dumps({k: v for k, v in data.items() if v is not None}).encode()


def with_token(body: bytes, token: str = TOKEN, *, query: str = "") -> WebhookRequest:
    url = f"{HOOK}?{query}" if query else HOOK
    return build_request(body, {"X-Webhook-Token": token}, url=url, received_at=INSTANT)


def in_url(body: bytes, query: str) -> WebhookRequest:
    return build_request(body, url=f"{HOOK}?{query}", received_at=INSTANT)


def received(request: WebhookRequest) -> Event:
    return harness.receive_event(PROVIDER, request, TOKEN)


def test_a_reply_is_an_event_about_its_prospect() -> None:
    body = load("campaign_reply.first_received")
    event = received(with_token(body))
    assert (event.provider, event.type) == ("snovio", "campaign_reply.first_received")
    assert event.entity_key == "email:jane.doe@example.com"
    assert event.idempotency_key == (
        "snovio:campaign_reply.first_received:" + hashlib.sha256(body).hexdigest()[:32]
    )
    assert event.occurred_at == datetime(2026, 3, 14, 15, 2, 11, tzinfo=UTC)
    assert event.data == json.loads(body)


def test_an_event_id_names_the_event_and_a_unix_time_is_read() -> None:
    event = received(with_token(load("campaign_email.first_sent")))
    assert event.type == "campaign_email.first_sent"
    assert event.idempotency_key == "snovio:wh_5c1e0f0d2a7b4e9c"
    assert event.entity_key == "email:sam@northwind.example"
    assert event.occurred_at == datetime.fromtimestamp(1773500000, UTC)


def test_the_endpoint_url_names_the_type_when_the_body_does_not() -> None:
    query = f"token={TOKEN}&event=prospect.campaign_finished"
    event = received(in_url(load("flat_without_names"), query))
    assert event.type == "prospect.campaign_finished"
    assert event.entity_key == "email:kim@contoso.example"
    assert event.occurred_at == INSTANT  # no time in the body: when it was received


def test_the_endpoint_url_wins_over_the_body() -> None:
    request = in_url(
        load("campaign_reply.first_received"), f"event=campaign_reply.received&token={TOKEN}"
    )
    assert received(request).type == "campaign_reply.received"


def test_a_redelivery_is_the_same_event_and_other_deliveries_are_not() -> None:
    first = received(with_token(load("campaign_reply.first_received")))
    again = received(with_token(load("campaign_reply.first_received")))
    assert again.idempotency_key == first.idempotency_key
    other_reply = edited("campaign_reply.first_received", event_datetime="2026-03-15 09:00:00")
    other_type = in_url(load("campaign_reply.first_received"), f"token={TOKEN}&event=x.y")
    keys = {first.idempotency_key, received(with_token(other_reply)).idempotency_key}
    keys.add(received(other_type).idempotency_key)
    assert len(keys) == 3


def test_an_unreadable_time_is_the_time_received() -> None:
    for stamp in ("yesterday", 10**20, True, ["2026-03-14"]):
        body = edited("campaign_reply.first_received", event_datetime=stamp)
        assert received(with_token(body)).occurred_at == INSTANT


def test_a_relay_signature_is_accepted() -> None:
    body = load("campaign_reply.first_received")
    stamp = str(int(INSTANT.timestamp()))
    key = base64.b64decode(RELAY_SECRET.removeprefix("whsec_"))
    digest = hmac.new(key, f"msg_1.{stamp}.".encode() + body, hashlib.sha256).digest()
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": stamp,
        "webhook-signature": "v1," + base64.b64encode(digest).decode(),
    }
    request = build_request(body, headers, url=HOOK, received_at=INSTANT)
    assert harness.receive_event(PROVIDER, request, RELAY_SECRET).type.startswith("campaign_reply")


def test_a_wrong_token_is_refused() -> None:
    body = load("campaign_reply.first_received")
    harness.assert_refused(PROVIDER, with_token(body, "guess"), TOKEN, "not the configured secret")
    harness.assert_refused(PROVIDER, in_url(body, "token=guess"), TOKEN, "not the configured")


def test_a_missing_token_is_refused() -> None:
    request = build_request(load("campaign_reply.first_received"), url=HOOK, received_at=INSTANT)
    harness.assert_refused(PROVIDER, request, TOKEN, "No signature")
    empty = in_url(load("campaign_reply.first_received"), "token=")
    harness.assert_refused(PROVIDER, empty, TOKEN, "No signature")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b'[{"event_object": "campaign_reply"}]', "JSON object"),
        (edited("campaign_reply.first_received", event_object=None), "event type is unknown"),
        (edited("campaign_reply.first_received", event_action=""), "event type is unknown"),
        (edited("flat_without_names", event={"name": "x"}), "event type is unknown"),
        (edited("campaign_reply.first_received", data={"campaign": {}}), "names no prospect email"),
        (
            edited("campaign_email.first_sent", data={"recipient": {"email": "no-at"}}),
            "no prospect",
        ),
    ],
)
def test_a_body_that_does_not_parse_is_a_payload_error(body: bytes, message: str) -> None:
    harness.assert_payload_refused(PROVIDER, with_token(body), TOKEN, message)


def test_the_refusal_names_what_to_fix() -> None:
    body = edited("flat_without_names", prospect_email=None)
    with pytest.raises(PayloadRejected) as refused:
        PROVIDER.parse(with_token(body, query="event=campaign_reply.received"), TOKEN)
    assert str(refused.value).startswith("The Snov.io campaign_reply.received event names no")


def test_the_prospect_name_is_found_where_the_email_is() -> None:
    assert prospect_name(json.loads(load("campaign_reply.first_received"))) == "Jane Doe"
    assert prospect_name(json.loads(load("campaign_email.first_sent"))) == "Sam Lee"
    assert prospect_name(json.loads(load("flat_without_names"))) == ""
    assert prospect_name({"data": {"first_name": " Kim ", "last_name": None}}) == "Kim"


snovio_bodies = st.fixed_dictionaries(
    {},
    optional={
        "event_id": finite_json_values,
        "event_object": st.sampled_from(["campaign_reply", "prospect"]) | finite_json_values,
        "event_action": st.sampled_from(["received", "unsubscribed"]) | finite_json_values,
        "event": finite_json_values,
        "event_datetime": st.integers(min_value=-(2**62), max_value=2**62) | finite_json_values,
        "timestamp": st.text(max_size=30) | finite_json_values,
        "prospect_email": st.emails() | finite_json_values,
        "data": st.fixed_dictionaries(
            {},
            optional={
                "prospect": st.fixed_dictionaries({}, optional={"email": st.emails()})
                | finite_json_values,
                "created_at": st.datetimes().map(str) | finite_json_values,
            },
        )
        | finite_json_values,
    },
)


@settings(max_examples=200, deadline=None)
@given(
    value=json_objects | snovio_bodies,
    query=st.sampled_from(["", "event=prospect.x", "event=", "event=%20"]),
)
def test_any_json_object_is_an_event_or_a_payload_error(value: dict[str, Any], query: str) -> None:
    body = json.dumps(value).encode()
    event = harness.event_or_payload_error(PROVIDER, with_token(body, query=query), TOKEN)
    if event is not None:
        assert event.entity_key is not None and event.entity_key.startswith("email:")


@settings(max_examples=100, deadline=None)
@given(body=st.binary(max_size=300))
def test_any_bytes_are_an_event_or_a_payload_error(body: bytes) -> None:
    harness.event_or_payload_error(PROVIDER, with_token(body), TOKEN)
