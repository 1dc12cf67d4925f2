"""Notion webhooks: a one-time verification request, then ``X-Notion-Signature``.

When a subscription is created, Notion posts ``{"verification_token": "secret_…"}`` unsigned; the
hub answers 200 and saves the token (the operator pastes it into Notion's "Verify" dialog and sets
``NOTION_WEBHOOK_VERIFICATION_TOKEN``). Only a body that is exactly that one string field is
treated so: anything else must be signed. Every later delivery carries
``X-Notion-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed by that token>``.

Events carry ids, not content: ``{id, timestamp, type, entity: {id, type}, data, …}``.
"""

from __future__ import annotations

import hmac
from typing import Any

from notionhub.errors import PayloadRejected
from notionhub.ingest.body_signature import verify_body_hmac
from notionhub.ingest.event import Event, Reply, WebhookRequest
from notionhub.ingest.provider import Provider, json_object, json_value, parse_time, required

SIGNATURE_HEADER = "X-Notion-Signature"


class NotionProvider(Provider):
    name = "notion"
    secret_env = "NOTION_WEBHOOK_VERIFICATION_TOKEN"

    def handshake(self, request: WebhookRequest, secret: str | None) -> Reply | None:
        """The verification request: exactly ``{"verification_token": "<non-empty string>"}``.

        Unsigned, so anyone can send one: with a token configured nothing is saved, and the
        answer is the same whether the token sent is the configured one or not (compared in
        constant time), so the endpoint cannot be used to guess it. Only the log line differs.
        """
        token = _verification_token(request.body)
        if token is None:
            return None
        if secret is None:
            return Reply(
                200,
                {"ok": True},
                reason="Notion verification token received",
                captured_secret=token,
            )
        if hmac.compare_digest(token.encode(), secret.encode()):
            reason = "Notion verification token already configured"
        else:
            reason = (
                f"Notion verification token ignored: another one is configured ({self.secret_env});"
                " unset it to subscribe again"
            )
        return Reply(200, {"ok": True}, reason=reason)

    def verify(self, request: WebhookRequest, secret: str) -> None:
        verify_body_hmac(request, secret, header=SIGNATURE_HEADER, encoding="hex", prefix="sha256=")

    def parse(self, request: WebhookRequest, secret: str) -> Event | Reply:
        data = json_object(request.body)
        event_id, event_type = required(data, "id"), required(data, "type")
        if not isinstance(event_id, str) or not isinstance(event_type, str):
            raise PayloadRejected("id and type should be strings.")
        return self.event(
            type=event_type,
            idempotency_key=f"notion:{event_id}",
            entity_key=_entity_key(data.get("entity")),
            occurred_at=parse_time(required(data, "timestamp"), "timestamp"),
            data=data,
        )


def _verification_token(body: bytes) -> str | None:
    try:
        data = json_value(body)
    except PayloadRejected:
        return None
    if not isinstance(data, dict) or set(data) != {"verification_token"}:
        return None
    token = data["verification_token"]
    return token if isinstance(token, str) and token.strip() else None


def _entity_key(entity: Any) -> str | None:
    """``notion-<entity.type>:<entity.id>`` (``notion-page:…`` for page events), else None."""
    if not isinstance(entity, dict):
        return None
    entity_id, kind = entity.get("id"), entity.get("type") or "page"
    if not isinstance(entity_id, str) or not entity_id or not isinstance(kind, str):
        return None
    return f"notion-{kind}:{entity_id}"


PROVIDER = NotionProvider()
