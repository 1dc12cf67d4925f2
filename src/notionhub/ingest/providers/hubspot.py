"""HubSpot (signature v3): ``X-HubSpot-Signature-v3`` = base64 HMAC-SHA256, keyed by the app's
client secret, of ``method + uri + body + timestamp``; ``X-HubSpot-Request-Timestamp`` (ms)
within five minutes. HubSpot signs the URI with some percent-escapes decoded, so they are
decoded here the same way.

A delivery is a JSON array of up to 100 events (``eventId``, ``subscriptionType``,
``objectId``, ``occurredAt``, …). It is stored as one event: type = the subscription type when
all share one (else ``batch``), key = the event ids, entity = the object when there is one.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from notionhub.errors import PayloadRejected, SignatureRejected
from notionhub.ingest.event import Event, Reply, WebhookRequest
from notionhub.ingest.provider import (
    Provider,
    check_timestamp,
    hmac_sha256,
    json_value,
    parse_time,
    require_header,
    same_base64_digest,
)

# The escapes HubSpot decodes in the URI before signing it.
_DECODED = {
    "%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$", "%27": "'",
    "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";",
}  # fmt: skip


def signed_uri(url: str) -> str:
    for escape, char in _DECODED.items():
        url = url.replace(escape, char).replace(escape.lower(), char)
    return url


class HubSpotProvider(Provider):
    name = "hubspot"
    secret_env = "HUBSPOT_CLIENT_SECRET"

    def verify(self, request: WebhookRequest, secret: str) -> None:
        signature = require_header(request, "X-HubSpot-Signature-v3")
        timestamp = require_header(request, "X-HubSpot-Request-Timestamp")
        check_timestamp(
            timestamp, request.received_at, self.tolerance_s, header="X-HubSpot-Request-Timestamp"
        )
        try:
            body = request.body.decode()
        except UnicodeDecodeError:
            raise SignatureRejected("The body is not UTF-8 text: it cannot be HubSpot's.") from None
        message = f"{request.method}{signed_uri(request.url)}{body}{timestamp}".encode()
        if not same_base64_digest(hmac_sha256(secret, message), signature):
            raise SignatureRejected("X-HubSpot-Signature-v3 does not match the request.")

    def parse(self, request: WebhookRequest, secret: str) -> Event | Reply:
        events = json_value(request.body)
        if not isinstance(events, list) or not events:
            raise PayloadRejected("The body should be a non-empty JSON array of events.")
        if not all(isinstance(e, dict) and e.get("eventId") is not None for e in events):
            raise PayloadRejected("Every event should be an object with an eventId.")
        types = {str(e.get("subscriptionType", "unknown")) for e in events}
        ids = ",".join(sorted(str(e["eventId"]) for e in events))
        key = f"hubspot:{ids}" if len(ids) < 280 else f"hubspot:{_digest(ids)}"
        return self.event(
            type=types.pop() if len(types) == 1 else "batch",
            idempotency_key=key,
            entity_key=_entity(events),
            occurred_at=_latest(events, request.received_at),
            data={"events": events},
        )


def _entity(events: list[dict[str, Any]]) -> str | None:
    objects = {
        (str(e.get("subscriptionType", "")).split(".")[0], e.get("objectId")) for e in events
    }
    if len(objects) == 1:
        kind, object_id = objects.pop()
        if object_id is not None:
            return f"hubspot-{kind or 'object'}:{object_id}"
    return None


def _latest(events: list[dict[str, Any]], default: datetime) -> datetime:
    stamps = [e["occurredAt"] for e in events if isinstance(e.get("occurredAt"), int | float)]
    return parse_time(max(stamps), "occurredAt") if stamps else default


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:40]


PROVIDER = HubSpotProvider()
