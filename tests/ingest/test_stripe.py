"""Stripe: ``Stripe-Signature: t=…,v1=…`` over ``{t}.{body}``, five minutes, several v1 allowed."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
import stripe
from hypothesis import given, settings
from hypothesis import strategies as st

from notionhub.errors import PayloadRejected
from notionhub.ingest.event import Event, WebhookRequest
from notionhub.ingest.providers.stripe import PROVIDER
from tests.ingest import harness
from tests.ingest.conftest import INSTANT, MakeRequest, build_request
from tests.ingest.harness import json_objects, json_values

SECRET = "whsec_test_5WbX5kEWLlfzsGNjH64I8lOOqUB6e8FH"
# Stripe's examples are signed as stored, final newline included.
load = partial(harness.load_payload, "stripe", as_stored=True)
receive = partial(harness.receive, PROVIDER, secret=SECRET)


def signature(body: bytes, stamp: int, secret: str = SECRET) -> str:
    """What Stripe computes: hex HMAC-SHA256 of ``{t}.{body}`` keyed by the whole whsec_ secret."""
    return hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()


def signed(body: bytes, secret: str = SECRET, age: timedelta = timedelta(0)) -> WebhookRequest:
    """Signed ``age`` before INSTANT, received at INSTANT."""
    stamp = int((INSTANT - age).timestamp())
    header = f"t={stamp},v1={signature(body, stamp, secret)}"
    return build_request(body, {"Stripe-Signature": header}, received_at=INSTANT)


def received_event(body: bytes) -> Event:
    return harness.receive_event(PROVIDER, signed(body), SECRET)


def test_a_completed_checkout_is_parsed() -> None:
    body = load("checkout.session.completed")
    event = received_event(body)
    assert event.provider == "stripe"
    assert event.type == "checkout.session.completed"
    assert event.idempotency_key == "stripe:evt_1QxYzA2eZvKYlo2CkTq3mNp8"
    assert event.entity_key == "email:jane.doe@example.com"
    assert event.occurred_at == datetime(2025, 11, 25, 12, 0, tzinfo=UTC)
    assert event.data == json.loads(body)


def test_a_refunded_charge_is_about_its_receipt_email() -> None:
    event = received_event(load("charge.refunded"))
    assert event.entity_key == "email:jane.doe@example.com"


def test_without_an_email_the_stripe_customer_is_the_entity() -> None:
    event = received_event(load("customer.subscription.deleted"))
    assert event.type == "customer.subscription.deleted"
    assert event.entity_key == "stripe-customer:cus_RA1b2C3d4E5f6G"


def test_an_expanded_customer_and_no_customer_at_all() -> None:
    payload = json.loads(load("customer.subscription.deleted"))
    payload["data"]["object"]["customer"] = {"id": "cus_X", "email": "Ann@Example.com"}
    assert received_event(json.dumps(payload).encode()).entity_key == "email:ann@example.com"
    payload["data"]["object"]["customer"] = None
    assert received_event(json.dumps(payload).encode()).entity_key is None


def test_the_hand_computed_signature_is_the_one_stripes_library_makes() -> None:
    body = load("checkout.session.completed")
    header = stripe.WebhookSignature.generate_signature_header(body.decode(), SECRET, 1764072000)
    assert header == f"t=1764072000,v1={signature(body, 1764072000)}"


def test_any_of_several_v1_signatures_may_match(make_request: MakeRequest) -> None:
    body = load("checkout.session.completed")
    now = int(INSTANT.timestamp())
    old = signature(body, now, "whsec_the_rolled_secret")
    header = f"t={now},v1={old},v1={signature(body, now)},v0=ignored"
    PROVIDER.verify(make_request(body, {"Stripe-Signature": header}), SECRET)


def test_a_redelivery_is_the_same_event_and_another_event_is_not() -> None:
    body = load("checkout.session.completed")
    first, again = received_event(body), received_event(body)
    assert first.idempotency_key == again.idempotency_key
    other = received_event(load("charge.refunded"))
    assert other.idempotency_key != first.idempotency_key
    assert other.entity_key == first.entity_key  # the same customer: applied in order


def test_a_wrong_secret_is_refused() -> None:
    request = signed(load("checkout.session.completed"), secret="whsec_another_endpoint")
    harness.assert_refused(PROVIDER, request, SECRET, "matches no signature of this body")


def test_a_changed_body_is_refused() -> None:
    request = signed(load("checkout.session.completed"))
    changed = build_request(
        request.body.replace(b"45000", b"1"), request.headers, received_at=request.received_at
    )
    harness.assert_refused(PROVIDER, changed, SECRET, "matches no signature")


def test_a_stale_timestamp_is_refused() -> None:
    request = signed(load("checkout.session.completed"), age=timedelta(seconds=301))
    harness.assert_refused(PROVIDER, request, SECRET, "more than 300 s old")


def test_a_timestamp_from_the_future_is_refused() -> None:
    request = signed(load("checkout.session.completed"), age=timedelta(seconds=-301))
    harness.assert_refused(PROVIDER, request, SECRET, "limit is 300 s")


@pytest.mark.parametrize("age", [timedelta(seconds=300), timedelta(seconds=-300)])
def test_a_timestamp_within_five_minutes_is_accepted(age: timedelta) -> None:
    PROVIDER.verify(signed(load("checkout.session.completed"), age=age), SECRET)


def test_the_signature_is_checked_before_the_age() -> None:
    request = signed(load("checkout.session.completed"), "whsec_other", timedelta(days=1))
    harness.assert_refused(PROVIDER, request, SECRET, "matches no signature")


def test_a_missing_header_is_refused(make_request: MakeRequest) -> None:
    request = make_request(load("checkout.session.completed"))
    harness.assert_refused(PROVIDER, request, SECRET, "Missing Stripe-Signature")


@pytest.mark.parametrize(
    "header",
    ["garbage", "t=abc,v1=00", "t=1764072000", "v1=00", "t=1764072000,v0=00", "t=1,v1=\u00e9"],
)
def test_a_malformed_header_is_refused(make_request: MakeRequest, header: str) -> None:
    request = make_request(load("checkout.session.completed"), {"Stripe-Signature": header})
    harness.assert_refused(PROVIDER, request, SECRET, "malformed")


def test_a_body_that_is_not_utf8_cannot_be_stripes() -> None:
    harness.assert_refused(PROVIDER, signed(b'{"id": "\xff"}'), SECRET, "UTF-8")


@pytest.mark.parametrize("field", ["id", "type", "created"])
def test_a_missing_field_is_a_payload_error(field: str) -> None:
    payload = json.loads(load("checkout.session.completed"))
    del payload[field]
    with pytest.raises(PayloadRejected, match=f"no {field}"):
        receive(signed(json.dumps(payload).encode()))


@pytest.mark.parametrize("created", ["NaN", "1e400", "-1e300", "99999999999999999999", '"soon"'])
def test_an_impossible_time_is_a_payload_error(created: str) -> None:
    body = b'{"id": "evt_1", "type": "charge.refunded", "created": %s}' % created.encode()
    with pytest.raises(PayloadRejected, match=r"created|NaN|too large"):
        receive(signed(body))


def test_a_deeply_nested_body_is_a_payload_error() -> None:
    with pytest.raises(PayloadRejected):
        receive(signed(b'{"id": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"))


stripe_objects = st.fixed_dictionaries(
    {},
    optional={
        key: json_values
        for key in ("customer", "customer_details", "receipt_email", "billing_details", "email")
    },
)
stripe_events = st.fixed_dictionaries(
    {},
    optional={
        "id": st.text(max_size=30) | json_values,
        "type": st.text(max_size=30) | json_values,
        "created": st.integers() | st.floats() | json_values,
        "data": st.fixed_dictionaries({}, optional={"object": stripe_objects | json_values}),
    },
)


@settings(max_examples=150, deadline=None)
@given(payload=json_objects | stripe_events)
def test_any_signed_json_object_is_an_event_or_a_payload_error(payload: dict[str, Any]) -> None:
    harness.event_or_payload_error(PROVIDER, signed(json.dumps(payload).encode()), SECRET)
