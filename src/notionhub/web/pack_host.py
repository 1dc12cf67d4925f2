"""The hub as packs' routes see it (``notionhub.packs.web.PackHost``)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response

from notionhub.packs.pack import FlowContext
from notionhub.web.authorization import authorize
from notionhub.web.ingest_routes import receive_webhook
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
