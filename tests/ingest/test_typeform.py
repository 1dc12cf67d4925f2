"""Typeform: ``Typeform-Signature: sha256=<base64 HMAC>``; the response token names a submission."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notionhub.errors import PayloadRejected
from notionhub.ingest.event import Event, WebhookRequest
from notionhub.ingest.providers.typeform import PROVIDER
from tests.ingest import harness
from tests.ingest.conftest import INSTANT, MakeRequest, build_request
from tests.ingest.harness import json_objects, json_values

SECRET = "typeform-secret-8c1d"
HEADER = "Typeform-Signature"
load = partial(harness.load_payload, "typeform")
receive = partial(harness.receive, PROVIDER, secret=SECRET)


def digest(body: bytes, secret: str = SECRET) -> str:
    """What Typeform sends after ``sha256=``: base64 HMAC-SHA256 of the raw body."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def signed(body: bytes, secret: str = SECRET) -> WebhookRequest:
    return build_request(body, {HEADER: f"sha256={digest(body, secret)}"}, received_at=INSTANT)


def received_event(body: bytes) -> Event:
    return harness.receive_event(PROVIDER, signed(body), SECRET)


def edited(**changes: Any) -> bytes:
    data = json.loads(load("form_response"))
    data["form_response"].update(changes)
    return json.dumps(data).encode()


def test_a_response_is_parsed() -> None:
    body = load("form_response")
    event = received_event(body)
    assert event.provider == "typeform"
    assert event.type == "form_response"
    assert event.idempotency_key == "typeform:a3a12ec67a1365927098a606107fac15"
    assert event.entity_key == "email:jane.doe@example.com"
    assert event.occurred_at == datetime(2026, 11, 20, 9, 1, 30, tzinfo=UTC)
    assert event.data == json.loads(body)


def test_without_an_email_answer_the_form_is_the_entity() -> None:
    event = received_event(load("form_response_no_email"))
    assert event.entity_key == "typeform-form:lT4Z3j"


def test_an_email_in_a_hidden_field_is_the_next_best_entity() -> None:
    body = json.loads(load("form_response_no_email"))
    body["form_response"]["hidden"] = {"email": "Ann@Example.com"}
    assert received_event(json.dumps(body).encode()).entity_key == "email:ann@example.com"


def test_only_answers_of_type_email_name_the_person() -> None:
    answers = [{"type": "text", "text": "x@y.z", "email": "x@y.z", "field": {"type": "email"}}]
    assert received_event(edited(answers=answers)).entity_key == "typeform-form:lT4Z3j"


def test_a_redelivery_is_the_same_event_and_another_response_is_not() -> None:
    body = load("form_response")
    first, again = received_event(body), received_event(body)
    assert first.idempotency_key == again.idempotency_key
    other = received_event(load("form_response_no_email"))
    assert other.idempotency_key != first.idempotency_key


def test_the_event_id_keys_a_response_without_token() -> None:
    event = received_event(edited(token=None))
    assert event.idempotency_key == "typeform:01JD3K9M2Q7X8Y4Z5A6B7C8D9E"


def test_another_event_type_about_the_same_response_is_another_event() -> None:
    data = json.loads(load("form_response"))
    data["event_type"] = "form_response_partial"
    partial_response = received_event(json.dumps(data).encode())
    assert partial_response.type == "form_response_partial"
    assert partial_response.idempotency_key == (
        "typeform:form_response_partial:a3a12ec67a1365927098a606107fac15"
    )


def test_a_wrong_secret_is_refused() -> None:
    harness.assert_refused(
        PROVIDER, signed(load("form_response"), secret="another-secret"), SECRET, "does not match"
    )


def test_a_changed_body_is_refused() -> None:
    request = signed(load("form_response"))
    changed = build_request(
        request.body.replace(b"Spring", b"Autumn"), request.headers, received_at=INSTANT
    )
    harness.assert_refused(PROVIDER, changed, SECRET, "does not match")


def test_a_missing_header_is_refused(make_request: MakeRequest) -> None:
    harness.assert_refused(
        PROVIDER, make_request(load("form_response")), SECRET, f"Missing {HEADER}"
    )


def test_the_prefix_is_required(make_request: MakeRequest) -> None:
    body = load("form_response")
    harness.assert_refused(PROVIDER, make_request(body, {HEADER: digest(body)}), SECRET, "sha256=")


@pytest.mark.parametrize("value", ["sha256=", "sha256=%%%", "sha256=" + "0" * 64, "sha1=abc"])
def test_a_malformed_header_is_refused(make_request: MakeRequest, value: str) -> None:
    harness.assert_refused(PROVIDER, make_request(load("form_response"), {HEADER: value}), SECRET)


def test_a_hex_digest_is_not_typeforms(make_request: MakeRequest) -> None:
    body = load("form_response")
    hex_digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    harness.assert_refused(PROVIDER, make_request(body, {HEADER: f"sha256={hex_digest}"}), SECRET)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"event_id": "1", "event_type": "form_response"}', "no form_response"),
        (b'{"form_response": {"submitted_at": "2026-11-20T09:01:30Z"}}', "token"),
        (b'{"form_response": {"token": "t"}}', "submitted_at"),
        (b'{"form_response": {"token": "t", "submitted_at": "soon"}}', "submitted_at"),
        (b'{"form_response": {"token": "t", "submitted_at": 1e999}}', "too large"),
        (b'{"event_type": 3, "form_response": {"token": "t"}}', "event_type"),
    ],
)
def test_a_missing_or_wrong_field_is_a_payload_error(body: bytes, message: str) -> None:
    with pytest.raises(PayloadRejected, match=message):
        receive(signed(body))


answers = st.lists(
    st.fixed_dictionaries(
        {}, optional={"type": st.just("email") | json_values, "email": json_values}
    ),
    max_size=3,
)
typeform_bodies = st.fixed_dictionaries(
    {},
    optional={
        "event_id": json_values,
        "event_type": st.just("form_response") | json_values,
        "form_response": st.fixed_dictionaries(
            {},
            optional={
                "token": json_values,
                "form_id": json_values,
                "submitted_at": st.datetimes().map(datetime.isoformat) | json_values,
                "answers": answers | json_values,
                "hidden": json_values,
            },
        )
        | json_values,
    },
)


@settings(max_examples=150, deadline=None)
@given(payload=json_objects | typeform_bodies)
def test_any_signed_json_object_is_an_event_or_a_payload_error(payload: dict[str, Any]) -> None:
    harness.event_or_payload_error(PROVIDER, signed(json.dumps(payload).encode()), SECRET)
