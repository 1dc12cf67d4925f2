"""For providers that do not sign their webhooks: Standard Webhooks, or a secret token.

Two ways to prove a delivery, checked in this order:

- **Standard Webhooks** (``webhook-id``, ``webhook-timestamp``, ``webhook-signature``; or the
  same with the ``svix-`` prefix): what a relay such as Svix or Hookdeck adds in front of the
  provider. Signed as the ``standardwebhooks`` library signs (its ``Webhook.sign``), 5-minute
  tolerance of the time the hub received the request: the library's own ``verify`` would compare
  the timestamp with the wall clock. The secret is the relay's ``whsec_…`` signing secret.
- **A secret token** in the ``X-Webhook-Token`` header or the ``token`` query parameter, for a
  provider whose webhook settings take only a URL (or custom headers). Compared in constant
  time; use a long random value and HTTPS.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from urllib.parse import parse_qs, urlsplit

from standardwebhooks import Webhook
from standardwebhooks.webhooks import EmptyWebhookSecretError

from notionhub.errors import SignatureRejected
from notionhub.ingest.event import WebhookRequest
from notionhub.ingest.provider import DEFAULT_TOLERANCE_S, check_timestamp, same_base64_digest

TOKEN_HEADER = "X-Webhook-Token"
# The scheme's tolerance (and its library's): five minutes either way.
STANDARD_TOLERANCE_S = DEFAULT_TOLERANCE_S  # the hub's one window (docs/ingest-limits.md)
_REFUSED = "Standard Webhooks signature refused"
_MALFORMED = "Standard Webhooks headers are malformed."


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
    """What ``Webhook.verify`` checks, with the request's ``received_at`` as now."""
    try:
        webhook = Webhook(secret)
    except (binascii.Error, ValueError, EmptyWebhookSecretError):
        raise SignatureRejected(
            "The configured secret is not a Standard Webhooks secret (whsec_<base64>)."
        ) from None
    msg_id, stamp, signatures = (
        headers[f"webhook-{part}"] for part in ("id", "timestamp", "signature")
    )
    if not (msg_id and stamp and signatures):
        raise SignatureRejected(f"{_REFUSED}: Missing required headers.")
    try:
        sent_at = check_timestamp(
            stamp, request.received_at, STANDARD_TOLERANCE_S, header="webhook-timestamp"
        )
    except SignatureRejected as error:
        raise SignatureRejected(f"{_REFUSED}: {error}") from None
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise SignatureRejected(
            "The body is not UTF-8 text: Standard Webhooks signs text."
        ) from None
    # "v1,<base64>": the library's signature of what the sender says it signed, and when.
    expected = base64.b64decode(webhook.sign(msg_id, sent_at, text).split(",")[1])
    for entry in signatures.split(" "):
        version, comma, signature = entry.partition(",")
        if not comma or "," in signature:
            raise SignatureRejected(_MALFORMED)
        if version == "v1" and same_base64_digest(expected, signature):
            return
    raise SignatureRejected(f"{_REFUSED}: No matching signature found.")
