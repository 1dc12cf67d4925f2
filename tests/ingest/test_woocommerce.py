"""WooCommerce: base64 HMAC of the body, the topic header, the ping on creation."""

from __future__ import annotations

import pytest

from notionhub.errors import PayloadRejected, SignatureRejected
from notionhub.ingest.event import Event
from notionhub.ingest.providers.woocommerce import PROVIDER
from tests.ingest.conftest import build_request
from tests.ingest.payloads import WOOCOMMERCE_ORDER, dump
from tests.ingest.signers import SECRETS, woocommerce

SECRET = SECRETS["woocommerce"]


def test_an_order_is_parsed() -> None:
    request = woocommerce(dump(WOOCOMMERCE_ORDER))
    PROVIDER.verify(request, SECRET)
    event = PROVIDER.parse(request, SECRET)
    assert isinstance(event, Event)
    assert event.type == "order.created"
    assert event.idempotency_key == "woocommerce:order.created:727:2026-11-20T09:10:05"
    assert event.entity_key == "email:jane@example.com"


def test_a_later_change_of_the_same_order_is_another_event() -> None:
    changed = {
        **WOOCOMMERCE_ORDER,
        "status": "completed",
        "date_modified_gmt": "2026-11-21T08:00:00",
    }
    first = PROVIDER.parse(woocommerce(dump(WOOCOMMERCE_ORDER), topic="order.updated"), SECRET)
    later = PROVIDER.parse(woocommerce(dump(changed), topic="order.updated"), SECRET)
    assert isinstance(first, Event) and isinstance(later, Event)
    assert first.idempotency_key != later.idempotency_key


def test_the_ping_is_answered_and_nothing_else_skips_the_signature() -> None:
    reply = PROVIDER.handshake(build_request(b"webhook_id=15"), None)
    assert reply is not None and reply.status == 200
    assert PROVIDER.handshake(build_request(b"webhook_id=15&x=1"), None) is None
    assert PROVIDER.handshake(build_request(dump({"webhook_id": 15})), None) is None


def test_the_topic_header_is_required() -> None:
    signed = woocommerce(dump(WOOCOMMERCE_ORDER))
    headers = {k: v for k, v in signed.headers.items() if k.lower() != "x-wc-webhook-topic"}
    request = build_request(signed.body, headers)
    PROVIDER.verify(request, SECRET)
    with pytest.raises(SignatureRejected, match="X-WC-Webhook-Topic"):
        PROVIDER.parse(request, SECRET)


def test_a_body_without_id_is_a_payload_error() -> None:
    with pytest.raises(PayloadRejected, match="id"):
        PROVIDER.parse(woocommerce(dump({"status": "x"})), SECRET)
