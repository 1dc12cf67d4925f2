"""Example deliveries, shaped like each provider's documented examples (ids and names invented)."""

from __future__ import annotations

import json
from typing import Any


def dump(payload: Any) -> bytes:
    return json.dumps(payload).encode()


STRIPE_CHECKOUT = {
    "id": "evt_1QxYzA2eZvKYlo2C",
    "object": "event",
    "api_version": "2025-09-30.clover",
    "created": 1764072000,
    "type": "checkout.session.completed",
    "livemode": False,
    "pending_webhooks": 1,
    "data": {
        "object": {
            "id": "cs_test_a1B2c3",
            "object": "checkout.session",
            "amount_total": 45000,
            "currency": "eur",
            "customer": "cus_RA1b2C3",
            "customer_details": {"email": "Jane.Doe@Example.com", "name": "Jane Doe"},
            "metadata": {"package": "Clarity 5-pack"},
            "payment_status": "paid",
        }
    },
}

CALCOM_BOOKING_CREATED = {
    "triggerEvent": "BOOKING_CREATED",
    "createdAt": "2026-11-20T09:30:00.538Z",
    "payload": {
        "type": "discovery-call",
        "title": "Discovery call between Coach and Jane Doe",
        "startTime": "2026-11-27T10:00:00Z",
        "endTime": "2026-11-27T10:45:00Z",
        "organizer": {"email": "coach@example.com", "name": "Coach", "timeZone": "Europe/Paris"},
        "attendees": [{"email": "jane@example.com", "name": "Jane Doe", "timeZone": "UTC"}],
        "uid": "bFJeNb2uX8ANpT3JL5EfXw",
        "bookingId": 91,
        "metadata": {"videoCallUrl": "https://zoom.us/j/81234567890"},
    },
}

ZOOM_PARTICIPANT_JOINED = {
    "event": "meeting.participant_joined",
    "event_ts": 1764237900123,
    "payload": {
        "account_id": "AAAAAABBBB",
        "object": {
            "id": "81234567890",
            "uuid": "4444AAAiAAAAAiAiAiiAii==",
            "topic": "Coaching session",
            "participant": {
                "user_id": "16778240",
                "user_name": "Jane Doe",
                "email": "jane@example.com",
                "participant_uuid": "55555AAAiAAAAAiAiAiiAii",
                "join_time": "2026-11-27T10:01:02Z",
            },
        },
    },
}

ZOOM_URL_VALIDATION = {
    "event": "endpoint.url_validation",
    "event_ts": 1764237900000,
    "payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"},
}

TYPEFORM_RESPONSE = {
    "event_id": "01HZX0000000000000000000",
    "event_type": "form_response",
    "form_response": {
        "form_id": "lT4Z3j",
        "token": "a3a12ec67a1365927098a606107fac15",
        "landed_at": "2026-11-20T09:00:00Z",
        "submitted_at": "2026-11-20T09:01:30Z",
        "answers": [
            {"type": "text", "text": "Jane", "field": {"id": "f1", "type": "short_text"}},
            {"type": "email", "email": "Jane@Example.com", "field": {"id": "f2", "type": "email"}},
        ],
    },
}

WOOCOMMERCE_ORDER = {
    "id": 727,
    "status": "processing",
    "currency": "USD",
    "total": "120.00",
    "date_created_gmt": "2026-11-20T09:10:00",
    "date_modified_gmt": "2026-11-20T09:10:05",
    "billing": {"first_name": "Jane", "last_name": "Doe", "email": "jane@example.com"},
    "line_items": [{"id": 315, "name": "Retreat deposit", "quantity": 1, "total": "120.00"}],
}

HUBSPOT_EVENTS = [
    {
        "eventId": 1764072001,
        "subscriptionId": 25,
        "portalId": 62515,
        "appId": 54321,
        "occurredAt": 1764072000123,
        "subscriptionType": "contact.propertyChange",
        "attemptNumber": 0,
        "objectId": 123,
        "propertyName": "email",
        "propertyValue": "jane@example.com",
        "changeSource": "CRM",
    }
]

NOTION_PAGE_UPDATED = {
    "id": "367cba44-b6f3-4c92-81e7-6a2e9659efd4",
    "timestamp": "2026-11-20T09:12:00.000Z",
    "workspace_id": "13950b26-c203-4f3b-b97d-93ec06319565",
    "subscription_id": "29d75c0d-5546-4414-8459-7b7a92f1fc4b",
    "integration_id": "0ef2e755-4912-8096-91c1-00376a88a5ca",
    "type": "page.properties_updated",
    "authors": [{"id": "c7c11cca-1d73-471d-9b6e-bdef51470190", "type": "person"}],
    "attempt_number": 1,
    "entity": {"id": "153104cd-477e-809d-8dc4-ff2d96ae3090", "type": "page"},
    "data": {"updated_properties": ["XGe%40", "bDf%5B"]},
}

AMELIA_BOOKING = {
    "appointment": {
        "id": 42,
        "bookingStart": "2026-11-27 10:00:00",
        "bookingEnd": "2026-11-27 11:00:00",
        "status": "approved",
        "serviceId": 3,
        "bookings": [
            {
                "id": 77,
                "status": "approved",
                "customer": {"firstName": "Jane", "lastName": "Doe", "email": "jane@example.com"},
            }
        ],
    }
}

BEEHIIV_SUBSCRIPTION = {
    "uid": "5dd5a5b2-6b54-4c6f-8c2a-2a8ad5b3b001",
    "event_type": "subscription.created",
    "data": {
        "id": "sub_00000000-0000-0000-0000-000000000000",
        "email": "jane@example.com",
        "status": "active",
        "created": 1764072000,
    },
}

CIRCLE_MEMBER = {
    "id": "evt_9876",
    "type": "community_member.created",
    "created_at": "2026-11-20T09:20:00Z",
    "data": {"id": 555, "email": "jane@example.com", "name": "Jane Doe"},
}

COACHING_APP_BOOKING = {"type": "BOOKING_CREATED", "payload": CALCOM_BOOKING_CREATED["payload"]}

FORM_SUBMISSION = {
    "form": "retreat-waitlist",
    "submission_id": "sub_123",
    "fields": {"email": "jane@example.com", "name": "Jane Doe", "retreat": "Spring 2027"},
}
