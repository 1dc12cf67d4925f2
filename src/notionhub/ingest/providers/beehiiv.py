"""Beehiiv (newsletters).

Beehiiv documents no signature for its webhooks (a webhook is a URL and a list of event types),
so a delivery proves itself with a secret token (``?token=`` in the webhook URL, or an
``X-Webhook-Token`` header from a relay) or Standard Webhooks headers (``webhook-*`` or ``svix-*``):
see ``ingest/fallback_scheme.py`` and ``docs/providers/beehiiv.md``.

Body: ``{"uid": "evt_…", "event_type": "subscription.created" …, "event_timestamp": <s>,
"data": {…subscription, post, survey response…}}``; ``uid`` is unique to each event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from notionhub.errors import PayloadRejected
from notionhub.ingest.event import Event, Reply, WebhookRequest
from notionhub.ingest.fallback_scheme import verify_standard_or_token
from notionhub.ingest.payload_fields import first_email, first_text
from notionhub.ingest.provider import Provider, body_digest, json_object, parse_time

# Where the subscriber's address is: subscription and newsletter-list events, then the
# subscription inside survey responses and private podcast feeds.
_EMAIL_PATHS: list[list[str | int]] = [["data", "email"], ["data", "subscription", "email"]]


class BeehiivProvider(Provider):
    name = "beehiiv"
    secret_env = "BEEHIIV_WEBHOOK_SECRET"

    def verify(self, request: WebhookRequest, secret: str) -> None:
        verify_standard_or_token(request, secret)

    def parse(self, request: WebhookRequest, secret: str) -> Event | Reply:
        data = json_object(request.body)
        event_type = data.get("event_type")
        if not isinstance(event_type, str) or not event_type.strip():
            raise PayloadRejected("The body has no event_type (e.g. subscription.created).")
        uid = first_text(data, [["uid"]])
        return self.event(
            type=event_type,
            idempotency_key=f"beehiiv:{uid or body_digest(request.body)}",
            entity_key=first_email(data, _EMAIL_PATHS),
            occurred_at=_occurred_at(data.get("event_timestamp"), request),
            data=data,
        )


def _occurred_at(stamp: Any, request: WebhookRequest) -> datetime:
    if stamp is None:
        return request.received_at
    if isinstance(stamp, bool) or not isinstance(stamp, int | float):
        raise PayloadRejected("event_timestamp should be Unix seconds.")
    return parse_time(stamp, "event_timestamp")


PROVIDER = BeehiivProvider()
