"""A realistic example delivery of each provider, marked as test data, for ``send-test``.

Every id embeds ``run`` (unique per call), so a second send-test is a new event, not a
duplicate; every person is ``test+<run>@example.com``. Shapes follow the providers' documented
payloads (tests/ingest/payloads/ holds real captures of the same events).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class ExampleDelivery:
    """A body to sign and post, with the provider's extra headers and query parameters."""

    provider: str
    type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    run: str  # unique per send-test: part of every id
    now: datetime

    @property
    def email(self) -> str:
        return f"test+{self.run}@example.com"

    @property
    def number(self) -> int:
        return int(self.run, 16) % 1_000_000_000

    def iso(self, delta: timedelta = timedelta()) -> str:
        return (self.now + delta).isoformat(timespec="seconds").replace("+00:00", "Z")


Builder = Callable[[Context, str], ExampleDelivery]


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def _stripe(c: Context, type: str) -> ExampleDelivery:
    objects: dict[str, dict[str, Any]] = {
        "checkout.session.completed": {
            "id": f"cs_test_{c.run}",
            "object": "checkout.session",
            "amount_total": 15_000,
            "currency": "usd",
            "customer": f"cus_test_{c.run}",
            "customer_details": {"email": c.email, "name": "Test Example"},
            "payment_status": "paid",
            "status": "complete",
        },
        "charge.refunded": {
            "id": f"ch_test_{c.run}",
            "object": "charge",
            "amount": 15_000,
            "amount_refunded": 15_000,
            "currency": "usd",
            "customer": f"cus_test_{c.run}",
            "billing_details": {"email": c.email, "name": "Test Example"},
            "refunded": True,
        },
        "customer.subscription.deleted": {
            "id": f"sub_test_{c.run}",
            "object": "subscription",
            "customer": f"cus_test_{c.run}",
            "status": "canceled",
            "canceled_at": int(c.now.timestamp()),
        },
    }
    body = {
        "id": f"evt_test_{c.run}",
        "object": "event",
        "api_version": "2025-09-30.clover",
        "created": int(c.now.timestamp()),
        "type": type,
        "livemode": False,
        "data": {"object": objects[type]},
    }
    return ExampleDelivery("stripe", type, _json(body))


def _calcom(c: Context, type: str) -> ExampleDelivery:
    start = c.now + timedelta(days=7)
    payload: dict[str, Any] = {
        "type": "discovery-call",
        "title": "Discovery call between Test Coach and Test Example",
        "startTime": start.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "endTime": (start + timedelta(minutes=45))
        .isoformat(timespec="seconds")
        .replace("+00:00", "Z"),
        "organizer": {"name": "Test Coach", "email": "coach@example.com", "timeZone": "UTC"},
        "attendees": [{"email": c.email, "name": "Test Example", "timeZone": "UTC"}],
        "uid": f"test-{c.run}",
        "bookingId": c.number,
        "length": 45,
        "status": {"BOOKING_CANCELLED": "CANCELLED"}.get(type, "ACCEPTED"),
    }
    if type == "BOOKING_RESCHEDULED":
        payload["rescheduleUid"] = f"test-{c.run}-before"
    if type == "BOOKING_CANCELLED":
        payload["cancellationReason"] = "notionhub send-test"
    body = {"triggerEvent": type, "createdAt": c.iso(), "payload": payload}
    return ExampleDelivery("calcom", type, _json(body))


def _zoom(c: Context, type: str) -> ExampleDelivery:
    body = {
        "event": type,
        "event_ts": int(c.now.timestamp() * 1000),
        "payload": {
            "account_id": "test-account",
            "object": {
                "id": str(80_000_000_000 + c.number),
                "uuid": f"test-{c.run}==",
                "topic": "Test session (notionhub send-test)",
                "host_email": "coach@example.com",
                "start_time": c.iso(timedelta(minutes=-45)),
                "end_time": c.iso(),
                "duration": 45,
            },
        },
    }
    return ExampleDelivery("zoom", type, _json(body))


def _typeform(c: Context, type: str) -> ExampleDelivery:
    field_ = {"id": "test_email", "type": "email", "ref": "email"}
    body = {
        "event_id": f"test-{c.run}",
        "event_type": type,
        "form_response": {
            "form_id": "testform",
            "token": f"test-{c.run}",
            "landed_at": c.iso(timedelta(minutes=-3)),
            "submitted_at": c.iso(),
            "definition": {
                "id": "testform",
                "title": "Intake (notionhub send-test)",
                "fields": [{**field_, "title": "Your email"}],
            },
            "answers": [{"type": "email", "email": c.email, "field": field_}],
        },
    }
    return ExampleDelivery("typeform", type, _json(body))


