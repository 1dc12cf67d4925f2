"""Website form submissions: ``Authorization: Bearer <INTERNAL_API_KEY>``, ``form.submitted``."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notionhub.errors import PayloadRejected, SignatureRejected
from notionhub.ingest.event import Event, Reply, WebhookRequest
from notionhub.ingest.providers.forms import PROVIDER
from tests.ingest.conftest import MakeRequest, build_request

KEY = "internal-3b8e1f0c9d2a4b6e8f1a3c5e7b9d0f2a"
URL = "https://hub.example.com/api/forms/submit"
PAYLOADS = Path(__file__).parent / "payloads" / "forms"


def load(name: str) -> bytes:
    return (PAYLOADS / f"{name}.json").read_bytes().rstrip(b"\n")


def authorized(body: bytes, key: str = KEY) -> WebhookRequest:
    return build_request(body, {"Authorization": f"Bearer {key}"}, url=URL)


def receive(request: WebhookRequest) -> Event | Reply:
    PROVIDER.verify(request, KEY)
    return PROVIDER.parse(request, KEY)


def received_event(body: bytes) -> Event:
    event = receive(authorized(body))
    assert isinstance(event, Event)
    return event


def edited(name: str, **changes: Any) -> bytes:
    data = json.loads(load(name))
    data.update(changes)
    return json.dumps({k: v for k, v in data.items() if v is not None}).encode()


def test_the_provider_is_named_and_configured_as_the_hub_expects() -> None:
    assert (PROVIDER.name, PROVIDER.secret_env) == ("forms", "INTERNAL_API_KEY")


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
    with pytest.raises(PayloadRejected, match=message):
        received_event(body)


def test_a_wrong_key_is_refused() -> None:
    with pytest.raises(SignatureRejected, match="not INTERNAL_API_KEY"):
        PROVIDER.verify(authorized(load("retreat_waitlist"), key="internal-guess"), KEY)


def test_a_missing_authorization_is_refused(make_request: MakeRequest) -> None:
    with pytest.raises(SignatureRejected, match="Missing Authorization"):
        PROVIDER.verify(make_request(load("retreat_waitlist"), url=URL), KEY)


@pytest.mark.parametrize("value", [f"Basic {KEY}", "Bearer", KEY, f"Bearer {KEY[:-1]}"])
def test_a_malformed_authorization_is_refused(make_request: MakeRequest, value: str) -> None:
    with pytest.raises(SignatureRejected):
        PROVIDER.verify(make_request(load("retreat_waitlist"), {"Authorization": value}), KEY)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=20,
)
form_bodies = st.fixed_dictionaries(
    {},
    optional={
        "form": st.text(max_size=30) | json_values,
        "submission_id": json_values,
        "fields": st.fixed_dictionaries({}, optional={"email": json_values}) | json_values,
    },
)


@settings(max_examples=150, deadline=None)
@given(value=json_values | form_bodies)
def test_any_authorized_json_is_an_event_or_a_payload_error(value: Any) -> None:
    try:
        event = receive(authorized(json.dumps(value).encode()))
    except PayloadRejected:
        return
    assert isinstance(event, Event)
    assert event.type == "form.submitted"
    assert event.idempotency_key.startswith("forms:")


@settings(max_examples=100, deadline=None)
@given(body=st.binary(max_size=300))
def test_any_authorized_bytes_are_an_event_or_a_payload_error(body: bytes) -> None:
    with contextlib.suppress(PayloadRejected):
        assert isinstance(receive(authorized(body)), Event)
