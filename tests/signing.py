"""Signing webhooks the way providers do, for tests that post over HTTP."""

from __future__ import annotations

import json
import time
from typing import Any

from notionhub.webhook_signing import stripe_signature

STRIPE_SECRET = "whsec_test_secret"


def stripe_headers(
    body: bytes, secret: str = STRIPE_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    """``Stripe-Signature: t=…,v1=…``: hex HMAC-SHA256 of ``{t}.{body}`` keyed by the secret.

    Without ``timestamp``, signed now (real time): the hub posted to reads the real clock
    unless its test gives it another.
    """
    stamp = int(time.time()) if timestamp is None else timestamp
    signature = stripe_signature(body, secret, stamp)
    return {"Stripe-Signature": signature, "Content-Type": "application/json"}


def stripe_event(number: int, email: str, *, type: str = "checkout.session.completed") -> bytes:
    """A Stripe event shaped like a checkout.session.completed delivery."""
    name = email.split("@", maxsplit=1)[0]
    payload: dict[str, Any] = {
        "id": f"evt_test_{number:06d}",
        "object": "event",
        "api_version": "2025-09-30.clover",
        "created": 1_764_000_000 + number,
        "type": type,
        "livemode": False,
        "data": {
            "object": {
                "id": f"cs_test_{number:06d}",
                "object": "checkout.session",
                "amount_total": 15_000,
                "currency": "usd",
                "customer": f"cus_{name}",
                "customer_details": {"email": email, "name": name.title()},
                "payment_status": "paid",
                "status": "complete",
            }
        },
    }
    return json.dumps(payload).encode()
