"""WooCommerce: ``X-WC-Webhook-Signature`` = base64 HMAC-SHA256 of the raw body; the topic
(``order.created`` …) is in ``X-WC-Webhook-Topic``.

When a webhook is saved, WooCommerce sends a ping whose form-encoded body is just
``webhook_id=<n>``: it is answered 200 without storing anything (no other body skips the
signature). The idempotency key is topic + resource id + the resource's modification time, so
a redelivery of the same change is recognised while a later change of the same order is not.
"""

from __future__ import annotations

import re
from typing import Any

from notionhub.errors import PayloadRejected
from notionhub.ingest.body_signature import verify_body_hmac
from notionhub.ingest.event import Event, Reply, WebhookRequest
from notionhub.ingest.provider import (
    Provider,
    body_digest,
    json_object,
    parse_time,
    require_header,
)

_PING = re.compile(rb"webhook_id=\d{1,20}")


class WooCommerceProvider(Provider):
    name = "woocommerce"
    secret_env = "WOOCOMMERCE_WEBHOOK_SECRET"

    def handshake(self, request: WebhookRequest, secret: str | None) -> Reply | None:
        if _PING.fullmatch(request.body.strip()):
            return Reply(200, {"ok": True}, reason="WooCommerce ping")
        return None

    def verify(self, request: WebhookRequest, secret: str) -> None:
        verify_body_hmac(request, secret, header="X-WC-Webhook-Signature", encoding="base64")

    def parse(self, request: WebhookRequest, secret: str) -> Event | Reply:
        topic = require_header(request, "X-WC-Webhook-Topic")
        data = json_object(request.body)
        resource = topic.split(".", 1)[0]
        resource_id = data.get("id")
        changed = data.get("date_modified_gmt") or data.get("date_created_gmt")
        if not isinstance(resource_id, str | int) or isinstance(resource_id, bool):
            raise PayloadRejected("The body has no id (a number or a string).")
        key = (
            f"woocommerce:{topic}:{resource_id}:{changed}"
            if changed
            else f"woocommerce:{body_digest(request.body)}"
        )
        occurred = parse_time(changed, "date_modified_gmt") if changed else request.received_at
        return self.event(
            type=topic,
            idempotency_key=key,
            entity_key=_entity(resource, resource_id, data),
            occurred_at=occurred,
            data=data,
        )


def _entity(resource: str, resource_id: object, data: dict[str, Any]) -> str:
    billing = data.get("billing")
    email = billing.get("email") if isinstance(billing, dict) else data.get("email")
    if isinstance(email, str) and "@" in email:
        return f"email:{email.strip().lower()}"
    return f"woocommerce-{resource}:{resource_id}"


PROVIDER = WooCommerceProvider()
