"""The coaching app's deliveries to ``POST /api/notion/notion-handler`` (the coaching pack's route).

``Authorization: Bearer $INTERNAL_API_KEY`` (constant-time compare); body ``{"type": <one of
TYPES>, "payload": {…}}``, where the payload is what the app received: a Cal.com booking
(``uid``, ``bookingId``, ``attendees: [{email}]``, …) for bookings and meetings, a Stripe Checkout
Session (``id: cs_…``, ``customer_details.email``, …) or the whole Stripe event for checkouts.
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
# What names the thing: a booking's uid (or id), a Checkout Session's id (or the Stripe event's).
_ID_PATHS: list[list[str | int]] = [["uid"], ["bookingId"], ["id"], ["sessionId"]]
# The attendee (Cal.com) or the customer (Stripe session, or a whole Stripe event).
_EMAIL_PATHS: list[list[str | int]] = [
    ["attendees", 0, "email"],
    ["responses", "email", "value"],
    ["customer_details", "email"],
    ["customer_email"],
    ["data", "object", "customer_details", "email"],
    ["data", "object", "customer_email"],
    ["email"],
]


class CoachingAppProvider(Provider):
    name = "coaching-app"
    secret_env = "INTERNAL_API_KEY"

    def verify(self, request: WebhookRequest, secret: str) -> None:
        verify_bearer(request, secret)

    def parse(self, request: WebhookRequest, secret: str) -> Event | Reply:
        data = json_object(request.body)
        event_type = data.get("type")
        if not isinstance(event_type, str) or event_type not in TYPES:
            got = repr(event_type)[:60]
            raise PayloadRejected(f"type should be one of {', '.join(TYPES)}; got {got}.")
        payload = data.get("payload")
        if not isinstance(payload, dict):
            raise PayloadRejected("The body has no payload object.")
        ident = first_text(payload, _ID_PATHS) or body_digest(request.body)
        return self.event(
            type=event_type,
            idempotency_key=f"coaching-app:{event_type}:{ident}",
            entity_key=first_email(payload, _EMAIL_PATHS),
            occurred_at=request.received_at,  # the payload's times are the meeting's
            data=data,
        )


PROVIDER = CoachingAppProvider()
