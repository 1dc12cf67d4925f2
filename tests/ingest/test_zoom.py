"""Zoom: ``v0`` signature over timestamp and body, URL validation, participant events."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notionhub.errors import PayloadRejected, SignatureRejected
from notionhub.ingest.event import Event, Reply, WebhookRequest
from notionhub.ingest.providers.zoom import PROVIDER
from tests.ingest.conftest import MakeRequest, build_request

SECRET = "zoom-secret-token-Qy7aB2"
PAYLOADS = Path(__file__).parent / "payloads" / "zoom"


def load(name: str) -> bytes:
    return (PAYLOADS / f"{name}.json").read_bytes().rstrip(b"\n")


def headers(body: bytes, stamp: str, secret: str = SECRET) -> dict[str, str]:
    """What Zoom sends: ``v0=`` + hex HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
    message = f"v0:{stamp}:".encode() + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return {"x-zm-request-timestamp": stamp, "x-zm-signature": f"v0={digest}"}


def signed(body: bytes, secret: str = SECRET, at: int | None = None) -> WebhookRequest:
    return build_request(body, headers(body, str(int(time.time()) if at is None else at), secret))


def receive(request: WebhookRequest) -> Event | Reply:
    PROVIDER.verify(request, SECRET)
    return PROVIDER.parse(request, SECRET)


def received_event(body: bytes) -> Event:
    event = receive(signed(body))
    assert isinstance(event, Event)
    return event


def test_the_provider_is_named_and_configured_as_the_hub_expects() -> None:
    assert (PROVIDER.name, PROVIDER.secret_env) == ("zoom", "ZOOM_WEBHOOK_SECRET_TOKEN")


def test_a_participant_joining_is_parsed() -> None:
    body = load("meeting.participant_joined")
    event = received_event(body)
    assert event.provider == "zoom"
    assert event.type == "meeting.participant_joined"
    assert event.idempotency_key == (
        "zoom:meeting.participant_joined:4444AAAiAAAAAiAiAiiAii==:1764237900123"
        ":55555AAAiAAAAAiAiAiiAii"
    )
    assert event.entity_key == "zoom-meeting:81234567890"
    assert event.occurred_at == datetime(2025, 11, 27, 10, 5, 0, 123000, tzinfo=UTC)
    assert event.data == json.loads(body)


def test_two_participants_joining_in_the_same_millisecond_are_two_events() -> None:
    jane = received_event(load("meeting.participant_joined"))
    coach = received_event(load("meeting.participant_joined.coach"))
    assert jane.idempotency_key != coach.idempotency_key
    assert jane.entity_key == coach.entity_key


def test_the_end_of_a_meeting_is_parsed() -> None:
    event = received_event(load("meeting.ended"))
    assert event.idempotency_key == ("zoom:meeting.ended:4444AAAiAAAAAiAiAiiAii==:1764240720456")
    assert event.entity_key == "zoom-meeting:81234567890"


def test_a_redelivery_is_the_same_event_even_with_a_new_timestamp() -> None:
    body = load("meeting.ended")
    first = receive(signed(body, at=int(time.time()) - 100))
    again = receive(signed(body))
    assert isinstance(first, Event) and isinstance(again, Event)
    assert first.idempotency_key == again.idempotency_key


def test_an_event_without_an_object_is_keyed_by_its_body() -> None:
    body = json.dumps(
        {
            "event": "app_deauthorized",
            "event_ts": 1764237900000,
            "payload": {"account_id": "AAAAAABBBBcccc", "user_id": "x1yCzABCDEfg23HiJKl4mN"},
        }
    ).encode()
    event = received_event(body)
    assert event.idempotency_key.startswith("zoom:app_deauthorized:")
    assert event.entity_key is None


def test_url_validation_is_answered_with_the_encrypted_token() -> None:
    reply = receive(signed(load("endpoint.url_validation")))
    plain = "qgg8vlvZRS6UYooatFL8Aw"
    expected = hmac.new(SECRET.encode(), plain.encode(), hashlib.sha256).hexdigest()
    assert isinstance(reply, Reply)
    assert (reply.status, reply.body) == (200, {"plainToken": plain, "encryptedToken": expected})


def test_an_unsigned_url_validation_is_refused(make_request: MakeRequest) -> None:
    with pytest.raises(SignatureRejected, match="Missing"):
        PROVIDER.verify(make_request(load("endpoint.url_validation")), SECRET)
    with pytest.raises(SignatureRejected, match="does not match"):
        PROVIDER.verify(signed(load("endpoint.url_validation"), secret="not-ours"), SECRET)


def test_a_wrong_secret_is_refused() -> None:
    with pytest.raises(SignatureRejected, match="does not match"):
        PROVIDER.verify(signed(load("meeting.ended"), secret="another-token"), SECRET)


