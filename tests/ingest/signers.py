"""Requests signed the way each provider signs them, computed by hand from its documented scheme."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime

from standardwebhooks import Webhook

from notionhub.ingest.event import WebhookRequest
from tests.ingest.conftest import build_request

SECRETS = {
    "stripe": "whsec_stripe_test",
    "calcom": "calcom-secret",
    "zoom": "zoom-secret-token",
    "typeform": "typeform-secret",
    "woocommerce": "woo-secret",
    "hubspot": "hubspot-client-secret",
    "notion": "secret_notion_verification",
    "amelia": "amelia-long-random-token",
    "beehiiv": "whsec_" + base64.b64encode(b"beehiiv-signing-key-32-bytes!!!!").decode(),
    "circle": "circle-long-random-token",
    "coaching-app": "internal-key",
    "forms": "internal-key",
}
HUB = "https://hub.example.com"


def _hmac(secret: str | bytes, message: bytes) -> bytes:
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, message, hashlib.sha256).digest()


def now() -> int:
    return int(datetime.now(UTC).timestamp())


def stripe(body: bytes, secret: str = SECRETS["stripe"], at: int | None = None) -> WebhookRequest:
    stamp = now() if at is None else at
    digest = _hmac(secret, f"{stamp}.".encode() + body).hex()
    return build_request(body, {"Stripe-Signature": f"t={stamp},v1={digest}"})


def calcom(body: bytes, secret: str = SECRETS["calcom"]) -> WebhookRequest:
    return build_request(body, {"X-Cal-Signature-256": _hmac(secret, body).hex()})


def zoom(body: bytes, secret: str = SECRETS["zoom"], at: int | None = None) -> WebhookRequest:
    stamp = str(now() if at is None else at)
    digest = _hmac(secret, f"v0:{stamp}:".encode() + body).hex()
    return build_request(body, {"x-zm-request-timestamp": stamp, "x-zm-signature": f"v0={digest}"})


def typeform(body: bytes, secret: str = SECRETS["typeform"]) -> WebhookRequest:
    digest = base64.b64encode(_hmac(secret, body)).decode()
    return build_request(body, {"Typeform-Signature": f"sha256={digest}"})


def woocommerce(
    body: bytes, secret: str = SECRETS["woocommerce"], topic: str = "order.created"
) -> WebhookRequest:
    digest = base64.b64encode(_hmac(secret, body)).decode()
    return build_request(
        body,
        {
            "X-WC-Webhook-Signature": digest,
            "X-WC-Webhook-Topic": topic,
            "X-WC-Webhook-Resource": topic.split(".", maxsplit=1)[0],
            "X-WC-Webhook-Delivery-ID": "17",
        },
    )


def hubspot(
    body: bytes,
    secret: str = SECRETS["hubspot"],
    at_ms: int | None = None,
    url: str = f"{HUB}/hooks/hubspot?portal=62515",
) -> WebhookRequest:
    stamp = str(now() * 1000 if at_ms is None else at_ms)
    message = b"POST" + url.encode() + body + stamp.encode()
    digest = base64.b64encode(_hmac(secret, message)).decode()
    return build_request(
        body,
        {"X-HubSpot-Signature-v3": digest, "X-HubSpot-Request-Timestamp": stamp},
        url=url,
    )


def notion(body: bytes, secret: str = SECRETS["notion"]) -> WebhookRequest:
    return build_request(body, {"X-Notion-Signature": "sha256=" + _hmac(secret, body).hex()})


def standard(body: bytes, secret: str, msg_id: str = "msg_1") -> WebhookRequest:
    """Standard Webhooks, signed by the reference library of the scheme."""
    stamp = datetime.now(UTC)
    signature = Webhook(secret).sign(msg_id, stamp, body.decode())
    return build_request(
        body,
        {
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(stamp.timestamp())),
            "webhook-signature": signature,
        },
    )


def token(body: bytes, secret: str, provider: str) -> WebhookRequest:
    return build_request(body, url=f"{HUB}/hooks/{provider}?token={secret}")


def amelia(
    body: bytes, secret: str = SECRETS["amelia"], event: str = "bookingCompleted"
) -> WebhookRequest:
    return build_request(body, url=f"{HUB}/hooks/amelia?event={event}&token={secret}")


def beehiiv(body: bytes, secret: str = SECRETS["beehiiv"]) -> WebhookRequest:
    return standard(body, secret)


def circle(body: bytes, secret: str = SECRETS["circle"]) -> WebhookRequest:
    return build_request(body, {"X-Webhook-Token": secret})


def bearer(body: bytes, secret: str = SECRETS["coaching-app"]) -> WebhookRequest:
    return build_request(body, {"Authorization": f"Bearer {secret}"})


# provider → a function signing any body correctly for it
SIGNERS: dict[str, Callable[[bytes], WebhookRequest]] = {
    "stripe": stripe,
    "calcom": calcom,
    "zoom": zoom,
    "typeform": typeform,
    "woocommerce": woocommerce,
    "hubspot": hubspot,
    "notion": notion,
    "amelia": amelia,
    "beehiiv": beehiiv,
    "circle": circle,
    "coaching-app": bearer,
    "forms": bearer,
}
