"""Workflow instances: the state machines of every enabled pack that declares some (the network
pack's today), read through the pack's flow context as its own ``GET /workflows`` does."""

from __future__ import annotations

from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from notionhub.packs.state_machine import Instance, MachineStore
from notionhub.web.console.access import Access, console_viewer
from notionhub.web.console.rendering import page
from notionhub.web.state import HubState

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Access, Depends(console_viewer("workflows:read"))]
PAGE_SIZE = 100


def machine_stores(hub: HubState) -> dict[str, MachineStore]:
    """Pack name → its machines' store, for each enabled pack that declares machines."""
    return {
        pack.name: hub.runtime.flow_context(pack.name).state_machines
        for pack in hub.runtime.load_packs()
        if pack.machines
    }


@router.get("/console/workflows", response_class=HTMLResponse)
async def workflows_page(
    request: Request,
    access: Viewer,
    workflow: Annotated[str, Query(max_length=100)] = "",
    state: Annotated[str, Query(max_length=100)] = "",
    subject: Annotated[str, Query(max_length=320)] = "",
) -> HTMLResponse:
    """Instances newest first, filtered by workflow, state and subject (a contact's email)."""
    hub: HubState = request.app.state.hub
    stores = machine_stores(hub)

    def find() -> list[tuple[str, Instance]]:
        found = [
            (pack, instance)
            for pack, store in stores.items()
            for instance in store.find(
                machine=workflow or None,
                state=state or None,
                subject=subject.strip().lower() or None,
                limit=PAGE_SIZE,
            )
        ]
        return sorted(found, key=lambda pair: -pair[1].created_at)[:PAGE_SIZE]

    instances = await anyio.to_thread.run_sync(find)
    machines = sorted({name for store in stores.values() for name in store.machines})
    return page(
        request,
        access,
        "workflows.html",
        section="workflows",
        enabled=bool(stores),
        instances=instances,
        machines=machines,
        filters={"workflow": workflow, "state": state, "subject": subject},
    )


@router.get("/console/workflows/{instance_id:path}", response_class=HTMLResponse)
async def workflow_page(request: Request, access: Viewer, instance_id: str) -> HTMLResponse:
    """One instance with its whole history, refused events included."""
    hub: HubState = request.app.state.hub

    def find() -> Instance | None:
        for store in machine_stores(hub).values():
            instance = store.get(instance_id, with_history=True)
            if instance is not None and instance.machine in store.machines:
                return instance
        return None

    instance = await anyio.to_thread.run_sync(find)
    if instance is not None:
        return page(request, access, "workflow.html", section="workflows", instance=instance)
    return page(
        request,
        access,
        "message.html",
        section="workflows",
        status_code=404,
        title="No such workflow",
        message=f"No workflow instance {instance_id!r}.",
    )
