"""Signing a webhook the way each provider signs it: the sending side of ``ingest/providers``.

Used by ``notionhub send-test`` (a realistic delivery to a running hub) and by tests that post
over HTTP. Each signer takes the body, the secret, the URL posted to and the time of sending,
and returns the headers (and the URL, which a token scheme extends). The schemes are those the
providers' ``verify`` checks; docs/providers/ describes each.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit, urlunsplit

from standardwebhooks import Webhook

from notionhub.example_events import example_delivery
from notionhub.ingest.fallback_scheme import TOKEN_HEADER


@dataclass(frozen=True)
class SignedDelivery:
    """What to send: the URL to POST to and the headers that sign the body."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)


Signer = Callable[[bytes, str, str, float, str], SignedDelivery]
"""``(body, secret, url, sent_at (Unix seconds), delivery id) -> SignedDelivery``."""


def _hmac(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def stripe_signature(body: bytes, secret: str, timestamp: int) -> str:
    """``Stripe-Signature``: ``t=…,v1=`` hex HMAC-SHA256 of ``{t}.{body}``."""
    digest = _hmac(secret, f"{timestamp}.".encode() + body).hex()
    return f"t={timestamp},v1={digest}"


def _stripe(body: bytes, secret: str, url: str, at: float, _id: str) -> SignedDelivery:
    return SignedDelivery(url, {"Stripe-Signature": stripe_signature(body, secret, int(at))})


def _calcom(body: bytes, secret: str, url: str, _at: float, _id: str) -> SignedDelivery:
    return SignedDelivery(url, {"X-Cal-Signature-256": _hmac(secret, body).hex()})


def _zoom(body: bytes, secret: str, url: str, at: float, _id: str) -> SignedDelivery:
    stamp = str(int(at))
    digest = _hmac(secret, f"v0:{stamp}:".encode() + body).hex()
    return SignedDelivery(url, {"x-zm-request-timestamp": stamp, "x-zm-signature": f"v0={digest}"})


def _typeform(body: bytes, secret: str, url: str, _at: float, _id: str) -> SignedDelivery:
    digest = base64.b64encode(_hmac(secret, body)).decode()
    return SignedDelivery(url, {"Typeform-Signature": f"sha256={digest}"})


def _woocommerce(body: bytes, secret: str, url: str, _at: float, delivery: str) -> SignedDelivery:
    digest = base64.b64encode(_hmac(secret, body)).decode()
    return SignedDelivery(
        url, {"X-WC-Webhook-Signature": digest, "X-WC-Webhook-Delivery-ID": delivery}
    )


def _hubspot(body: bytes, secret: str, url: str, at: float, _id: str) -> SignedDelivery:
    """v3: base64 HMAC of method + URI + body + timestamp (milliseconds)."""
    stamp = str(int(at * 1000))
    message = b"POST" + url.encode() + body + stamp.encode()
    digest = base64.b64encode(_hmac(secret, message)).decode()
    return SignedDelivery(
        url, {"X-HubSpot-Signature-v3": digest, "X-HubSpot-Request-Timestamp": stamp}
    )


def _notion(body: bytes, secret: str, url: str, _at: float, _id: str) -> SignedDelivery:
    return SignedDelivery(url, {"X-Notion-Signature": "sha256=" + _hmac(secret, body).hex()})


def standard_webhooks(body: bytes, secret: str, url: str, at: float, msg_id: str) -> SignedDelivery:
    """Standard Webhooks with a ``whsec_`` secret; else the secret as ``X-Webhook-Token``.

    The fallback providers accept either (``ingest/fallback_scheme.py``): a relay that signs
    uses the first, a provider whose settings take only a URL or a header the second.
    """
    if not secret.startswith("whsec_"):
        return SignedDelivery(url, {TOKEN_HEADER: secret})
    sent = datetime.fromtimestamp(int(at), tz=UTC)
    return SignedDelivery(
        url,
        {
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(at)),
            "webhook-signature": Webhook(secret).sign(msg_id, sent, body.decode()),
        },
    )


def with_query(url: str, **params: str) -> str:
    """``url`` with ``params`` added to its query string."""
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit(parts._replace(query=query))


SIGNERS: dict[str, Signer] = {
    "stripe": _stripe,
    "calcom": _calcom,
    "zoom": _zoom,
    "typeform": _typeform,
    "woocommerce": _woocommerce,
    "hubspot": _hubspot,
    "notion": _notion,
    "amelia": standard_webhooks,
    "beehiiv": standard_webhooks,
    "circle": standard_webhooks,
}


def sign(
    provider: str, body: bytes, secret: str, url: str, at: float, delivery_id: str
) -> SignedDelivery:
    """``body`` signed as ``provider`` signs it, to be posted to ``url`` at ``at``."""
    return SIGNERS[provider](body, secret, url, at, delivery_id)


@dataclass(frozen=True)
class SignedExample:
    """An example event of a provider, signed: POST ``body`` to ``url`` with ``headers``."""

    type: str
    url: str
    body: bytes
    headers: dict[str, str]


def signed_example(
    provider: str, type: str | None, secret: str, hub_url: str, now: datetime, run: str
) -> SignedExample:
    """The example ``type`` event of ``provider`` (default its first), signed with ``secret``
    for the hub at ``hub_url``; ``run`` is unique per call (``notionhub send-test``, the
    console's "send test event")."""
    example = example_delivery(provider, type, run, now)
    hook = with_query(f"{hub_url.rstrip('/')}/hooks/{provider}", **example.query)
    signed = sign(provider, example.body, secret, hook, now.timestamp(), f"msg_test_{run}")
    headers = {"Content-Type": "application/json", **example.headers, **signed.headers}
    return SignedExample(example.type, signed.url, example.body, headers)
