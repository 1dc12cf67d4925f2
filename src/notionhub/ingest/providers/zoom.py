"""Zoom: ``x-zm-signature: v0=<hex HMAC-SHA256 of "v0:{timestamp}:{body}">`` keyed by the app's
secret token, with ``x-zm-request-timestamp`` (seconds) within five minutes.

``endpoint.url_validation`` is answered with ``plainToken`` and ``encryptedToken`` (hex
HMAC-SHA256 of the plain token). It is verified like any delivery first: answering unsigned
requests would hand anyone an HMAC of a string of their choosing under our secret.
"""

from __future__ import annotations

import hmac
from typing import Any

from notionhub.errors import PayloadRejected, SignatureRejected
from notionhub.ingest.event import Event, Reply, WebhookRequest
from notionhub.ingest.provider import (
    Provider,
    check_timestamp,
    hmac_sha256,
    json_object,
    parse_time,
    require_header,
    required,
    same_hex_digest,
)


class ZoomProvider(Provider):
    name = "zoom"
    secret_env = "ZOOM_WEBHOOK_SECRET_TOKEN"

    def verify(self, request: WebhookRequest, secret: str) -> None:
        timestamp = require_header(request, "x-zm-request-timestamp")
        signature = require_header(request, "x-zm-signature")
        check_timestamp(
            timestamp, request.received_at, self.tolerance_s, header="x-zm-request-timestamp"
        )
        if not signature.startswith("v0="):
            raise SignatureRejected("x-zm-signature should start with 'v0='.")
        expected = hmac_sha256(secret, f"v0:{timestamp}:".encode() + request.body)
        if not same_hex_digest(expected, signature[3:]):
            raise SignatureRejected(
                "x-zm-signature does not match the body signed with the secret."
            )

    def parse(self, request: WebhookRequest, secret: str) -> Event | Reply:
        data = json_object(request.body)
        event = required(data, "event")
        if not isinstance(event, str):
            raise PayloadRejected("event should be a string.")
        payload = data.get("payload")
        if not isinstance(payload, dict):
            raise PayloadRejected("The body has no payload object.")
        if event == "endpoint.url_validation":
            plain = required(payload, "plainToken")
            if not isinstance(plain, str):
                raise PayloadRejected("payload.plainToken should be a string.")
            encrypted = hmac.new(secret.encode(), plain.encode(), "sha256").hexdigest()
            return Reply(
                200, {"plainToken": plain, "encryptedToken": encrypted}, reason="Zoom URL check"
            )
        meeting = payload.get("object")
        if not isinstance(meeting, dict):
            raise PayloadRejected("The body has no payload.object.")
        stamp = required(data, "event_ts")
        return self.event(
            type=event,
            idempotency_key=_key(event, meeting, stamp),
            entity_key=f"zoom-meeting:{meeting['id']}" if meeting.get("id") else None,
            occurred_at=parse_time(stamp, "event_ts"),
            data=data,
        )


def _key(event: str, meeting: dict[str, Any], stamp: object) -> str:
    """Event, meeting instance, time, and the participant for participant events (two people
    joining at the same millisecond are two events)."""
    instance = meeting.get("uuid") or meeting.get("id")
    participant = meeting.get("participant")
    who = ""
    if isinstance(participant, dict):
        who = str(
            participant.get("participant_uuid")
            or participant.get("user_id")
            or participant.get("email")
            or ""
        )
    return f"zoom:{event}:{instance}:{stamp}" + (f":{who}" if who else "")


PROVIDER = ZoomProvider()
