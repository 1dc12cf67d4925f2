"""Circle.so (communities).

Circle.so documents no signature for the webhooks its workflows send, so a delivery proves itself
with a secret token (``?token=`` in the URL, or an ``X-Webhook-Token`` header) or Standard
Webhooks headers added by a relay: see ``ingest/fallback_scheme.py`` and
``docs/providers/circle.md``.

Circle's payload is not documented either, so parsing is lenient: the event type comes from the
URL's ``?event=`` (each workflow posts to its own URL) or the body's ``type``/``event``/
``event_type``/``activity_type``; the member's email from the usual places.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from notionhub.errors import PayloadRejected
from notionhub.ingest.event import Event, Reply, WebhookRequest
from notionhub.ingest.fallback_scheme import verify_standard_or_token
from notionhub.ingest.payload_fields import first_email, first_text
from notionhub.ingest.provider import Provider, body_digest, json_object, parse_time

_TYPE_PATHS: list[list[str | int]] = [["type"], ["event"], ["event_type"], ["activity_type"]]
_EMAIL_PATHS: list[list[str | int]] = [
    ["email"],
    ["member_email"],
    ["member", "email"],
    ["community_member", "email"],
    ["user", "email"],
    ["data", "email"],
    ["data", "member", "email"],
    ["data", "community_member", "email"],
    ["payload", "email"],
    ["payload", "member", "email"],
]
_TIME_PATHS: list[list[str | int]] = [
    ["created_at"],
    ["timestamp"],
    ["data", "created_at"],
    ["payload", "created_at"],
]


class CircleProvider(Provider):
    name = "circle"
    secret_env = "CIRCLE_WEBHOOK_SECRET"

    def verify(self, request: WebhookRequest, secret: str) -> None:
        verify_standard_or_token(request, secret)

    def parse(self, request: WebhookRequest, secret: str) -> Event | Reply:
        data = json_object(request.body)
        named = parse_qs(urlsplit(request.url).query).get("event")
        event_type = named[0].strip() if named else first_text(data, _TYPE_PATHS)
        if not event_type:
            raise PayloadRejected(
                "The Circle event type is unknown: add ?event=<type> to the webhook URL"
                " (e.g. ?event=member.created), or send a type field."
            )
        return self.event(
            type=event_type,
            idempotency_key=_key(data, event_type, request.body),
            entity_key=first_email(data, _EMAIL_PATHS),
            occurred_at=_occurred_at(data, request.received_at),
            data=data,
        )


def _key(data: dict[str, Any], event_type: str, body: bytes) -> str:
    """``circle:<event id>``; without one, ``circle:<type>:<digest of the body>``.

    The type is part of the digest form: one body posted by two workflows is two events.
    """
    event_id = _event_id(data)
    return f"circle:{event_id}" if event_id else f"circle:{event_type}:{body_digest(body)}"


def _event_id(data: dict[str, Any]) -> str | None:
    """An id that names the event itself: ``event_id``, or ``id`` beside a data envelope.

    A bare ``id`` may be the member's (the same for every event about them), so it is not used.
    """
    if (event_id := first_text(data, [["event_id"]])) is not None:
        return event_id
    if isinstance(data.get("data"), dict) or isinstance(data.get("payload"), dict):
        return first_text(data, [["id"]])
    return None


def _occurred_at(data: dict[str, Any], default: datetime) -> datetime:
    stamp = first_text(data, _TIME_PATHS)
    if stamp is None:
        return default
    numeric = stamp.isascii() and stamp.isdecimal() and len(stamp) <= 15
    try:
        return parse_time(int(stamp) if numeric else stamp, "created_at")
    except PayloadRejected:
        return default  # an undocumented field: a time we cannot read is not worth a refusal


PROVIDER = CircleProvider()
