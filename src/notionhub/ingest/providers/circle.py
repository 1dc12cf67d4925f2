"""Circle.so (community): deliveries prove themselves with Standard Webhooks (``webhook-*`` or
``svix-*`` headers) or a secret token: see ``ingest/fallback_scheme.py`` and
``docs/providers/circle.md``.

Body: ``{"id"?, "type" | "event", "data" | "payload": {…member, post…}}``; the event id (or a
digest of the body) is the idempotency key, the member's email the entity.
"""

from __future__ import annotations

from notionhub.errors import PayloadRejected
from notionhub.ingest.event import Event, Reply, WebhookRequest
from notionhub.ingest.fallback_scheme import verify_standard_or_token
from notionhub.ingest.payload_fields import first_email, first_text
from notionhub.ingest.provider import Provider, body_digest, json_object, parse_time

_EMAILS = (
    ("data", "email"),
    ("data", "member", "email"),
    ("data", "community_member", "email"),
    ("payload", "email"),
    ("payload", "member", "email"),
)


class CircleProvider(Provider):
    name = "circle"
    secret_env = "CIRCLE_WEBHOOK_SECRET"

    def verify(self, request: WebhookRequest, secret: str) -> None:
        verify_standard_or_token(request, secret)

    def parse(self, request: WebhookRequest, secret: str) -> Event | Reply:
        data = json_object(request.body)
        event_type = first_text(data, [["type"], ["event"], ["event_type"]])
        if event_type is None:
            raise PayloadRejected("The body has no type (or event).")
        event_id = first_text(data, [["id"], ["event_id"]])
        stamp = first_text(data, [["created_at"], ["data", "created_at"]])
        return self.event(
            type=event_type,
            idempotency_key=f"circle:{event_id or body_digest(request.body)}",
            entity_key=first_email(data, [list(path) for path in _EMAILS]),
            occurred_at=parse_time(stamp, "created_at") if stamp else request.received_at,
            data=data,
        )


PROVIDER = CircleProvider()