def _woocommerce(c: Context, type: str) -> ExampleDelivery:
    body = {
        "id": c.number,
        "status": "processing",
        "currency": "EUR",
        "total": "120.00",
        "date_created_gmt": c.iso(),
        "date_modified_gmt": c.iso(),
        "billing": {"first_name": "Test", "last_name": "Example", "email": c.email},
        "line_items": [{"id": 1, "name": "Coaching package", "quantity": 1, "total": "120.00"}],
    }
    resource = type.split(".", 1)[0]
    headers = {"X-WC-Webhook-Topic": type, "X-WC-Webhook-Resource": resource}
    return ExampleDelivery("woocommerce", type, _json(body), headers=headers)


def _hubspot(c: Context, type: str) -> ExampleDelivery:
    body = [
        {
            "eventId": c.number,
            "subscriptionId": 1,
            "portalId": 62515,
            "appId": 1,
            "occurredAt": int(c.now.timestamp() * 1000),
            "subscriptionType": type,
            "attemptNumber": 0,
            "objectId": c.number,
            "changeFlag": "CREATED",
            "changeSource": "CRM",
        }
    ]
    return ExampleDelivery("hubspot", type, _json(body))


def _notion(c: Context, type: str) -> ExampleDelivery:
    body = {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"notionhub-send-test:{c.run}")),
        "timestamp": c.iso(),
        "workspace_id": "test-workspace",
        "subscription_id": "test-subscription",
        "integration_id": "test-integration",
        "type": type,
        "authors": [{"id": "test-person", "type": "person"}],
        "entity": {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"page:{c.run}")), "type": "page"},
        "data": {"parent": {"id": "test-parent", "type": "space"}},
    }
    return ExampleDelivery("notion", type, _json(body))


def _amelia(c: Context, type: str) -> ExampleDelivery:
    customer = {"firstName": "Test", "lastName": "Example", "email": c.email}
    booking = {"id": c.number, "status": "approved", "customer": customer}
    appointment = {
        "id": c.number,
        "status": "approved",
        "bookingStart": (c.now + timedelta(days=7)).strftime("%Y-%m-%d %H:%M:%S"),
        "bookings": [booking],
    }
    return ExampleDelivery("amelia", type, _json({"action": type, "appointment": appointment}))


def _beehiiv(c: Context, type: str) -> ExampleDelivery:
    body = {
        "uid": f"test-{c.run}",
        "event_type": type,
        "event_timestamp": int(c.now.timestamp()),
        "data": {"id": f"sub_test_{c.run}", "email": c.email, "status": "active"},
    }
    return ExampleDelivery("beehiiv", type, _json(body))


def _circle(c: Context, type: str) -> ExampleDelivery:
    member = {"id": c.number, "email": c.email, "name": "Test Example"}
    body = {"id": f"test-{c.run}", "type": type, "created_at": c.iso(), "data": member}
    return ExampleDelivery("circle", type, _json(body))


# Provider → (builder, its example types; the first is the default).
EXAMPLES: dict[str, tuple[Builder, tuple[str, ...]]] = {
    "stripe": (
        _stripe,
        ("checkout.session.completed", "charge.refunded", "customer.subscription.deleted"),
    ),
    "calcom": (_calcom, ("BOOKING_CREATED", "BOOKING_RESCHEDULED", "BOOKING_CANCELLED")),
    "zoom": (_zoom, ("meeting.ended",)),
    "typeform": (_typeform, ("form_response",)),
    "woocommerce": (_woocommerce, ("order.created",)),
    "hubspot": (_hubspot, ("contact.creation",)),
    "notion": (_notion, ("page.created",)),
    "amelia": (_amelia, ("bookingAdded",)),
    "beehiiv": (_beehiiv, ("subscription.created",)),
    "circle": (_circle, ("member.created",)),
}


def example_types(provider: str) -> tuple[str, ...]:
    return EXAMPLES[provider][1]


def example_delivery(provider: str, type: str | None, run: str, now: datetime) -> ExampleDelivery:
    """The example of ``provider`` (its ``type``, default the first); ``KeyError`` if none."""
    builder, types = EXAMPLES[provider]
    chosen = type or types[0]
    if chosen not in types:
        raise KeyError(chosen)
    return builder(Context(run, now.astimezone(UTC)), chosen)