def test_a_changed_body_is_refused() -> None:
    request = signed(load("meeting.ended"))
    changed = build_request(request.body.replace(b"81234567890", b"81234567899"), request.headers)
    with pytest.raises(SignatureRejected, match="does not match"):
        PROVIDER.verify(changed, SECRET)


def test_a_changed_timestamp_is_refused() -> None:
    request = signed(load("meeting.ended"))
    moved = dict(request.headers)
    moved["x-zm-request-timestamp"] = str(int(moved["x-zm-request-timestamp"]) + 1)
    with pytest.raises(SignatureRejected, match="does not match"):
        PROVIDER.verify(build_request(request.body, moved), SECRET)


@pytest.mark.parametrize("offset", [-301, 301, -86_400])
def test_stale_and_future_timestamps_are_refused(offset: int) -> None:
    request = signed(load("meeting.ended"), at=int(time.time()) + offset)
    with pytest.raises(SignatureRejected, match="limit is 300 s"):
        PROVIDER.verify(request, SECRET)


@pytest.mark.parametrize("missing", ["x-zm-signature", "x-zm-request-timestamp"])
def test_a_missing_header_is_refused(missing: str) -> None:
    request = signed(load("meeting.ended"))
    kept = {name: value for name, value in request.headers.items() if name != missing}
    with pytest.raises(SignatureRejected, match=f"Missing {missing}"):
        PROVIDER.verify(build_request(request.body, kept), SECRET)


@pytest.mark.parametrize("stamp", ["nan", "1e400", "-5", "17642379.5", "\u00b2\u00b3"])
def test_a_timestamp_that_is_not_unix_seconds_is_refused(stamp: str) -> None:
    body = load("meeting.ended")
    with pytest.raises(SignatureRejected, match="Unix time"):
        PROVIDER.verify(build_request(body, headers(body, stamp)), SECRET)


@pytest.mark.parametrize("value", ["sha256=00", "v0=zz", "v1=" + "0" * 64, "v0=\u00e9"])
def test_a_malformed_signature_is_refused(value: str) -> None:
    request = signed(load("meeting.ended"))
    replaced = {**dict(request.headers), "x-zm-signature": value}
    with pytest.raises(SignatureRejected):
        PROVIDER.verify(build_request(request.body, replaced), SECRET)


def test_a_signed_body_that_is_not_json_is_a_payload_error() -> None:
    with pytest.raises(PayloadRejected, match="not valid JSON"):
        receive(signed(b"event=meeting.ended"))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"event_ts": 1, "payload": {}}', "no event"),
        (b'{"event": "meeting.ended", "event_ts": 1}', "no payload object"),
        (b'{"event": "meeting.ended", "payload": {"object": {"id": 1}}}', "no event_ts"),
        (b'{"event": "meeting.ended", "event_ts": NaN, "payload": {}}', "NaN"),
        (b'{"event": "endpoint.url_validation", "payload": {}}', "plainToken"),
        (b'{"event": "endpoint.url_validation", "payload": {"plainToken": 5}}', "plainToken"),
    ],
)
def test_a_missing_or_wrong_field_is_a_payload_error(body: bytes, message: str) -> None:
    with pytest.raises(PayloadRejected, match=message):
        receive(signed(body))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=20,
)
zoom_objects = st.fixed_dictionaries(
    {},
    optional={
        "id": json_values,
        "uuid": json_values,
        "participant": st.fixed_dictionaries(
            {}, optional={k: json_values for k in ("participant_uuid", "user_id", "id", "email")}
        )
        | json_values,
    },
)
zoom_bodies = st.fixed_dictionaries(
    {},
    optional={
        "event": st.sampled_from(["meeting.ended", "endpoint.url_validation"]) | json_values,
        "event_ts": st.integers() | st.floats() | json_values,
        "payload": st.fixed_dictionaries(
            {}, optional={"object": zoom_objects | json_values, "plainToken": json_values}
        )
        | json_values,
    },
)


@settings(max_examples=150, deadline=None)
@given(payload=st.dictionaries(st.text(max_size=10), json_values) | zoom_bodies)
def test_any_signed_json_object_is_an_event_a_reply_or_a_payload_error(
    payload: dict[str, Any],
) -> None:
    try:
        result = receive(signed(json.dumps(payload).encode()))
    except PayloadRejected:
        return
    assert isinstance(result, Event | Reply)
    if isinstance(result, Event):
        assert result.idempotency_key.startswith("zoom:")
        assert result.occurred_at.tzinfo is not None


@settings(max_examples=100, deadline=None)
@given(body=st.binary(max_size=300))
def test_any_signed_bytes_are_an_event_a_reply_or_a_payload_error(body: bytes) -> None:
    with contextlib.suppress(PayloadRejected):
        assert isinstance(receive(signed(body)), Event | Reply)
