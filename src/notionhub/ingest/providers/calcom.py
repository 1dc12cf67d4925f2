"""Cal.com: ``X-Cal-Signature-256`` = hex HMAC-SHA256 of the raw body, keyed by the webhook's
secret. Body: ``{"triggerEvent", "createdAt", "payload": {…booking…}}``.

The "Ping test" button posts ``triggerEvent: "PING"``, signed with the secret typed in the
form: it is verified like any delivery, then answered 200 without storing anything.

Cal.com sends no event id: the idempotency key is trigger + booking uid + ``createdAt`` (all
three repeat in a redelivery of the same body; a new event of the same booking differs in
trigger or time), else a digest of the body. The entity is the first attendee's email.
"""

from __future__ import annotations

from notionhub.errors import PayloadRejected
from notionhub.ingest.body_signature import verify_body_hmac
from notionhub.ingest.event import Event, Reply, WebhookRequest
from notionhub.ingest.payload_fields import first_email, first_text
from notionhub.ingest.provider import Provider, body_digest, json_object, parse_time, required

# What names the thing a trigger is about: a booking's uid (booking and meeting triggers), the
# booking of a no-show update, an out-of-office entry.
_UID_PATHS = (("uid",), ("bookingUid",), ("oooEntry", "uuid"), ("bookingId",))
_EMAIL_PATHS = (
    ("attendees", 0, "email"),
    ("responses", "email", "value"),
    ("oooEntry", "user", "email"),
)


class CalcomProvider(Provider):
    name = "calcom"
    secret_env = "CALCOM_WEBHOOK_SECRET"

    def verify(self, request: WebhookRequest, secret: str) -> None:
        verify_body_hmac(request, secret, header="X-Cal-Signature-256", encoding="hex")

    def parse(self, request: WebhookRequest, secret: str) -> Event | Reply:
        data = json_object(request.body)
        trigger = required(data, "triggerEvent")
        if not isinstance(trigger, str):
            raise PayloadRejected("triggerEvent should be a string such as 'BOOKING_CREATED'.")
        if trigger.upper() == "PING":
            return Reply(200, {"ok": True}, reason="Cal.com ping test")
        payload = data.get("payload")
        if not isinstance(payload, dict):
            raise PayloadRejected(f"The {trigger} body has no payload object.")
        created = data.get("createdAt")
        uid = first_text(payload, _UID_PATHS)
        if uid is not None and isinstance(created, str) and created:
            key = f"calcom:{trigger}:{uid}:{created}"
        else:
            key = f"calcom:{body_digest(request.body)}"
        return self.event(
            type=trigger,
            idempotency_key=key,
            entity_key=first_email(payload, _EMAIL_PATHS) or (f"booking:{uid}" if uid else None),
            occurred_at=(
                parse_time(created, "createdAt") if created is not None else request.received_at
            ),
            data=data,
        )


PROVIDER = CalcomProvider()
