"""Cal.com: ``X-Cal-Signature-256`` = hex HMAC-SHA256 of the raw body, keyed by the webhook's
secret. Body: ``{"triggerEvent", "createdAt", "payload": {…booking…}}``; a ``PING`` trigger
(the "Ping test" button) is answered without storing anything.

Cal.com sends no event id: the idempotency key is trigger + booking uid + ``createdAt``, which
a redelivery repeats and a new event does not. The entity is the first attendee's email.
"""

from __future__ import annotations

from typing import Any

from notionhub.errors import PayloadRejected
from notionhub.ingest.body_signature import verify_body_hmac
from notionhub.ingest.event import Event, Reply, WebhookRequest
from notionhub.ingest.provider import Provider, body_digest, json_object, parse_time, required


class CalcomProvider(Provider):
    name = "calcom"
    secret_env = "CALCOM_WEBHOOK_SECRET"

    def verify(self, request: WebhookRequest, secret: str) -> None:
        verify_body_hmac(request, secret, header="X-Cal-Signature-256", encoding="hex")

    def parse(self, request: WebhookRequest, secret: str) -> Event | Reply:
        data = json_object(request.body)
        trigger = required(data, "triggerEvent")
        if not isinstance(trigger, str):
            raise PayloadRejected("triggerEvent should be a string.")
        if trigger.upper() == "PING":
            return Reply(200, {"ok": True}, reason="Cal.com ping")
        payload = data.get("payload")
        if not isinstance(payload, dict):
            raise PayloadRejected("The body has no payload object.")
        created = required(data, "createdAt")
        uid = payload.get("uid") or payload.get("bookingId")
        key = (
            f"calcom:{trigger}:{uid}:{created}"
            if uid is not None
            else f"calcom:{body_digest(request.body)}"
        )
        return self.event(
            type=trigger,
            idempotency_key=key,
            entity_key=_entity(payload, uid),
            occurred_at=parse_time(created, "createdAt"),
            data=data,
        )


def _entity(payload: dict[str, Any], uid: object) -> str | None:
    attendees = payload.get("attendees")
    if isinstance(attendees, list):
        for attendee in attendees:
            email = attendee.get("email") if isinstance(attendee, dict) else None
            if isinstance(email, str) and "@" in email:
                return f"email:{email.strip().lower()}"
    return f"booking:{uid}" if uid is not None else None


PROVIDER = CalcomProvider()
