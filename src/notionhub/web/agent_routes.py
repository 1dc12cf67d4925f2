"""The packs' agents over HTTP: what each handles and writes, its status and last run."""

from __future__ import annotations

from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends

from notionhub.web.state import HubState, operator

router = APIRouter(prefix="/api", tags=["agents"])
Hub = Annotated[HubState, Depends(operator)]


@router.get("/agents")
async def list_agents(hub: Hub) -> dict[str, Any]:
    """Every agent of the enabled packs, with its runs, failures and last run."""
    runtime = hub.runtime
    if runtime.agents is None:
        raise RuntimeError("The hub is not started.")
    agents = await anyio.to_thread.run_sync(runtime.agents.describe, runtime.load_packs())
    return {"agents": agents}
