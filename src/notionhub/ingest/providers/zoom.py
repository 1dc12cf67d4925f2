"""Zoom: ``x-zm-signature: v0=<hex HMAC-SHA256 of "v0:{timestamp}:{body}">`` keyed by the app's
secret token, with ``x-zm-request-timestamp`` (Unix seconds) within five minutes.

``endpoint.url_validation`` (sent when the URL is saved, then every 72 hours) is answered with
``plainToken`` and ``encryptedToken`` (hex HMAC-SHA256 of the plain token). Zoom signs it like
any delivery, so it is verified first: answering unsigned ones would hand anyone an HMAC of a
string of their choosing under our secret.
"""

from __future__ import annotations

import re

from notionhub.errors import PayloadRejected, SignatureRejected
from notionhub.ingest.event import Event, Reply, WebhookRequest
from notionhub.ingest.payload_fields import first_text
from notionhub.ingest.provider import (
    Provider,
    body_digest,
    check_timestamp,
    hmac_sha256,
    json_object,
    parse_time,
    require_header,
    required,
    same_hex_digest,
)

SIGNATURE = "x-zm-signature"
TIMESTAMP = "x-zm-request-timestamp"
_DIGITS = re.compile(r"[0-9]{1,13}")
# Who a participant event is about: two people joining in the same millisecond are two events.
_PARTICIPANT_PATHS = (
    ("participant", "participant_uuid"),
    ("participant", "user_id"),
    ("participant", "id"),
    ("participant", "email"),
)
# Events whose payload.object is a meeting (or its recording): ordered per meeting.
_MEETING_KINDS = ("meeting", "recording", "webinar")


class ZoomProvider(Provider):
    name = "zoom"
    secret_env = "ZOOM_WEBHOOK_SECRET_TOKEN"

    def verify(self, request: WebhookRequest, secret: str) -> None:
        timestamp = require_header(request, TIMESTAMP)
        signature = require_header(request, SIGNATURE)
        # Digits only: check_timestamp would accept "nan" or "1e400" and then fail oddly.
        if not _DIGITS.fullmatch(timestamp):
            raise SignatureRejected(f"{TIMESTAMP} should be a Unix time in seconds.")
        if not signature.startswith("v0="):
            raise SignatureRejected(f"{SIGNATURE} should be 'v0=<hex HMAC-SHA256>'.")
        expected = hmac_sha256(secret, f"v0:{timestamp}:".encode() + request.body)
        if not same_hex_digest(expected, signature[3:]):
            raise SignatureRejected(
                f"{SIGNATURE} does not match this body signed with {self.secret_env}."
            )
        check_timestamp(timestamp, request.received_at, self.tolerance_s, header=TIMESTAMP)

    def parse(self, request: WebhookRequest, secret: str) -> Event | Reply:
        data = json_object(request.body)
        event = required(data, "event")
        if not isinstance(event, str):
            raise PayloadRejected("event should be a string such as 'meeting.started'.")
        payload = data.get("payload")
        if not isinstance(payload, dict):
            raise PayloadRejected(f"The {event} body has no payload object.")
        if event == "endpoint.url_validation":
            plain = required(payload, "plainToken")
            if not isinstance(plain, str):
                raise PayloadRejected("payload.plainToken should be a string.")
            encrypted = hmac_sha256(secret, plain.encode()).hex()
            return Reply(
                200,
                {"plainToken": plain, "encryptedToken": encrypted},
                reason="Zoom endpoint URL validation",
            )
        stamp = required(data, "event_ts")
        obj = payload.get("object")
        obj = obj if isinstance(obj, dict) else {}
        instance = first_text(obj, (("uuid",), ("id",))) or body_digest(request.body)
        who = first_text(obj, _PARTICIPANT_PATHS)
        meeting = first_text(obj, (("id",),))
        kind = event.split(".", 1)[0]
        return self.event(
            type=event,
            idempotency_key=f"zoom:{event}:{instance}:{stamp}" + (f":{who}" if who else ""),
            entity_key=(
                f"zoom-{'meeting' if kind in _MEETING_KINDS else kind}:{meeting}"
                if meeting
                else None
            ),
            occurred_at=parse_time(stamp, "event_ts"),
            data=data,
        )


PROVIDER = ZoomProvider()
