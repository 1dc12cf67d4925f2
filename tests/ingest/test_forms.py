"""Website form submissions: ``Authorization: Bearer <INTERNAL_API_KEY>``, ``form.submitted``."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notionhub.errors import PayloadRejected
from notionhub.ingest.event import Event, WebhookRequest
from notionhub.ingest.providers.forms import PROVIDER
from tests.ingest import harness
from tests.ingest.conftest import INSTANT, MakeRequest, build_request
from tests.ingest.harness import finite_json_values

KEY = "internal-3b8e1f0c9d2a4b6e8f1a3c5e7b9d0f2a"
URL = "https://hub.example.com/api/forms/submit"
load = partial(harness.load_payload, "forms")
edited = partial(harness.edited_payload, "forms")


def authorized(body: bytes, key: str = KEY) -> WebhookRequest:
    return build_request(body, {"Authorization": f"Bearer {key}"}, url=URL, received_at=INSTANT)


def received_event(body: bytes) -> Event:
    return harness.receive_event(PROVIDER, authorized(body), KEY)


def test_a_submission_is_parsed() -> None:
    body = load("retreat_waitlist")
    event = received_event(body)
    assert event.provider == "forms"
    assert event.type == "form.submitted"
    assert event.idempotency_key == "forms:retreat-waitlist:sub_123"
    assert event.entity_key == "email:jane.doe@example.com"
    assert event.data == json.loads(body)


def test_without_a_submission_id_the_same_post_twice_is_one_submission() -> None:
    first = received_event(load("contact_without_id"))
    again = received_event(load("contact_without_id"))
    other = received_event(edited("contact_without_id", fields={"name": "Someone else"}))
    assert first.idempotency_key == again.idempotency_key != other.idempotency_key
    assert first.idempotency_key.startswith("forms:contact:")
    assert first.entity_key is None  # no email: no ordering constraint


def test_a_numeric_submission_id_is_accepted() -> None:
    assert received_event(edited("retreat_waitlist", submission_id=42)).idempotency_key == (
        "forms:retreat-waitlist:42"
    )


def test_two_forms_never_share_a_key() -> None:
    one = received_event(edited("retreat_waitlist", form="a", submission_id="b:c"))
    assert one.idempotency_key == "forms:a:b:c"
    with pytest.raises(PayloadRejected, match="without ':'"):
        received_event(edited("retreat_waitlist", form="a:b", submission_id="c"))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "not valid JSON"),
        (b"[]", "JSON object"),
        (edited("retreat_waitlist", form=None), "no form"),
        (edited("retreat_waitlist", form="   "), "form should be"),
        (edited("retreat_waitlist", form=7), "form should be"),
        (edited("retreat_waitlist", form="x" * 101), "at most 100"),
        (edited("retreat_waitlist", fields=None), "fields should be an object"),
        (edited("retreat_waitlist", fields=["jane@example.com"]), "fields should be an object"),
        (edited("retreat_waitlist", submission_id={"id": 1}), "submission_id"),
        (edited("retreat_waitlist", submission_id=True), "submission_id"),
    ],
)
def test_a_body_that_does_not_parse_is_a_payload_error(body: bytes, message: str) -> None:
    harness.assert_payload_refused(PROVIDER, authorized(body), KEY, message)


def test_a_wrong_key_is_refused() -> None:
    harness.assert_refused(
        PROVIDER,
        authorized(load("retreat_waitlist"), key="internal-guess"),
        KEY,
        "not INTERNAL_API_KEY",
    )


def test_a_missing_authorization_is_refused(make_request: MakeRequest) -> None:
    harness.assert_refused(
        PROVIDER, make_request(load("retreat_waitlist"), url=URL), KEY, "Missing Authorization"
    )


@pytest.mark.parametrize("value", [f"Basic {KEY}", "Bearer", KEY, f"Bearer {KEY[:-1]}"])
def test_a_malformed_authorization_is_refused(make_request: MakeRequest, value: str) -> None:
    harness.assert_refused(
        PROVIDER, make_request(load("retreat_waitlist"), {"Authorization": value}), KEY
    )


form_bodies = st.fixed_dictionaries(
    {},
    optional={
        "form": st.text(max_size=30) | finite_json_values,
        "submission_id": finite_json_values,
        "fields": st.fixed_dictionaries({}, optional={"email": finite_json_values})
        | finite_json_values,
    },
)


@settings(max_examples=150, deadline=None)
@given(value=finite_json_values | form_bodies)
def test_any_authorized_json_is_an_event_or_a_payload_error(value: Any) -> None:
    event = harness.event_or_payload_error(PROVIDER, authorized(json.dumps(value).encode()), KEY)
    assert event is None or event.type == "form.submitted"
