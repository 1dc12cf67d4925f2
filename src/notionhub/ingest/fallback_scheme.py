"""For providers that do not sign their webhooks: Standard Webhooks, or a secret token.

Two ways to prove a delivery, checked in this order:

- **Standard Webhooks** (``webhook-id``, ``webhook-timestamp``, ``webhook-signature``; or the
  same with the ``svix-`` prefix): what a relay such as Svix or Hookdeck adds in front of the
  provider. Verified by the ``standardwebhooks`` library, 5-minute tolerance. The secret is the
  relay's ``whsec_…`` signing secret.
- **A secret token** in the ``X-Webhook-Token`` header or the ``token`` query parameter, for a
  provider whose webhook settings take only a URL (or custom headers). Compared in constant
  time; use a long random value and HTTPS.
"""

from __future__ import annotations

import binascii
import hmac
from urllib.parse import parse_qs, urlsplit

from standardwebhooks import Webhook
from standardwebhooks.webhooks import EmptyWebhookSecretError, WebhookVerificationError

from notionhub.errors import SignatureRejected
from notionhub.ingest.event import WebhookRequest

TOKEN_HEADER = "X-Webhook-Token"


def verify_standard_or_token(request: WebhookRequest, secret: str) -> None:
    """Raise ``SignatureRejected`` unless one of the two proofs above holds."""
    headers = _standard_headers(request)
    if headers is not None:
        _verify_standard(request, secret, headers)
        return
    token = request.header(TOKEN_HEADER)
    if token is None:
        values = parse_qs(urlsplit(request.url).query).get("token")
        token = values[0] if values else None
    if token is None:
        raise SignatureRejected(
            "No signature: expected Standard Webhooks headers (webhook-id, webhook-timestamp,"
            f" webhook-signature), an {TOKEN_HEADER} header or a token query parameter."
        )
    if not hmac.compare_digest(token.encode(), secret.encode()):
        raise SignatureRejected("The webhook token is not the configured secret.")


def _standard_headers(request: WebhookRequest) -> dict[str, str] | None:
    for prefix in ("webhook-", "svix-"):
        names = [f"{prefix}{part}" for part in ("id", "timestamp", "signature")]
        values = [request.header(name) for name in names]
        if any(values):
            return {
                f"webhook-{part}": value or ""
                for part, value in zip(("id", "timestamp", "signature"), values, strict=True)
            }
    return None


def _verify_standard(request: WebhookRequest, secret: str, headers: dict[str, str]) -> None:
    try:
        webhook = Webhook(secret)
    except (binascii.Error, ValueError, EmptyWebhookSecretError):
        raise SignatureRejected(
            "The configured secret is not a Standard Webhooks secret (whsec_<base64>)."
        ) from None
    try:
        webhook.verify(request.body, headers, json_parse=False)
    except WebhookVerificationError as error:
        raise SignatureRejected(f"Standard Webhooks signature refused: {error}.") from None
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise SignatureRejected("Standard Webhooks headers are malformed.") from None
