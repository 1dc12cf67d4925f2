"""Zoom: ``v0`` signature over timestamp and body, URL validation, participant events."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notionhub.errors import PayloadRejected
from notionhub.ingest.event import Event, Reply, WebhookRequest
from notionhub.ingest.providers.zoom import PROVIDER
from tests.ingest import harness
from tests.ingest.conftest import INSTANT, MakeRequest, build_request
from tests.ingest.harness import json_objects, json_values

SECRET = "zoom-secret-token-Qy7aB2"
load = partial(harness.load_payload, "zoom")
receive = partial(harness.receive, PROVIDER, secret=SECRET)


def headers(body: bytes, stamp: str, secret: str = SECRET) -> dict[str, str]:
    """What Zoom sends: ``v0=`` + hex HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
    message = f"v0:{stamp}:".encode() + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return {"x-zm-request-timestamp": stamp, "x-zm-signature": f"v0={digest}"}


def signed(body: bytes, secret: str = SECRET, age: timedelta = timedelta(0)) -> WebhookRequest:
    """Signed ``age`` before INSTANT, received at INSTANT."""
    stamp = str(int((INSTANT - age).timestamp()))
    return received(body, headers(body, stamp, secret))


def received(body: bytes, headers: Mapping[str, str]) -> WebhookRequest:
    return build_request(body, headers, received_at=INSTANT)


def received_event(body: bytes) -> Event:
    return harness.receive_event(PROVIDER, signed(body), SECRET)


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
    first = receive(signed(body, age=timedelta(seconds=100)))
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
    harness.assert_refused(
        PROVIDER, make_request(load("endpoint.url_validation")), SECRET, "Missing"
    )
    harness.assert_refused(
        PROVIDER,
        signed(load("endpoint.url_validation"), secret="not-ours"),
        SECRET,
        "does not match",
    )


def test_a_wrong_secret_is_refused() -> None:
    harness.assert_refused(
        PROVIDER, signed(load("meeting.ended"), secret="another-token"), SECRET, "does not match"
    )


def test_a_changed_body_is_refused() -> None:
    request = signed(load("meeting.ended"))
    changed = received(request.body.replace(b"81234567890", b"81234567899"), request.headers)
    harness.assert_refused(PROVIDER, changed, SECRET, "does not match")


def test_a_changed_timestamp_is_refused() -> None:
    request = signed(load("meeting.ended"))
    moved = dict(request.headers)
    moved["x-zm-request-timestamp"] = str(int(moved["x-zm-request-timestamp"]) + 1)
    harness.assert_refused(PROVIDER, received(request.body, moved), SECRET, "does not match")


@pytest.mark.parametrize("offset", [-301, 301, -86_400])
def test_stale_and_future_timestamps_are_refused(offset: int) -> None:
    request = signed(load("meeting.ended"), age=timedelta(seconds=-offset))
    harness.assert_refused(PROVIDER, request, SECRET, "limit is 300 s")


@pytest.mark.parametrize("missing", ["x-zm-signature", "x-zm-request-timestamp"])
def test_a_missing_header_is_refused(missing: str) -> None:
    request = signed(load("meeting.ended"))
    kept = {name: value for name, value in request.headers.items() if name != missing}
    harness.assert_refused(PROVIDER, received(request.body, kept), SECRET, f"Missing {missing}")


@pytest.mark.parametrize("stamp", ["nan", "1e400", "-5", "17642379.5", "\u00b2\u00b3"])
def test_a_timestamp_that_is_not_unix_seconds_is_refused(stamp: str) -> None:
    body = load("meeting.ended")
    harness.assert_refused(PROVIDER, received(body, headers(body, stamp)), SECRET, "Unix time")


@pytest.mark.parametrize("value", ["sha256=00", "v0=zz", "v1=" + "0" * 64, "v0=\u00e9"])
def test_a_malformed_signature_is_refused(value: str) -> None:
    request = signed(load("meeting.ended"))
    replaced = {**dict(request.headers), "x-zm-signature": value}
    harness.assert_refused(PROVIDER, received(request.body, replaced), SECRET)


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
@given(payload=json_objects | zoom_bodies)
def test_any_signed_json_object_is_an_event_a_reply_or_a_payload_error(
    payload: dict[str, Any],
) -> None:
    request = signed(json.dumps(payload).encode())
    harness.event_or_payload_error(PROVIDER, request, SECRET, replies=True)
