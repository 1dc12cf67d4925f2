"""Amelia (the WordPress booking plugin).

Amelia's webhooks are not signed and its settings take only a name, a URL, a type and an action,
so a delivery proves itself with a secret token (``?token=`` in the URL, or the ``X-Webhook-Token``
header from a relay) or with Standard Webhooks headers added by a relay: see
``ingest/fallback_scheme.py`` and ``docs/providers/amelia.md``.

The body is the reservation, under its type: ``{"appointment" | "event" | "package": {id,
status, bookingStart, bookings: [{id, status, customer: {email, …}}], …}}``. It does not name the
action, so each webhook's URL does: ``/hooks/amelia?event=bookingCanceled&token=…`` (else a
top-level ``action``/``type`` field, as a relay may add).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from notionhub.errors import PayloadRejected
from notionhub.ingest.event import Event, Reply, WebhookRequest
from notionhub.ingest.fallback_scheme import verify_standard_or_token
from notionhub.ingest.payload_fields import first_text
from notionhub.ingest.provider import Provider, body_digest, json_object

RESERVATION_KINDS = ("appointment", "event", "package")


class AmeliaProvider(Provider):
    name = "amelia"
    secret_env = "AMELIA_WEBHOOK_SECRET"

    def verify(self, request: WebhookRequest, secret: str) -> None:
        verify_standard_or_token(request, secret)

    def parse(self, request: WebhookRequest, secret: str) -> Event | Reply:
        data = json_object(request.body)
        action = _action(request.url, data)
        kind, reservation = _reservation(data)
        reservation_id = first_text(reservation, [["id"]])
        bookings = [b for b in _list(reservation.get("bookings")) if isinstance(b, dict)]
        if reservation_id is None:
            key = f"amelia:{action}:{body_digest(request.body)}"
        else:
            # The appointment's state as this action left it: which bookings it holds, in which
            # status, at which time. A redelivery repeats all of it; another change differs.
            states = ",".join(
                sorted(
                    f"{first_text(b, [['id']]) or '?'}={first_text(b, [['status']]) or ''}"
                    for b in bookings
                )
            )
            start = first_text(reservation, [["bookingStart"], ["periods", 0, "periodStart"]])
            status = first_text(reservation, [["status"]]) or ""
            key = f"amelia:{action}:{kind}-{reservation_id}:{status}:{states}:{start or ''}"
        return self.event(
            type=action,
            idempotency_key=key,
            entity_key=_entity(bookings, kind, reservation_id),
            occurred_at=request.received_at,  # Amelia sends no time of the change itself
            data=data,
        )


def _action(url: str, data: dict[str, Any]) -> str:
    named = parse_qs(urlsplit(url).query).get("event")
    action = named[0].strip() if named else first_text(data, [["action"], ["type"]])
    if not action:
        raise PayloadRejected(
            "The Amelia action is unknown: add ?event=<action> to this webhook's URL in Amelia"
            " (e.g. ?event=bookingCanceled)."
        )
    return action


def _reservation(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    for kind in RESERVATION_KINDS:
        value = data.get(kind)
        if isinstance(value, dict):
            return kind, value
    raise PayloadRejected(
        f"The body should hold the reservation under one of {', '.join(RESERVATION_KINDS)}."
    )


def _entity(bookings: list[dict[str, Any]], kind: str, reservation_id: str | None) -> str | None:
    """The customer's email when the bookings have one customer; else the reservation."""
    emails = {
        email.strip().lower()
        for booking in bookings
        if isinstance(customer := booking.get("customer"), dict)
        and isinstance(email := customer.get("email"), str)
        and "@" in email
    }
    if len(emails) == 1:
        return f"email:{emails.pop()}"
    return f"amelia-{kind}:{reservation_id}" if reservation_id else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


PROVIDER = AmeliaProvider()
