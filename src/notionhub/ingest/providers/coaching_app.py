"""The coaching app's internal endpoint, ``POST /api/notion/notion-handler``.

``Authorization: Bearer $INTERNAL_API_KEY``; body ``{"type": <one of TYPES>, "payload": {…}}``,
where the payload is what the app received from Cal.com (bookings, meetings) or Stripe
(checkout sessions). The booking uid (or session id) names the event; the attendee's or
customer's email is the entity.
"""

from __future__ import annotations

from notionhub.errors import PayloadRejected
from notionhub.ingest.bearer import verify_bearer
from notionhub.ingest.event import Event, Reply, WebhookRequest
from notionhub.ingest.payload_fields import first_email, first_text
from notionhub.ingest.provider import Provider, body_digest, json_object

TYPES = (
    "BOOKING_CREATED",
    "BOOKING_CANCELLED",
    "BOOKING_RESCHEDULED",
    "MEETING_ENDED",
    "CHECKOUT_SESSION_COMPLETE",
)
_EMAILS = (
    ("attendees", 0, "email"),
    ("customer_details", "email"),
    ("customer_email",),
    ("email",),
)


class CoachingAppProvider(Provider):
    name = "coaching-app"
    secret_env = "INTERNAL_API_KEY"

    def verify(self, request: WebhookRequest, secret: str) -> None:
        verify_bearer(request, secret)

    def parse(self, request: WebhookRequest, secret: str) -> Event | Reply:
        data = json_object(request.body)
        event_type = data.get("type")
        if event_type not in TYPES:
            raise PayloadRejected(f"type should be one of {', '.join(TYPES)}; got {event_type!r}.")
        payload = data.get("payload")
        if not isinstance(payload, dict):
            raise PayloadRejected("The body has no payload object.")
        ident = first_text(payload, [["uid"], ["bookingId"], ["id"], ["sessionId"]])
        key = f"coaching-app:{event_type}:{ident or body_digest(request.body)}"
        return self.event(
            type=str(event_type),
            idempotency_key=key,
            entity_key=first_email(payload, [list(path) for path in _EMAILS]),
            occurred_at=request.received_at,
            data=data,
        )


PROVIDER = CoachingAppProvider()
