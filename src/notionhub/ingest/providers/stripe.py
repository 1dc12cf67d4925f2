"""Stripe: ``Stripe-Signature: t=<unix>,v1=<hex>[,v1=…]``, verified by Stripe's own library.

The signed string is ``{t}.{body}`` (HMAC-SHA256 keyed by the endpoint's ``whsec_`` secret);
any of several ``v1`` entries may match (during a secret roll), and ``t`` must be within five
minutes. The event id (``evt_…``) is the idempotency key; the customer's email, else the
Stripe customer id, is the entity.
"""

from __future__ import annotations

from typing import Any

import stripe

from notionhub.errors import PayloadRejected, SignatureRejected
from notionhub.ingest.event import Event, Reply, WebhookRequest
from notionhub.ingest.provider import Provider, json_object, parse_time, require_header, required

HEADER = "Stripe-Signature"


class StripeProvider(Provider):
    name = "stripe"
    secret_env = "STRIPE_WEBHOOK_SECRET"

    def verify(self, request: WebhookRequest, secret: str) -> None:
        header = require_header(request, HEADER)
        try:
            body = request.body.decode()
        except UnicodeDecodeError:
            raise SignatureRejected("The body is not UTF-8 text: it cannot be Stripe's.") from None
        try:
            stripe.WebhookSignature.verify_header(body, header, secret, self.tolerance_s)
        except stripe.SignatureVerificationError as error:
            raise SignatureRejected(f"{HEADER} does not verify: {_first_sentence(error)}") from None

    def parse(self, request: WebhookRequest, secret: str) -> Event | Reply:
        data = json_object(request.body)
        event_id = required(data, "id")
        event_type = required(data, "type")
        if not isinstance(event_id, str) or not isinstance(event_type, str):
            raise PayloadRejected("id and type should be strings.")
        return self.event(
            type=event_type,
            idempotency_key=f"stripe:{event_id}",
            entity_key=_entity(data),
            occurred_at=parse_time(required(data, "created"), "created"),
            data=data,
        )


def _entity(data: dict[str, Any]) -> str | None:
    """``email:<customer email>`` when the object names one, else ``stripe-customer:<id>``."""
    obj = data.get("data", {}).get("object") if isinstance(data.get("data"), dict) else None
    if not isinstance(obj, dict):
        return None
    candidates = (
        (obj.get("customer_details") or {}).get("email")
        if isinstance(obj.get("customer_details"), dict)
        else None,
        obj.get("receipt_email"),
        (obj.get("billing_details") or {}).get("email")
        if isinstance(obj.get("billing_details"), dict)
        else None,
        obj.get("customer_email"),
        obj.get("email"),
    )
    for email in candidates:
        if isinstance(email, str) and "@" in email:
            return f"email:{email.strip().lower()}"
    customer = obj.get("customer")
    if isinstance(customer, str) and customer:
        return f"stripe-customer:{customer}"
    return None


def _first_sentence(error: Exception) -> str:
    text = str(getattr(error, "user_message", None) or error)
    return text.split(". ", maxsplit=1)[0].rstrip(".") + "."


PROVIDER = StripeProvider()
