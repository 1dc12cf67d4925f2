"""Stripe: Stripe-Signature (t, v1), five minutes of tolerance, several v1 during a secret roll."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import pytest

from notionhub.errors import PayloadRejected, SignatureRejected
from notionhub.ingest.event import Event
from notionhub.ingest.providers.stripe import PROVIDER
from tests.ingest.conftest import build_request
from tests.ingest.payloads import STRIPE_CHECKOUT, dump
from tests.ingest.signers import SECRETS, now, stripe

SECRET = SECRETS["stripe"]


def test_a_checkout_event_is_parsed() -> None:
    request = stripe(dump(STRIPE_CHECKOUT))
    PROVIDER.verify(request, SECRET)
    event = PROVIDER.parse(request, SECRET)
    assert isinstance(event, Event)
    assert event.type == "checkout.session.completed"
    assert event.idempotency_key == "stripe:evt_1QxYzA2eZvKYlo2C"
    assert event.entity_key == "email:jane.doe@example.com"
    assert event.occurred_at == datetime.fromtimestamp(1764072000, tz=UTC)
    assert event.data == STRIPE_CHECKOUT


def test_the_customer_id_is_the_entity_without_an_email() -> None:
    payload = {**STRIPE_CHECKOUT, "data": {"object": {"id": "ch_1", "customer": "cus_9"}}}
    event = PROVIDER.parse(stripe(dump(payload)), SECRET)
    assert isinstance(event, Event) and event.entity_key == "stripe-customer:cus_9"


def test_a_stale_timestamp_is_refused() -> None:
    with pytest.raises(SignatureRejected, match=r"tolerance|timestamp"):
        PROVIDER.verify(stripe(dump(STRIPE_CHECKOUT), at=now() - 301), SECRET)


def test_any_of_several_v1_signatures_may_match() -> None:
    body = dump(STRIPE_CHECKOUT)
    stamp = now()
    good = hmac.new(SECRET.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    header = f"t={stamp},v1={'0' * 64},v1={good}"
    PROVIDER.verify(build_request(body, {"Stripe-Signature": header}), SECRET)


def test_a_body_without_id_or_type_is_a_payload_error() -> None:
    with pytest.raises(PayloadRejected, match="id"):
        PROVIDER.parse(stripe(dump({"type": "x", "created": 1})), SECRET)
    with pytest.raises(PayloadRejected, match="type"):
        PROVIDER.parse(stripe(dump({"id": "evt_1", "created": 1})), SECRET)
