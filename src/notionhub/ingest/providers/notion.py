"""Notion webhooks: a one-time verification POST, then ``X-Notion-Signature``.

When a subscription is created, Notion posts ``{"verification_token": "secret_…"}`` unsigned;
the hub saves the token to ``$NOTIONHUB_HOME/notion-verification-token`` (the operator pastes it
into Notion and sets ``NOTION_WEBHOOK_VERIFICATION_TOKEN``). Every later delivery carries
``X-Notion-Signature: sha256=<hex HMAC-SHA256 of the body, keyed by that token>``.
Events carry ids, not content: ``{id, timestamp, type, entity: {id, type}, data}``.
"""

from __future__ import annotations

from notionhub.errors import PayloadRejected
from notionhub.ingest.body_signature import verify_body_hmac
from notionhub.ingest.event import Event, Reply, WebhookRequest
from notionhub.ingest.provider import Provider, json_object, json_value, parse_time, required


class NotionProvider(Provider):
    name = "notion"
    secret_env = "NOTION_WEBHOOK_VERIFICATION_TOKEN"

    def handshake(self, request: WebhookRequest, secret: str | None) -> Reply | None:
        """The verification request: exactly ``{"verification_token": "<string>"}``."""
        try:
            data = json_value(request.body)
        except PayloadRejected:
            return None
        if not isinstance(data, dict) or set(data) != {"verification_token"}:
            return None
        token = data["verification_token"]
        if not isinstance(token, str) or not token.strip():
            return None
        return Reply(
            200, {"ok": True}, reason="Notion verification token received", captured_secret=token
        )

    def verify(self, request: WebhookRequest, secret: str) -> None:
        verify_body_hmac(
            request, secret, header="X-Notion-Signature", encoding="hex", prefix="sha256="
        )

    def parse(self, request: WebhookRequest, secret: str) -> Event | Reply:
        data = json_object(request.body)
        event_id, event_type = required(data, "id"), required(data, "type")
        if not isinstance(event_id, str) or not isinstance(event_type, str):
            raise PayloadRejected("id and type should be strings.")
        entity = data.get("entity")
        entity_id = entity.get("id") if isinstance(entity, dict) else None
        entity_kind = entity.get("type", "page") if isinstance(entity, dict) else "page"
        return self.event(
            type=event_type,
            idempotency_key=f"notion:{event_id}",
            entity_key=f"notion-{entity_kind}:{entity_id}" if entity_id else None,
            occurred_at=parse_time(required(data, "timestamp"), "timestamp"),
            data=data,
        )


PROVIDER = NotionProvider()
