"""The network pack's routes for operators: workflow instances with their history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from notionhub.ingest.http_answers import OPERATOR_ONLY, ErrorAnswer
from notionhub.packs.network.workflows import instance_steps
from notionhub.packs.state_machine import Instance
from notionhub.packs.web import pack_context, requires

router = APIRouter(tags=["network"])
PACK_NAME = "network"
MAX_LIMIT = 500


def _json(instance: Instance, *, history: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "instance_id": instance.instance_id,
        "workflow": instance.machine,
        "state": instance.state,
        "contact_email": instance.subject,
    }
    if history is not None:
        body["history"] = history
    return body


@router.get(
    "/workflows", dependencies=[Depends(requires("workflows:read"))], responses=OPERATOR_ONLY
)
def list_workflows(
    request: Request,
    contact_email: Annotated[str | None, Query(max_length=320)] = None,
    workflow: Annotated[str | None, Query(max_length=100)] = None,
    state: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
) -> dict[str, Any]:
    """Workflow instances, newest first, filtered by contact, workflow and state."""
    machines = pack_context(request, PACK_NAME).state_machines
    email = contact_email.strip().lower() if contact_email else None
    found = machines.find(machine=workflow, state=state, subject=email, limit=limit)
    return {"instances": [_json(instance) for instance in found]}


@router.get(
    "/workflows/{instance_id:path}",
    dependencies=[Depends(requires("workflows:read"))],
    responses={
        **OPERATOR_ONLY,
        404: {"model": ErrorAnswer, "description": "No network workflow instance of that id."},
    },
)
def get_workflow(request: Request, instance_id: str) -> dict[str, Any]:
    """One instance with its whole history (refused events included)."""
    context = pack_context(request, PACK_NAME)
    instance = context.state_machines.get(instance_id)
    if instance is None or instance.machine not in _network_machines():
        raise HTTPException(404, f"No workflow instance {instance_id!r}.")
    history = context.state_machines.history(instance_id)
    steps = instance_steps(context.engine, history, instance_id)
    return _json(instance, history=[step.to_json() for step in steps])


def _network_machines() -> set[str]:
    from notionhub.packs.network.machines import MACHINES

    return {machine.name for machine in MACHINES}
