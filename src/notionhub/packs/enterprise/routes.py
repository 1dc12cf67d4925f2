"""The enterprise pack's HTTP routes (docs/packs/enterprise.md): agents' heartbeats and
configuration, alerts, projects, the outbox and the live stream."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated, Any, Literal

import anyio.to_thread
from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema, field_validator

from notionhub.errors import HubDatabaseUnavailable
from notionhub.ingest.event import Event
from notionhub.ingest.http_answers import OPERATOR_ONLY, UNREADABLE_BODY, ErrorAnswer
from notionhub.packs.enterprise import live
from notionhub.packs.enterprise.alerts import alerts
from notionhub.packs.enterprise.fleet import Heartbeat, agent_config, record_heartbeat
from notionhub.packs.enterprise.models import AGENT_TYPES, PRIORITIES, PROJECT_TYPES, STAGES
from notionhub.packs.enterprise.revenue import outbox
from notionhub.packs.enterprise.settings import EnterpriseSettings
from notionhub.packs.pack import FlowContext
from notionhub.packs.web import audit, operator_only, pack_context, requires, submit_event

router = APIRouter(tags=["enterprise"])
PACK_NAME = "enterprise"
PROVIDER = "enterprise"  # the provider of the events the routes make (POST /api/projects)
# Agent names become Notion multi-select options: no commas, printable, short.
AGENT_NAME = r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$"
STREAM_PAUSE_SECONDS = 0.5
STREAM_SECONDS = 300.0  # a stream ends after this long; EventSource reconnects by itself
AgentName = Annotated[str, Path(pattern=AGENT_NAME, description="The agent's name.")]
BUSY: dict[int | str, dict[str, Any]] = {
    503: {"model": ErrorAnswer, "description": "The hub database is busy or full: retry later."}
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorAnswer, "description": "No agent of that name."}
}


class HeartbeatBody(BaseModel):
    """What an agent reports every 30 s. Shares (performance, cpu, memory) are 0..1."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["active", "idle", "error", "maintenance"]
    performance: float | None = Field(default=None, ge=0, le=1)
    cpu: float | None = Field(default=None, ge=0, le=1)
    memory: float | None = Field(default=None, ge=0, le=1)
    metrics: dict[str, float | int | str | bool | None] = Field(default_factory=dict, max_length=50)
    agent_type: Literal[AGENT_TYPES] | None = None  # type: ignore[valid-type]
    completed: list[Annotated[str, Field(max_length=400)]] = Field(
        default_factory=list,
        max_length=100,
        description="Ids of assignments (GET /api/agents/{name}/config) the agent finished.",
    )

    @field_validator("status", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value


def _in_range(value: date) -> date:
    if not date(1900, 1, 1) <= value <= date(2199, 12, 31):
        raise ValueError("the year must be 1900 to 2199")
    return value


# A day the pipeline can plan with: the schema says the same as the check.
TimelineStart = Annotated[
    date,
    AfterValidator(_in_range),
    WithJsonSchema({"type": "string", "format": "date", "pattern": r"^(19|20|21)\d\d-"}),
]


class ProjectBody(BaseModel):
    """A project for the pipeline; agents are assigned from its type and requirements."""

    model_config = ConfigDict(extra="forbid")

    # Not blank, no comma (agents' names and this one become Notion select options).
    name: str = Field(min_length=1, max_length=200, pattern=r"^[^,]*[^,\s][^,]*$")
    client: str = Field(default="", max_length=200)
    project_type: Literal[PROJECT_TYPES] | None = None  # type: ignore[valid-type]
    stage: Literal[STAGES] = "Discovery"  # type: ignore[valid-type]
    priority: Literal[PRIORITIES] = "Medium"  # type: ignore[valid-type]
    budget: float | None = Field(default=None, ge=0, le=1e12)
    start: TimelineStart | None = Field(
        default=None, description="The timeline's first day (years 1900 to 2199)."
    )
    days: int | None = Field(
        default=None, ge=0, le=3650, description="The timeline's length after its first day."
    )
    requirements: str = Field(default="", max_length=1900)


def _context(request: Request) -> FlowContext:
    return pack_context(request, PACK_NAME)


@router.post(
    "/api/agents/{name}/heartbeat",
    status_code=202,
    dependencies=[Depends(requires("agents:write"))],
    responses={**OPERATOR_ONLY, **UNREADABLE_BODY, **BUSY},
)
async def heartbeat(request: Request, name: AgentName, body: HeartbeatBody) -> dict[str, Any]:
    """Keep an agent's heartbeat: no Notion request now; the collector writes what changed."""
    context = _context(request)
    beat = Heartbeat(
        status=body.status.capitalize(),
        performance=body.performance,
        cpu=body.cpu,
        memory=body.memory,
        metrics=body.metrics,
        agent_type=body.agent_type,
        completed=tuple(dict.fromkeys(body.completed)),
    )
    try:
        outcome = await anyio.to_thread.run_sync(
            lambda: record_heartbeat(
                context.engine,
                context.settings_of(EnterpriseSettings),
                name,
                beat,
                context.now().timestamp(),
                wait_seconds=context.settings.hub_db_busy_timeout_seconds,
            )
        )
    except HubDatabaseUnavailable as error:
        raise HTTPException(
            503, f"{error} The heartbeat was not kept: send the next one.", {"Retry-After": "5"}
        ) from error
    if outcome.completed or outcome.alerts:
        # Heartbeats are telemetry; those that change what the hub holds are audited.
        details = ", ".join(
            [f"completed {a}" for a in outcome.completed]
            + [f"{c} {what}" for c, what in outcome.alerts.items()]
        )
        await audit(request, "agent.heartbeat", f"agent {name}", details[:1900])
    return {
        "agent": name,
        "status": outcome.status,
        "alerts": outcome.alerts,
        "completed": list(outcome.completed),
    }


@router.get(
    "/api/agents/{name}/config",
    dependencies=[Depends(requires("agents:read"))],
    responses={**OPERATOR_ONLY, **NOT_FOUND},
)
async def config(request: Request, name: AgentName) -> dict[str, Any]:
    """The agent's status and configuration as people set them in Notion, and its open work."""
    context = _context(request)
    found = await anyio.to_thread.run_sync(agent_config, context.engine, name)
    if found is None:
        raise HTTPException(404, f"No agent {name!r}: it appears with its first heartbeat.")
    return found


@router.get("/api/alerts", dependencies=[Depends(requires("alerts:read"))], responses=OPERATOR_ONLY)
async def list_alerts(
    request: Request,
    open_only: Annotated[bool, Query(alias="open")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> dict[str, Any]:
    """Alerts, newest first (``open=true``: only those still open)."""
    context = _context(request)
    found = await anyio.to_thread.run_sync(
        lambda: alerts(context.engine, open_only=open_only, limit=limit)
    )
    return {"alerts": found}


@router.post(
    "/api/projects",
    status_code=202,
    dependencies=[Depends(requires("projects:write"))],
    responses={**OPERATOR_ONLY, **UNREADABLE_BODY, **BUSY},
)
async def create_project(
    request: Request,
    body: ProjectBody,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> dict[str, Any]:
    """Queue a project for the pipeline (202 once stored; the flow writes it to Notion).

    The same request sent again (or the same ``Idempotency-Key``) is the same event."""
    data = body.model_dump(mode="json")
    digest = (
        idempotency_key
        or hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:32]
    )
    event = Event(
        provider=PROVIDER,
        type="project.requested",
        idempotency_key=f"{PROVIDER}:project:{digest}",
        entity_key=f"project:{body.name}"[:300],
        occurred_at=_context(request).now(),  # the hub's clock
        data=data,
    )
    is_new = await submit_event(request, event)
    await audit(request, "project.create", f"project {body.name}", f"event {event.idempotency_key}")
    return {"event_id": event.idempotency_key, "duplicate": not is_new, "project": body.name}


@router.get(
    "/api/enterprise/outbox", dependencies=[Depends(operator_only)], responses=OPERATOR_ONLY
)
async def list_outbox(request: Request) -> dict[str, Any]:
    """Notifications to clients, newest first, sent or waiting (admins: they hold emails)."""
    context = _context(request)
    return {"notifications": await anyio.to_thread.run_sync(outbox, context.engine)}


@router.get(
    "/api/enterprise/stream",
    dependencies=[Depends(requires("agents:read"))],
    response_class=StreamingResponse,
    responses={
        **OPERATOR_ONLY,
        200: {
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
            "description": "Server-sent events: `id` (sequence), `event` (kind), `data` (JSON).",
        },
    },
)
async def stream(
    request: Request,
    last_event_id: Annotated[str | None, Header()] = None,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> StreamingResponse:
    """Server-sent events: agents' status and configuration changes, alerts opened and
    resolved, projects' stage actions and sales. Resumes after ``Last-Event-ID`` (or
    ``after``); a new listener hears what happens from now on. A client that does not accept
    ``text/event-stream`` gets the events there are and the end of the stream."""
    context = _context(request)
    start = after
    if start is None and last_event_id and last_event_id.isdigit():
        start = int(last_event_id)
    if start is None:
        start = await anyio.to_thread.run_sync(live.last_seq, context.engine)

    # A client that is no EventSource (it does not ask for text/event-stream) gets what there
    # is now, and the end of the stream.
    follows = "text/event-stream" in request.headers.get("accept", "")

    async def events() -> AsyncIterator[str]:
        seen = start
        loop = asyncio.get_running_loop()
        ends = loop.time() + STREAM_SECONDS
        yield "retry: 2000\n\n"
        stopping = getattr(request.app.state, "stopping", None)  # a threading.Event
        while loop.time() < ends and not (stopping is not None and stopping.is_set()):
            if await request.is_disconnected():
                return
            found = await anyio.to_thread.run_sync(live.since, context.engine, seen)
            for item in found:
                seen = item.seq
                yield f"id: {item.seq}\nevent: {item.kind}\ndata: {json.dumps(item.to_json())}\n\n"
            if not found:
                if not follows:
                    return
                await asyncio.sleep(STREAM_PAUSE_SECONDS)

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)
