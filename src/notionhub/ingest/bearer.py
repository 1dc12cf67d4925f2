"""Our own endpoints' proof: ``Authorization: Bearer <INTERNAL_API_KEY>``."""

from __future__ import annotations

import hmac

from notionhub.errors import SignatureRejected
from notionhub.ingest.event import WebhookRequest
from notionhub.ingest.provider import require_header


def verify_bearer(request: WebhookRequest, secret: str) -> None:
    """Raise ``SignatureRejected`` unless the bearer token is ``secret`` (constant time)."""
    scheme, _, token = require_header(request, "Authorization").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise SignatureRejected("Authorization should be 'Bearer <INTERNAL_API_KEY>'.")
    if not hmac.compare_digest(token.strip().encode(), secret.encode()):
        raise SignatureRejected("The bearer token is not INTERNAL_API_KEY.")
