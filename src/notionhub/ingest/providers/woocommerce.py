"""WooCommerce: ``X-WC-Webhook-Signature`` = base64 HMAC-SHA256 of the raw body; the topic
(``order.created`` …) is in ``X-WC-Webhook-Topic``.

When a webhook is saved, WooCommerce posts an unsigned ping whose form-encoded body is just
``webhook_id=<n>`` and expects a 200: exactly that body is answered without storing anything;
no other body skips the signature.

The idempotency key is topic + resource id + the resource's ``date_modified_gmt``: the payload
is built from the resource at delivery time, so a redelivery of an unchanged resource repeats
it while a later change does not. ``X-WC-Webhook-Delivery-ID`` is a hash of the webhook id and
the current second, new on every attempt: it is used only where the payload carries no
modification time (``*.deleted`` sends just ``{"id"}``; ``action.*`` sends ``{action, arg}``).
"""

from __future__ import annotations

import re
from typing import Any

from notionhub.errors import PayloadRejected
from notionhub.ingest.body_signature import verify_body_hmac
from notionhub.ingest.event import Event, Reply, WebhookRequest
from notionhub.ingest.payload_fields import first_email, first_text
from notionhub.ingest.provider import Provider, body_digest, json_object, parse_time

TOPIC = "X-WC-Webhook-Topic"
_PING = re.compile(rb"webhook_id=[0-9]{1,20}")
_TOPIC = re.compile(r"[A-Za-z0-9_-]{1,50}\.[A-Za-z0-9_.-]{1,150}")
_EMAIL_PATHS = (("billing", "email"), ("email",))


class WooCommerceProvider(Provider):
    name = "woocommerce"
    secret_env = "WOOCOMMERCE_WEBHOOK_SECRET"

    def handshake(self, request: WebhookRequest, secret: str | None) -> Reply | None:
        if _PING.fullmatch(request.body):
            return Reply(200, {"ok": True}, reason="WooCommerce ping (a webhook was saved)")
        return None

    def verify(self, request: WebhookRequest, secret: str) -> None:
        verify_body_hmac(request, secret, header="X-WC-Webhook-Signature", encoding="base64")

    def parse(self, request: WebhookRequest, secret: str) -> Event | Reply:
        topic = request.header(TOPIC)
        if topic is None or not _TOPIC.fullmatch(topic):
            raise PayloadRejected(f"{TOPIC} should name the topic, such as 'order.created'.")
        data = json_object(request.body)
        resource = topic.split(".", 1)[0]
        resource_id = first_text(data, (("id",),))
        if resource_id is None and resource != "action":
            raise PayloadRejected(f"The {topic} body has no id (the {resource}'s number).")
        changed = data.get("date_modified_gmt")
        if not isinstance(changed, str) or not changed:
            changed = None
        version = changed or request.header("X-WC-Webhook-Delivery-ID") or body_digest(request.body)
        key = ":".join(part for part in ("woocommerce", topic, resource_id, version) if part)
        return self.event(
            type=topic,
            idempotency_key=key,
            entity_key=_entity(resource, resource_id, data),
            occurred_at=(
                parse_time(changed, "date_modified_gmt") if changed else request.received_at
            ),
            data=data,
        )


def _entity(resource: str, resource_id: str | None, data: dict[str, Any]) -> str | None:
    if resource in ("order", "customer"):
        email = first_email(data, _EMAIL_PATHS)
        if email is not None:
            return email
    return f"woocommerce-{resource}:{resource_id}" if resource_id else None


PROVIDER = WooCommerceProvider()
