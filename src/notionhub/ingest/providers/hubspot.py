"""HubSpot webhooks, signature v3.

``X-HubSpot-Signature-v3`` = base64 HMAC-SHA256, keyed by the app's client secret, of
``method + URI + body + X-HubSpot-Request-Timestamp``; the timestamp (milliseconds) must be within
five minutes. HubSpot signs the URI with a few percent-escapes decoded (``SIGNED_URI_ESCAPES``),
so they are decoded here the same way before computing the signature.

A delivery is a JSON array of up to 100 events (``eventId``, ``subscriptionType``, ``objectId``,
``occurredAt`` in ms, ``portalId`` …), stored as one event: its type is the subscription type
when all share one (else ``batch``), its key names every event id, its entity is the object when
there is only one.
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

SIGNATURE_HEADER = "X-HubSpot-Signature-v3"
TIMESTAMP_HEADER = "X-HubSpot-Request-Timestamp"
# The escapes HubSpot decodes in the request URI before signing it (its docs list exactly these).
SIGNED_URI_ESCAPES = {
    "%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$",
    "%27": "'", "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";",
}  # fmt: skip
# Longer id lists are replaced by their digest (keys are at most 300 characters).
_MAX_IDS_LENGTH = 200


def signed_uri(url: str) -> str:
    """The URI as HubSpot signs it: the listed escapes decoded (either case), the rest kept."""
    for escape, char in SIGNED_URI_ESCAPES.items():
        url = url.replace(escape, char).replace(escape.lower(), char)
    return url


class HubSpotProvider(Provider):
    name = "hubspot"
    secret_env = "HUBSPOT_CLIENT_SECRET"

    def verify(self, request: WebhookRequest, secret: str) -> None:
        signature = require_header(request, SIGNATURE_HEADER)
        timestamp = require_header(request, TIMESTAMP_HEADER)
        check_timestamp(timestamp, request.received_at, self.tolerance_s, header=TIMESTAMP_HEADER)
        # HubSpot signs the UTF-8 text; concatenating the raw bytes is the same for any body it
        # sends, and leaves a body that is not UTF-8 to be refused as a payload error.
        message = (
            request.method.upper().encode()
            + signed_uri(request.url).encode()
            + request.body
            + timestamp.encode()
        )
        if not same_base64_digest(hmac_sha256(secret, message), signature):
            raise SignatureRejected(
                f"{SIGNATURE_HEADER} does not match the request signed with the client secret."
            )

    def parse(self, request: WebhookRequest, secret: str) -> Event | Reply:
        events = json_value(request.body)
        if not isinstance(events, list) or not events:
            raise PayloadRejected("The body should be a non-empty JSON array of HubSpot events.")
        ids: set[str] = set()
        for position, item in enumerate(events):
            event_id = item.get("eventId") if isinstance(item, dict) else None
            if isinstance(event_id, bool) or not isinstance(event_id, int | str) or event_id == "":
                raise PayloadRejected(f"Event {position} has no eventId (a number).")
            ids.add(str(event_id))
        joined = ",".join(sorted(ids))
        if len(joined) > _MAX_IDS_LENGTH:
            joined = f"{len(ids)}-events-{hashlib.sha256(joined.encode()).hexdigest()[:40]}"
        types = {_subscription(e) for e in events}
        return self.event(
            type=types.pop() if len(types) == 1 else "batch",
            idempotency_key=f"hubspot:{joined}",
            entity_key=_single_object(events),
            occurred_at=_latest(events, request.received_at),
            data={"events": events},
        )


def _single_object(events: list[dict[str, Any]]) -> str | None:
    """``hubspot-<object type>:<objectId>`` when every event is about one object, else None."""
    objects = {(_subscription(e).split(".")[0], _object_id(e)) for e in events}
    if len(objects) != 1:
        return None
    kind, object_id = objects.pop()
    return f"hubspot-{kind}:{object_id}" if object_id is not None else None


def _object_id(event: dict[str, Any]) -> str | None:
    value = event.get("objectId")
    if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
        return None
    return str(value)


def _subscription(event: dict[str, Any]) -> str:
    """The event's ``subscriptionType`` (``contact.creation`` …), or ``unknown``."""
    kind = event.get("subscriptionType")
    return kind if isinstance(kind, str) and kind.strip() else "unknown"


def _latest(events: list[dict[str, Any]], default: datetime) -> datetime:
    stamps = [
        e["occurredAt"]
        for e in events
        if isinstance(e.get("occurredAt"), int | float) and not isinstance(e["occurredAt"], bool)
    ]
    return parse_time(max(stamps), "occurredAt") if stamps else default


PROVIDER = HubSpotProvider()
