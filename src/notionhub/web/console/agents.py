"""Agents: every agent of the enabled packs, what it handles, writes and runs on a schedule, and
how its runs went; then the agents outside the hub that report to a pack (the enterprise pack's
fleet: status, last heartbeat, figures). The data of ``GET /api/agents``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from notionhub.web.agent_routes import described_agents, external_agents
from notionhub.web.console.access import Access, console_viewer
from notionhub.web.console.rendering import page

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Access, Depends(console_viewer("agents:read"))]


@router.get("/console/agents", response_class=HTMLResponse)
async def agents_page(request: Request, access: Viewer) -> HTMLResponse:
    hub = request.app.state.hub
    agents = await described_agents(hub)
    fleet = await external_agents(hub)
    return page(request, access, "agents.html", section="agents", agents=agents, fleet=fleet)
