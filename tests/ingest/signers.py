"""Requests signed the way each provider signs them, computed by hand from its documented scheme.

Each signer signs ``at`` an instant and has the request received at that same instant. Without
``at`` that is the real time now, as a running hub (whose clock is real) expects; tests that
check a request themselves pass ``at=INSTANT`` (``tests/ingest/conftest.py``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from typing import Protocol

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
    "snovio": "snovio-long-random-token",
    "coaching-app": "internal-key",
    "forms": "internal-key",
}
HUB = "https://hub.example.com"


def _hmac(secret: str | bytes, message: bytes) -> bytes:
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, message, hashlib.sha256).digest()


def _instant(at: datetime | None) -> datetime:
    """``at``, or the real time now."""
    return datetime.now(UTC) if at is None else at


def stripe(
    body: bytes, secret: str = SECRETS["stripe"], *, at: datetime | None = None
) -> WebhookRequest:
    instant = _instant(at)
    stamp = int(instant.timestamp())
    digest = _hmac(secret, f"{stamp}.".encode() + body).hex()
    headers = {"Stripe-Signature": f"t={stamp},v1={digest}"}
    return build_request(body, headers, received_at=instant)


def calcom(
    body: bytes, secret: str = SECRETS["calcom"], *, at: datetime | None = None
) -> WebhookRequest:
    headers = {"X-Cal-Signature-256": _hmac(secret, body).hex()}
    return build_request(body, headers, received_at=_instant(at))


def zoom(
    body: bytes, secret: str = SECRETS["zoom"], *, at: datetime | None = None
) -> WebhookRequest:
    instant = _instant(at)
    stamp = str(int(instant.timestamp()))
    digest = _hmac(secret, f"v0:{stamp}:".encode() + body).hex()
    headers = {"x-zm-request-timestamp": stamp, "x-zm-signature": f"v0={digest}"}
    return build_request(body, headers, received_at=instant)


def typeform(
    body: bytes, secret: str = SECRETS["typeform"], *, at: datetime | None = None
) -> WebhookRequest:
    digest = base64.b64encode(_hmac(secret, body)).decode()
    return build_request(body, {"Typeform-Signature": f"sha256={digest}"}, received_at=_instant(at))


def woocommerce(
    body: bytes,
    secret: str = SECRETS["woocommerce"],
    topic: str = "order.created",
    *,
    at: datetime | None = None,
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
        received_at=_instant(at),
    )


def hubspot(
    body: bytes,
    secret: str = SECRETS["hubspot"],
    url: str = f"{HUB}/hooks/hubspot?portal=62515",
    *,
    at: datetime | None = None,
) -> WebhookRequest:
    instant = _instant(at)
    stamp = str(int(instant.timestamp() * 1000))
    message = b"POST" + url.encode() + body + stamp.encode()
    digest = base64.b64encode(_hmac(secret, message)).decode()
    return build_request(
        body,
        {"X-HubSpot-Signature-v3": digest, "X-HubSpot-Request-Timestamp": stamp},
        url=url,
        received_at=instant,
    )


def notion(
    body: bytes, secret: str = SECRETS["notion"], *, at: datetime | None = None
) -> WebhookRequest:
    headers = {"X-Notion-Signature": "sha256=" + _hmac(secret, body).hex()}
    return build_request(body, headers, received_at=_instant(at))


def standard(
    body: bytes, secret: str, msg_id: str = "msg_1", *, at: datetime | None = None
) -> WebhookRequest:
    """Standard Webhooks, signed by the reference library of the scheme."""
    instant = _instant(at)
    signature = Webhook(secret).sign(msg_id, instant, body.decode())
    return build_request(
        body,
        {
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(instant.timestamp())),
            "webhook-signature": signature,
        },
        received_at=instant,
    )


def token(body: bytes, secret: str, provider: str, *, at: datetime | None = None) -> WebhookRequest:
    return build_request(
        body, url=f"{HUB}/hooks/{provider}?token={secret}", received_at=_instant(at)
    )


def amelia(
    body: bytes,
    secret: str = SECRETS["amelia"],
    event: str = "bookingCompleted",
    *,
    at: datetime | None = None,
) -> WebhookRequest:
    url = f"{HUB}/hooks/amelia?event={event}&token={secret}"
    return build_request(body, url=url, received_at=_instant(at))


def beehiiv(
    body: bytes, secret: str = SECRETS["beehiiv"], *, at: datetime | None = None
) -> WebhookRequest:
    return standard(body, secret, at=at)


def circle(
    body: bytes, secret: str = SECRETS["circle"], *, at: datetime | None = None
) -> WebhookRequest:
    return build_request(body, {"X-Webhook-Token": secret}, received_at=_instant(at))


def snovio(
    body: bytes, secret: str = SECRETS["snovio"], *, at: datetime | None = None
) -> WebhookRequest:
    url = f"{HUB}/hooks/snovio?event=campaign_reply.first_received&token={secret}"
    return build_request(body, url=url, received_at=_instant(at))


def bearer(
    body: bytes, secret: str = SECRETS["coaching-app"], *, at: datetime | None = None
) -> WebhookRequest:
    return build_request(body, {"Authorization": f"Bearer {secret}"}, received_at=_instant(at))


class Signer(Protocol):
    def __call__(self, body: bytes, *, at: datetime | None = None) -> WebhookRequest:
        """``body`` signed correctly for the provider, at ``at`` (else now), received then."""
        ...


# provider → a function signing any body correctly for it
SIGNERS: dict[str, Signer] = {
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
    "snovio": snovio,
    "coaching-app": bearer,
    "forms": bearer,
}
