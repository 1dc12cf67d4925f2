"""Beehiiv (newsletter): deliveries prove themselves with Standard Webhooks (``webhook-*`` or
``svix-*`` headers) or a secret token: see ``ingest/fallback_scheme.py`` and
``docs/providers/beehiiv.md``.

Body: ``{"uid", "event_type": "subscription.created" …, "data": {…subscription…}}``; the
``uid`` is the idempotency key, the subscriber's email the entity.
"""

from __future__ import annotations

from notionhub.errors import PayloadRejected
from notionhub.ingest.event import Event, Reply, WebhookRequest
from notionhub.ingest.fallback_scheme import verify_standard_or_token
from notionhub.ingest.payload_fields import first_email, first_text
from notionhub.ingest.provider import Provider, body_digest, json_object, parse_time


class BeehiivProvider(Provider):
    name = "beehiiv"
    secret_env = "BEEHIIV_WEBHOOK_SECRET"

    def verify(self, request: WebhookRequest, secret: str) -> None:
        verify_standard_or_token(request, secret)

    def parse(self, request: WebhookRequest, secret: str) -> Event | Reply:
        data = json_object(request.body)
        event_type = first_text(data, [["event_type"], ["type"]])
        if event_type is None:
            raise PayloadRejected("The body has no event_type.")
        uid = first_text(data, [["uid"], ["id"], ["event_id"]])
        stamp = first_text(data, [["created"], ["data", "created"], ["data", "updated"]])
        return self.event(
            type=event_type,
            idempotency_key=f"beehiiv:{uid or body_digest(request.body)}",
            entity_key=first_email(data, [["data", "email"], ["data", "subscriber", "email"]]),
            occurred_at=parse_time(int(stamp) if stamp and stamp.isdigit() else stamp, "created")
            if stamp
            else request.received_at,
            data=data,
        )


PROVIDER = BeehiivProvider()
