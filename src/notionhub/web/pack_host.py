"""The hub as packs' routes see it (``notionhub.packs.web.PackHost``)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response

from notionhub.ingest.event import Event
from notionhub.packs.pack import FlowContext
from notionhub.web.authorization import authorize, caller_of, record
from notionhub.web.ingest_routes import receive_webhook, store_event
from notionhub.web.state import HubState


@dataclass(frozen=True)
class HubPackHost:
    """Taking in deliveries, checking operators and giving flow contexts, for packs' routes."""

    hub: HubState

    async def receive(self, provider: str, request: Request) -> Response:
        return await receive_webhook(provider, request)

    async def authorize(self, request: Request, permission: str) -> None:
        await authorize(request, permission)

    def flow_context(self, pack: str) -> FlowContext:
        return self.hub.runtime.flow_context(pack)

    async def submit(self, event: Event) -> bool:
        is_new = await store_event(self.hub, event)
        outcome = "accepted" if is_new else "duplicate"
        self.hub.metrics.events_received.labels(provider=event.provider, outcome=outcome).inc()
        self.hub.ingest_log.info(
            "event_" + outcome,
            provider=event.provider,
            event_id=event.idempotency_key,
            type=event.type,
        )
        return is_new

    async def audit(self, request: Request, action: str, resource: str, details: str) -> None:
        await record(request, caller_of(request), action, resource, success=True, details=details)
