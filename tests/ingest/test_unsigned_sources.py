"""Amelia, Beehiiv and Circle.so: Standard Webhooks through a relay, or a secret token."""

from __future__ import annotations

import base64

import pytest

from notionhub.errors import PayloadRejected, SignatureRejected
from notionhub.ingest.event import Event
from notionhub.ingest.registry import get_provider
from tests.ingest.conftest import build_request
from tests.ingest.payloads import AMELIA_BOOKING, BEEHIIV_SUBSCRIPTION, CIRCLE_MEMBER, dump
from tests.ingest.signers import HUB, SECRETS, amelia, beehiiv, circle, standard

RELAY_SECRET = "whsec_" + base64.b64encode(b"relay-signing-key-of-32-bytes!!!").decode()


def test_amelia_booking_with_the_action_in_the_url() -> None:
    provider = get_provider("amelia")
    request = amelia(dump(AMELIA_BOOKING), event="bookingCanceled")
    provider.verify(request, SECRETS["amelia"])
    event = provider.parse(request, SECRETS["amelia"])
    assert isinstance(event, Event)
    assert event.type == "bookingCanceled"
    assert event.entity_key == "email:jane@example.com"
    assert event.idempotency_key == "amelia:bookingCanceled:42:approved:2026-11-27 10:00:00"


def test_amelia_without_an_action_is_a_payload_error() -> None:
    request = build_request(dump(AMELIA_BOOKING), url=f"{HUB}/hooks/amelia?token=x")
    with pytest.raises(PayloadRejected, match="event="):
        get_provider("amelia").parse(request, "x")


def test_beehiiv_through_standard_webhooks() -> None:
    provider = get_provider("beehiiv")
    request = beehiiv(dump(BEEHIIV_SUBSCRIPTION))
    provider.verify(request, SECRETS["beehiiv"])
    event = provider.parse(request, SECRETS["beehiiv"])
    assert isinstance(event, Event)
    assert event.type == "subscription.created"
    assert event.idempotency_key == "beehiiv:5dd5a5b2-6b54-4c6f-8c2a-2a8ad5b3b001"
    assert event.entity_key == "email:jane@example.com"


def test_standard_webhooks_detect_a_changed_body_and_accept_svix_headers() -> None:
    body = dump(CIRCLE_MEMBER)
    signed = standard(body, RELAY_SECRET)
    provider = get_provider("circle")
    provider.verify(signed, RELAY_SECRET)
    changed = type(signed)(
        signed.method, signed.url, signed.headers, body + b" ", signed.received_at
    )
    with pytest.raises(SignatureRejected, match="Standard Webhooks"):
        provider.verify(changed, RELAY_SECRET)
    svix = {name.replace("webhook-", "svix-"): value for name, value in signed.headers.items()}
    provider.verify(build_request(body, svix), RELAY_SECRET)


def test_a_token_secret_cannot_check_standard_webhooks() -> None:
    signed = standard(dump(CIRCLE_MEMBER), RELAY_SECRET)
    with pytest.raises(SignatureRejected):
        get_provider("circle").verify(signed, "not base64 at all !")


def test_circle_member_with_a_token_header() -> None:
    provider = get_provider("circle")
    request = circle(dump(CIRCLE_MEMBER))
    provider.verify(request, SECRETS["circle"])
    event = provider.parse(request, SECRETS["circle"])
    assert isinstance(event, Event)
    assert (event.type, event.idempotency_key) == ("community_member.created", "circle:evt_9876")
    assert event.entity_key == "email:jane@example.com"
