"""Notion: the verification handshake, then ``X-Notion-Signature`` on every delivery."""

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

from notionhub.ingest.event import Event, WebhookRequest
from notionhub.ingest.providers.notion import PROVIDER
from tests.ingest import harness
from tests.ingest.conftest import INSTANT, MakeRequest, build_request
from tests.ingest.harness import finite_json_values

SECRET = "secret_tMrlL1qK5vuQAh1b6cZGhFChZTSYJlce98V0pYn7yBl"
HEADER = "X-Notion-Signature"
load = partial(harness.load_payload, "notion")
edited = partial(harness.edited_payload, "notion")


def signed(body: bytes, secret: str = SECRET) -> WebhookRequest:
    """What Notion sends: sha256= + hex HMAC-SHA256 of the raw body, keyed by the token."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return build_request(body, {HEADER: f"sha256={digest}"}, received_at=INSTANT)


def received_event(body: bytes) -> Event:
    return harness.receive_event(PROVIDER, signed(body), SECRET)


def test_the_verification_request_is_answered_and_its_token_captured(
    make_request: MakeRequest,
) -> None:
    reply = PROVIDER.handshake(make_request(load("verification")), None)
    assert reply is not None
    assert (reply.status, reply.body) == (200, {"ok": True})
    assert reply.captured_secret == SECRET
    assert SECRET not in reply.reason


def test_a_verification_of_the_configured_token_captures_nothing(
    make_request: MakeRequest,
) -> None:
    reply = PROVIDER.handshake(make_request(load("verification")), SECRET)
    assert reply is not None
    assert (reply.status, reply.captured_secret) == (200, None)


@pytest.mark.parametrize("guess", [SECRET, SECRET[:-1] + "x", "secret_other", SECRET + "0"])
def test_a_guess_gets_the_same_answer_whether_right_or_wrong(
    make_request: MakeRequest, monkeypatch: pytest.MonkeyPatch, guess: str
) -> None:
    """Unsigned, so anyone may send one: the answer must not tell a right guess from a wrong
    one, and the compare is constant-time."""
    compared: list[tuple[bytes, bytes]] = []
    real_compare = hmac.compare_digest

    def compare_digest(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real_compare(a, b)

    monkeypatch.setattr(hmac, "compare_digest", compare_digest)
    body = json.dumps({"verification_token": guess}).encode()
    reply = PROVIDER.handshake(make_request(body), SECRET)
    assert reply is not None
    assert (reply.status, reply.body, reply.captured_secret) == (200, {"ok": True}, None)
    assert compared == [(guess.encode(), SECRET.encode())]
    assert SECRET not in reply.reason and guess not in reply.reason


@pytest.mark.parametrize(
    "body",
    [
        {"verification_token": SECRET, "type": "page.created"},
        {"verification_token": SECRET, "id": "x", "timestamp": "2026-11-20T09:00:00Z"},
        {"verification_token": ""},
        {"verification_token": "   "},
        {"verification_token": 5},
        {"verification_token": [SECRET]},
        {"Verification_Token": SECRET},
        [{"verification_token": SECRET}],
    ],
)
def test_nothing_else_is_a_handshake(make_request: MakeRequest, body: Any) -> None:
    request = make_request(json.dumps(body).encode())
    assert PROVIDER.handshake(request, SECRET) is None
    assert PROVIDER.handshake(request, None) is None
    harness.assert_refused(PROVIDER, request, SECRET)  # so it must be signed, and is not


def test_a_page_event_is_parsed() -> None:
    body = load("page.properties_updated")
    event = received_event(body)
    assert event.provider == "notion"
    assert event.type == "page.properties_updated"
    assert event.idempotency_key == "notion:367cba44-b6f3-4c92-81e7-6a2e9659efd4"
    assert event.entity_key == "notion-page:153104cd-477e-809d-8dc4-ff2d96ae3090"
    assert event.occurred_at == datetime(2026, 11, 20, 9, 12, tzinfo=UTC)
    assert event.data == json.loads(body)


def test_events_about_one_page_share_its_entity_and_differ_in_key() -> None:
    created = received_event(load("page.created"))
    updated = received_event(load("page.properties_updated"))
    assert created.entity_key == updated.entity_key
    assert created.idempotency_key != updated.idempotency_key


def test_a_comment_event_is_about_the_comment() -> None:
    event = received_event(load("comment.created"))
    assert event.entity_key == "notion-comment:2b4c5d6e-7f80-4a1b-9c2d-3e4f5a6b7c8d"


def test_an_event_without_entity_has_no_entity_key() -> None:
    assert received_event(edited("page.created", entity=None)).entity_key is None


def test_a_redelivery_is_the_same_event() -> None:
    first = received_event(load("page.created"))
    again = received_event(edited("page.created", attempt_number=2))
    assert first.idempotency_key == again.idempotency_key


def test_an_uppercase_hex_signature_is_accepted(make_request: MakeRequest) -> None:
    body = load("page.created")
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest().upper()
    PROVIDER.verify(make_request(body, {HEADER: f"sha256={digest}"}), SECRET)


def test_a_wrong_secret_is_refused() -> None:
    harness.assert_refused(
        PROVIDER, signed(load("page.created"), secret="secret_another"), SECRET, HEADER
    )


def test_a_changed_body_is_refused(make_request: MakeRequest) -> None:
    request = signed(load("page.created"))
    changed = make_request(request.body.replace(b"page.created", b"page.deleted"), request.headers)
    harness.assert_refused(PROVIDER, changed, SECRET, HEADER)


def test_a_missing_header_is_refused(make_request: MakeRequest) -> None:
    harness.assert_refused(
        PROVIDER, make_request(load("page.created")), SECRET, f"Missing {HEADER}"
    )


@pytest.mark.parametrize("value", ["sha256=zz", "sha1=00ff", "00ff", "sha256=", "sha256=0a0b"])
def test_a_malformed_header_is_refused(make_request: MakeRequest, value: str) -> None:
    harness.assert_refused(PROVIDER, make_request(load("page.created"), {HEADER: value}), SECRET)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "not valid JSON"),
        (b"[1, 2]", "JSON object"),
        (edited("page.created", id=None), "no id"),
        (edited("page.created", type=None), "no type"),
        (edited("page.created", timestamp=None), "no timestamp"),
        (edited("page.created", id=7), "strings"),
        (edited("page.created", timestamp="yesterday"), "timestamp"),
    ],
)
def test_a_signed_body_that_does_not_parse_is_a_payload_error(body: bytes, message: str) -> None:
    harness.assert_payload_refused(PROVIDER, signed(body), SECRET, message)


notion_bodies = st.fixed_dictionaries(
    {},
    optional={
        "id": st.uuids().map(str) | finite_json_values,
        "type": st.sampled_from(["page.created", "comment.created"]) | finite_json_values,
        "timestamp": st.datetimes().map(datetime.isoformat) | finite_json_values,
        "entity": st.fixed_dictionaries(
            {}, optional={"id": finite_json_values, "type": finite_json_values}
        )
        | finite_json_values,
        "verification_token": finite_json_values,
    },
)


@settings(max_examples=150, deadline=None)
@given(value=finite_json_values | notion_bodies)
def test_any_signed_json_is_an_event_a_reply_or_a_payload_error(value: Any) -> None:
    request = signed(json.dumps(value).encode())
    harness.event_or_payload_error(PROVIDER, request, SECRET, replies=True)
