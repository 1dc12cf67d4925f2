"""The most common webhook scheme: an HMAC-SHA256 of the raw body, in one header.

Providers differ only in the header's name, an optional prefix (``sha256=``) and whether the
digest is hex or base64; ``verify_body_hmac`` covers them all with a constant-time compare.
"""

from __future__ import annotations

from typing import Literal

from notionhub.errors import SignatureRejected
from notionhub.ingest.event import WebhookRequest
from notionhub.ingest.provider import (
    hmac_sha256,
    require_header,
    same_base64_digest,
    same_hex_digest,
)


def verify_body_hmac(
    request: WebhookRequest,
    secret: str,
    *,
    header: str,
    encoding: Literal["hex", "base64"],
    prefix: str = "",
) -> None:
    """Raise ``SignatureRejected`` unless ``header`` holds prefix + HMAC-SHA256(secret, body)."""
    value = require_header(request, header)
    if prefix:
        if not value.lower().startswith(prefix.lower()):
            raise SignatureRejected(f"{header} should start with {prefix!r}.")
        value = value[len(prefix) :]
    expected = hmac_sha256(secret, request.body)
    same = same_hex_digest if encoding == "hex" else same_base64_digest
    if not same(expected, value):
        raise SignatureRejected(f"{header} does not match the body signed with the secret.")
