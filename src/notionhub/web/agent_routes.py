"""The packs' agents over HTTP: what each handles and writes, its status and last run."""

from __future__ import annotations

from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, Security

from notionhub.ingest.http_answers import OPERATOR_ONLY
from notionhub.web.authorization import require
from notionhub.web.event_routes import BEARER
from notionhub.web.state import HubState

router = APIRouter(prefix="/api", tags=["agents"], dependencies=[Security(BEARER)])
Hub = Annotated[HubState, Depends(require("agents:read"))]


@router.get("/agents", responses=OPERATOR_ONLY)
async def list_agents(hub: Hub) -> dict[str, Any]:
    """Every agent of the enabled packs (``kind`` pack: runs, failures, last run), then the
    agents outside the hub that report to a pack (``kind`` fleet: status, last heartbeat)."""
    return {"agents": await described_agents(hub) + await external_agents(hub)}


async def described_agents(hub: HubState) -> list[dict[str, Any]]:
    """Every agent of the enabled packs as ``GET /api/agents`` and the console show them."""
    runtime = hub.runtime
    if runtime.agents is None:
        raise RuntimeError("The hub is not started.")
    return await anyio.to_thread.run_sync(runtime.agents.describe, runtime.load_packs())


async def external_agents(hub: HubState) -> list[dict[str, Any]]:
    """The agents the enabled packs hear from (heartbeats), each marked with its pack."""
    runtime = hub.runtime

    def listed() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for pack in runtime.load_packs():
            if pack.external_agents is not None:
                context = runtime.flow_context_of(pack)
                found += [
                    {**agent, "kind": "fleet", "pack": pack.name}
                    for agent in pack.external_agents(context)
                ]
        return found

    return await anyio.to_thread.run_sync(listed)
