"""Amelia (WordPress booking plugin): webhooks are not signed, so the delivery proves itself
with Standard Webhooks (through a relay) or a secret token (``?token=`` in the webhook URL set
in Amelia, or the ``X-Webhook-Token`` header): see ``ingest/fallback_scheme.py``.

Amelia posts the appointment (or event) with its bookings; one webhook URL is set per action
(booking completed, rescheduled, canceled, status updated), so the URL names the action:
``/hooks/amelia?event=bookingCanceled&token=…``, else the body's ``type``/``action`` field.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from notionhub.errors import PayloadRejected
from notionhub.ingest.event import Event, Reply, WebhookRequest
from notionhub.ingest.fallback_scheme import verify_standard_or_token
from notionhub.ingest.payload_fields import first_email, first_text
from notionhub.ingest.provider import Provider, body_digest, json_object, parse_time

_STAMPS: list[list[str | int]] = [
    ["bookingStart"],
    ["bookings", 0, "created"],
    ["periods", 0, "periodStart"],
]


class AmeliaProvider(Provider):
    name = "amelia"
    secret_env = "AMELIA_WEBHOOK_SECRET"

    def verify(self, request: WebhookRequest, secret: str) -> None:
        verify_standard_or_token(request, secret)

    def parse(self, request: WebhookRequest, secret: str) -> Event | Reply:
        data = json_object(request.body)
        query = parse_qs(urlsplit(request.url).query)
        named = query.get("event")
        action = named[0] if named else first_text(data, [["type"], ["action"]])
        if action is None:
            raise PayloadRejected(
                "The Amelia action is unknown: add ?event=<action> to the webhook URL."
            )
        appointment = data.get("appointment") or data.get("event") or data
        booking_id = first_text(appointment, [["id"], ["bookings", 0, "id"]])
        stamp = first_text(
            appointment,
            [["bookingStart"], ["bookings", 0, "created"], ["periods", 0, "periodStart"]],
        )
        status = first_text(appointment, [["status"], ["bookings", 0, "status"]]) or ""
        key = (
            f"amelia:{action}:{booking_id}:{status}:{stamp}"
            if booking_id
            else f"amelia:{body_digest(request.body)}"
        )
        customer: list[list[str | int]] = [
            ["bookings", 0, "customer", "email"],
            ["customer", "email"],
            ["email"],
        ]
        occurred = request.received_at
        if stamp is not None:
            try:
                occurred = parse_time(stamp.replace(" ", "T"), "bookingStart")
            except PayloadRejected:
                occurred = request.received_at
        return self.event(
            type=action,
            idempotency_key=key,
            entity_key=first_email(appointment, customer) or first_email(data, customer),
            occurred_at=occurred,
            data=data,
        )


PROVIDER = AmeliaProvider()
