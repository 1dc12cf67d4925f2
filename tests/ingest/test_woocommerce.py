"""WooCommerce: base64 HMAC of the body, the topic header, the unsigned ping on creation."""

from __future__ import annotations

import base64
import contextlib
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
from notionhub.ingest.providers.woocommerce import PROVIDER
from tests.ingest import harness
from tests.ingest.conftest import INSTANT, MakeRequest, build_request
from tests.ingest.harness import json_objects, json_values

SECRET = "woo-secret-3e7f2a"
SIGNATURE = "X-WC-Webhook-Signature"
load = partial(harness.load_payload, "woocommerce")


def digest(body: bytes, secret: str = SECRET) -> str:
    """What WooCommerce sends: base64 HMAC-SHA256 of the raw body."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def signed(
    body: bytes, topic: str = "order.created", secret: str = SECRET, delivery: str = "9f2c4e1a"
) -> WebhookRequest:
    resource, _, event = topic.partition(".")
    return build_request(
        body,
        {
            SIGNATURE: digest(body, secret),
            "X-WC-Webhook-Source": "https://shop.example.com/",
            "X-WC-Webhook-Topic": topic,
            "X-WC-Webhook-Resource": resource,
            "X-WC-Webhook-Event": event,
            "X-WC-Webhook-ID": "15",
            "X-WC-Webhook-Delivery-ID": delivery,
        },
        received_at=INSTANT,
    )


# Only the unsigned ping is answered by the handshake: a signed delivery must be an event.
received_event = partial(harness.receive_event, PROVIDER, secret=SECRET)


def test_an_order_is_parsed() -> None:
    body = load("order.created")
    event = received_event(signed(body))
    assert event.provider == "woocommerce"
    assert event.type == "order.created"
    assert event.idempotency_key == "woocommerce:order.created:727:2026-11-20T09:10:05"
    assert event.entity_key == "email:jane.doe@example.com"
    assert event.occurred_at == datetime(2026, 11, 20, 9, 10, 5, tzinfo=UTC)
    assert event.data == json.loads(body)


def test_a_customer_is_about_their_email() -> None:
    event = received_event(signed(load("customer.created"), topic="customer.created"))
    assert event.idempotency_key == "woocommerce:customer.created:12:2026-11-20T09:09:41"
    assert event.entity_key == "email:jane.doe@example.com"


def test_a_product_is_about_itself() -> None:
    event = received_event(signed(load("product.updated"), topic="product.updated"))
    assert event.idempotency_key == "woocommerce:product.updated:93:2026-11-21T08:30:12"
    assert event.entity_key == "woocommerce-product:93"


def test_a_redelivery_with_a_new_delivery_id_is_the_same_event() -> None:
    body = load("order.created")
    first = received_event(signed(body, delivery="9f2c4e1a"))
    again = received_event(signed(body, delivery="b71d03c5"))
    assert first.idempotency_key == again.idempotency_key


def test_a_later_change_of_the_same_order_is_another_event() -> None:
    order = json.loads(load("order.created"))
    first = received_event(signed(json.dumps(order).encode(), topic="order.updated"))
    order.update(status="completed", date_modified_gmt="2026-11-21T08:00:00")
    later = received_event(signed(json.dumps(order).encode(), topic="order.updated"))
    assert first.idempotency_key != later.idempotency_key
    assert first.entity_key == later.entity_key


def test_a_deletion_carries_only_the_id_and_is_keyed_by_its_delivery() -> None:
    request = signed(load("product.deleted"), topic="product.deleted", delivery="c0ffee12")
    event = received_event(request)
    assert event.idempotency_key == "woocommerce:product.deleted:93:c0ffee12"
    assert event.entity_key == "woocommerce-product:93"
    assert event.occurred_at == request.received_at


def test_an_action_topic_without_id_is_accepted() -> None:
    request = signed(load("action.woocommerce_add_to_cart"), topic="action.woocommerce_add_to_cart")
    event = received_event(request)
    assert event.idempotency_key == "woocommerce:action.woocommerce_add_to_cart:9f2c4e1a"
    assert event.entity_key is None


def test_the_ping_is_answered_unsigned_even_without_a_secret(make_request: MakeRequest) -> None:
    reply = PROVIDER.handshake(make_request(b"webhook_id=15"), None)
    assert reply is not None
    assert (reply.status, reply.body) == (200, {"ok": True})
    assert reply.reason


@pytest.mark.parametrize(
    "body",
    [
        b"webhook_id=15&x=1",
        b"webhook_id=",
        b"webhook_id=15\n",
        b" webhook_id=15",
        b"webhook_id=-1",
        b'{"webhook_id": 15}',
        b"webhook_id=1" + b"0" * 30,
    ],
)
def test_nothing_but_the_exact_ping_skips_the_signature(
    make_request: MakeRequest, body: bytes
) -> None:
    request = make_request(body)
    assert PROVIDER.handshake(request, SECRET) is None
    harness.assert_refused(PROVIDER, request, SECRET)


def test_a_wrong_secret_is_refused() -> None:
    harness.assert_refused(
        PROVIDER, signed(load("order.created"), secret="another-secret"), SECRET, "does not match"
    )


def test_a_changed_body_is_refused() -> None:
    request = signed(load("order.created"))
    changed = build_request(
        request.body.replace(b'"120.00"', b'"1.00"'), request.headers, received_at=INSTANT
    )
    harness.assert_refused(PROVIDER, changed, SECRET, "does not match")


def test_a_missing_signature_is_refused() -> None:
    request = signed(load("order.created"))
    kept = {k: v for k, v in request.headers.items() if k != SIGNATURE.lower()}
    harness.assert_refused(
        PROVIDER,
        build_request(request.body, kept, received_at=INSTANT),
        SECRET,
        f"Missing {SIGNATURE}",
    )


@pytest.mark.parametrize("value", ["%%%", "sha256=" + "A" * 44, "0" * 64, "\u00e9"])
def test_a_malformed_signature_is_refused(make_request: MakeRequest, value: str) -> None:
    harness.assert_refused(
        PROVIDER, make_request(load("order.created"), {SIGNATURE: value}), SECRET
    )


@pytest.mark.parametrize("topic", [None, "", "order", "order created", "order.created:1"])
def test_a_missing_or_malformed_topic_is_a_payload_error(topic: str | None) -> None:
    request = signed(load("order.created"))
    headers = {k: v for k, v in request.headers.items() if k != "x-wc-webhook-topic"}
    if topic is not None:
        headers["X-WC-Webhook-Topic"] = topic
    with pytest.raises(PayloadRejected, match="X-WC-Webhook-Topic"):
        PROVIDER.parse(build_request(request.body, headers, received_at=INSTANT), SECRET)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"status": "processing"}', "no id"),
        (b'{"id": true}', "no id"),
        (b'{"id": 727, "date_modified_gmt": "yesterday"}', "date_modified_gmt"),
        (b"[727]", "JSON object"),
    ],
)
def test_a_missing_or_wrong_field_is_a_payload_error(body: bytes, message: str) -> None:
    request = signed(body)
    assert PROVIDER.handshake(request, SECRET) is None
    harness.assert_payload_refused(PROVIDER, request, SECRET, message)


woo_bodies = st.fixed_dictionaries(
    {},
    optional={
        "id": st.integers() | json_values,
        "date_modified_gmt": st.datetimes().map(datetime.isoformat) | json_values,
        "billing": st.fixed_dictionaries({}, optional={"email": json_values}) | json_values,
        "email": json_values,
    },
)
topics = st.sampled_from(["order.created", "customer.updated", "product.deleted", "action.x"])


@settings(max_examples=150, deadline=None)
@given(payload=json_objects | woo_bodies, topic=topics)
def test_any_signed_json_object_is_an_event_or_a_payload_error(
    payload: dict[str, Any], topic: str
) -> None:
    request = signed(json.dumps(payload).encode(), topic=topic)
    event = harness.event_or_payload_error(PROVIDER, request, SECRET)
    assert event is None or event.idempotency_key.startswith(f"woocommerce:{topic}:")


@settings(max_examples=100, deadline=None)
@given(body=st.binary(max_size=300) | st.from_regex(rb"\Awebhook_id=[0-9]{0,25}\Z"))
def test_any_bytes_are_a_ping_an_event_or_a_payload_error(body: bytes) -> None:
    request = signed(body)
    if PROVIDER.handshake(request, SECRET) is not None:
        assert body.startswith(b"webhook_id=")
        return
    PROVIDER.verify(request, SECRET)
    with contextlib.suppress(PayloadRejected):
        assert isinstance(PROVIDER.parse(request, SECRET), Event)
