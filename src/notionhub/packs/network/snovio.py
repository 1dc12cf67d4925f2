"""Snov.io (cold outreach): the network pack's provider of prospect events.

Snov.io documents no signature for its webhooks (a subscription is an ``event_object``, an
``event_action`` and an ``endpoint_url``; no secret, no signing header), so a delivery proves
itself with a shared secret: ``?token=`` in the endpoint URL, an ``X-Webhook-Token`` header from
a relay, or Standard Webhooks headers from a signing relay. See ``ingest/fallback_scheme.py`` and
``docs/providers/snovio.md``.

Snov.io publishes which events exist, not the shape of their bodies, so parsing is lenient about
where things are and strict about what a flow needs:

- **type**: the URL's ``?event=<object>.<action>`` (one endpoint URL per subscription), else the
  body's ``event_object`` and ``event_action`` joined by a dot, else its ``event``/``type``;
- **entity key**: the prospect's email (required: every event the network pack takes is about
  one prospect), from the usual places;
- **idempotency key**: ``snovio:<event_id>``, else ``snovio:<type>:<digest of the body>``;
- **time**: the body's event time when readable, else the time received.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from notionhub.errors import PayloadRejected
from notionhub.ingest.event import Event, Reply, WebhookRequest
from notionhub.ingest.fallback_scheme import verify_standard_or_token
from notionhub.ingest.payload_fields import dig, first_email, first_text
from notionhub.ingest.provider import Provider, body_digest, json_object, parse_time

_TYPE_PATHS: list[list[str | int]] = [["event"], ["event_type"], ["type"]]
# Where the prospect (a campaign's recipient) may be: at the top, or inside a data envelope.
_EMAIL_PATHS: list[list[str | int]] = [
    [*envelope, *field]
    for envelope in ([], ["data"])
    for field in (
        ["prospect", "email"],
        ["recipient", "email"],
        ["prospect_email"],
        ["recipient_email"],
        ["email"],
        ["contact", "email"],
        ["prospect", "emails", 0, "email"],
    )
]
_TIME_PATHS: list[list[str | int]] = [
    [*envelope, field]
    for envelope in ([], ["data"])
    for field in ("event_datetime", "event_time", "timestamp", "created_at")
]


class SnovioProvider(Provider):
    name = "snovio"
    secret_env = "SNOVIO_WEBHOOK_SECRET"

    def verify(self, request: WebhookRequest, secret: str) -> None:
        verify_standard_or_token(request, secret)

    def parse(self, request: WebhookRequest, secret: str) -> Event | Reply:
        data = json_object(request.body)
        event_type = _event_type(data, request.url)
        entity_key = first_email(data, _EMAIL_PATHS)
        if entity_key is None:
            raise PayloadRejected(
                f"The Snov.io {event_type} event names no prospect email (looked for"
                " prospect.email, recipient.email, prospect_email, recipient_email and email, at"
                " the top and under data): subscribe only events about a campaign's prospects."
            )
        event_id = first_text(data, [["event_id"]])
        key = (
            f"snovio:{event_id}" if event_id else f"snovio:{event_type}:{body_digest(request.body)}"
        )
        return self.event(
            type=event_type,
            idempotency_key=key,
            entity_key=entity_key,
            occurred_at=_occurred_at(data, request.received_at),
            data=data,
        )


def _event_type(data: dict[str, Any], url: str) -> str:
    """``?event=`` of the endpoint URL, else ``event_object.event_action``, else ``event``."""
    named = parse_qs(urlsplit(url).query).get("event")
    if named and named[0].strip():
        return named[0].strip()
    pair = (data.get("event_object"), data.get("event_action"))
    if all(isinstance(part, str) and part.strip() for part in pair):
        return ".".join(str(part).strip() for part in pair)
    found = first_text(data, _TYPE_PATHS)
    if found is None or not found.strip():
        raise PayloadRejected(
            "The Snov.io event type is unknown: add ?event=<object>.<action> to the webhook's"
            " endpoint URL (e.g. ?event=campaign_reply.received), or send event_object and"
            " event_action."
        )
    return found.strip()


def _occurred_at(data: dict[str, Any], received_at: datetime) -> datetime:
    for path in _TIME_PATHS:
        value = dig(data, path)
        if value is None or isinstance(value, bool):
            continue
        if isinstance(value, str) and value.isascii() and value.isdecimal() and len(value) <= 15:
            value = int(value)
        try:
            return parse_time(value, ".".join(str(step) for step in path))
        except PayloadRejected:
            continue  # an undocumented field: a time we cannot read is not worth a refusal
    return received_at


def prospect_name(data: dict[str, Any]) -> str:
    """The prospect's name in a Snov.io body (``name``, else first and last name), or ""."""
    for envelope in ([], ["data"]):
        for holder in (["prospect"], ["recipient"], []):
            found = dig(data, [*envelope, *holder])
            if not isinstance(found, dict):
                continue
            whole = first_text(found, [["name"], ["full_name"]])
            parts = (first_text(found, [[part]]) for part in ("first_name", "last_name"))
            name = whole or " ".join(part.strip() for part in parts if part)
            if name.strip():
                return name.strip()[:200]
    return ""


PROVIDER = SnovioProvider()
