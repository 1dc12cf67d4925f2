"""The event log over HTTP: list, inspect (history and Notion requests), replay, stats.

Event ids may hold slashes (a provider's id, a form's submission id), so the routes take the
rest of the path as the id; ``…/replay`` is the replay route (POST). A GET of ``…/replay`` is
not read as the id of an event, unless an event of that very id exists (405 otherwise).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, Query, Request, Security
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict

from notionhub.errors import EventNotFound, PayloadRejected
from notionhub.ingest.http_answers import OPERATOR_ONLY, ErrorAnswer
from notionhub.ingest.payload_limits import check_event_key
from notionhub.queue.store import Status
from notionhub.web.authorization import caller_of, record, require
from notionhub.web.state import HubState

# Documents the bearer key in OpenAPI; ``require`` does the checking (and allows loopback
# callers when no key is configured), so this one never refuses.
BEARER = HTTPBearer(auto_error=False, description="INTERNAL_API_KEY or a key of `notionhub keys`")
router = APIRouter(prefix="/api", tags=["events"], dependencies=[Security(BEARER)])
Reader = Annotated[HubState, Depends(require("events:read"))]
Replayer = Annotated[HubState, Depends(require("events:replay"))]
StatsReader = Annotated[HubState, Depends(require("stats:read"))]
# Sequence numbers are SQLite/PostgreSQL BIGINTs.
MAX_SEQ = 2**63 - 1
REPLAY_SUFFIX = "/replay"


class EventSummary(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    seq: int
    provider: str
    type: str
    entity_key: str | None
    status: Status
    attempts: int
    replays: int
    notion_requests: int
    last_error: str | None
    occurred_at: str
    received_at: str
    updated_at: str


class EventPage(BaseModel):
    events: list[EventSummary]
    next_before: int | None


class EventDetail(EventSummary):
    workflow_id: str
    data: Any
    history: list[dict[str, Any]]


class Replayed(BaseModel):
    event_id: str
    status: str
    packs: list[str] | None


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorAnswer, "description": description}


@router.get("/events", response_model=EventPage, responses=OPERATOR_ONLY)
async def list_events(
    hub: Reader,
    status: Status | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before: Annotated[
        int | None, Query(ge=1, le=MAX_SEQ, description="Page back: events with seq below.")
    ] = None,
) -> Response:
    """Events, newest first; ``before`` = the last ``seq`` of the previous page."""
    rows = await anyio.to_thread.run_sync(
        lambda: hub.store.recent(status=status, limit=limit, before_seq=before)
    )
    return json_answer(
        {
            "events": [row.summary() for row in rows],
            "next_before": rows[-1].seq if len(rows) == limit else None,
        }
    )


@router.post(
    "/events/{event_id:path}/replay",
    status_code=202,
    response_model=Replayed,
    responses={
        **OPERATOR_ONLY,
        400: _error("A pack named is not enabled."),
        404: _error("No event has that id."),
        409: _error("The event is not finished (pending or queued)."),
    },
)
async def replay_event(
    request: Request,
    event_id: str,
    hub: Replayer,
    pack: Annotated[
        list[str] | None, Query(description="Run only these packs' parts again (repeatable).")
    ] = None,
) -> JSONResponse:
    """Run a finished event again (a new run, same event id); 409 if it is still running."""
    _check_id(event_id)
    event = await anyio.to_thread.run_sync(hub.store.get, event_id)
    enabled = {enabled.name for enabled in hub.runtime.load_packs()}
    unknown = sorted(set(pack or ()) - enabled)
    if unknown:
        answer = JSONResponse(
            {
                "error": "unknown_pack",
                "message": f"{', '.join(unknown)} is not an enabled pack; enabled:"
                f" {', '.join(sorted(enabled))}.",
            },
            status_code=400,
        )
    elif not await anyio.to_thread.run_sync(
        lambda: hub.store.request_replay([event_id], packs=pack or None)
    ):
        answer = JSONResponse(
            {
                "error": "not_finished",
                "message": f"Event {event_id} is {event.status}: only a processed, failed or"
                " ignored event can be replayed.",
            },
            status_code=409,
        )
    else:
        hub.runtime.wake()
        body = {"event_id": event_id, "status": "pending", "packs": pack or None}
        answer = JSONResponse(body, status_code=202)
    details = f"{answer.status_code}" + (f" packs={','.join(pack)}" if pack else "")
    await record(
        request,
        caller_of(request),
        "events.replay",
        f"event:{event_id}",
        success=answer.status_code == 202,
        details=details,
    )
    return answer


@router.get(
    "/events/{event_id:path}",
    response_model=EventDetail,
    responses={
        **OPERATOR_ONLY,
        404: _error("No event has that id."),
        405: _error("A GET of …/replay, which is POST only (and no event has that id)."),
    },
)
async def get_event(event_id: str, hub: Reader) -> Response:
    """One event: its payload, status, and history (attempts with their Notion requests)."""
    try:
        _check_id(event_id)
        event = await anyio.to_thread.run_sync(hub.store.get, event_id)
    except EventNotFound:
        if event_id.endswith(REPLAY_SUFFIX):
            replayed = event_id.removesuffix(REPLAY_SUFFIX)
            return JSONResponse(
                {
                    "error": "method_not_allowed",
                    "message": f"Replaying is POST /api/events/{replayed}/replay; no event has"
                    f" the id {event_id!r}.",
                },
                status_code=405,
                headers={"Allow": "POST"},
            )
        raise
    history = await anyio.to_thread.run_sync(hub.store.history, event_id)
    return json_answer(
        {
            **event.summary(),
            "workflow_id": event.workflow_id,
            "data": event.data,
            "history": [entry.to_json() for entry in history],
        }
    )


def _check_id(event_id: str) -> None:
    """No stored id holds a control character or is over 300 characters: not looked up."""
    try:
        check_event_key(event_id, "id")
    except PayloadRejected:
        raise EventNotFound(
            f"No event with id {event_id!r}: ids hold no control characters."
        ) from None
    if len(event_id) > 300:
        raise EventNotFound(f"No event with id {event_id[:40]!r}…: ids are at most 300 characters.")


def json_answer(content: dict[str, Any], status_code: int = 200) -> Response:
    """``content`` as JSON, even if an event was stored before ingest refused what JSON cannot
    carry (lone surrogates are then escaped; what still fails is replaced by a note)."""
    try:
        body = json.dumps(content, ensure_ascii=False, allow_nan=False).encode()
    except (ValueError, RecursionError):
        try:
            body = json.dumps(content, allow_nan=False).encode()
        except (ValueError, RecursionError) as error:
            content = {**content, "data": None, "data_error": f"not renderable as JSON: {error}"}
            body = json.dumps(content).encode()
    return Response(body, status_code, media_type="application/json")


@router.get("/stats", responses=OPERATOR_ONLY)
async def stats(hub: StatsReader) -> dict[str, Any]:
    """Counts of the event log, and of the Notion requests made for events."""
    counts = await anyio.to_thread.run_sync(hub.store.counts)
    requests = await anyio.to_thread.run_sync(hub.store.total_notion_requests)
    rate_limited = hub.metrics.registry.get_sample_value("notionhub_notion_rate_limited_total")
    return {
        "events": {
            "received": sum(counts.values()),
            "processed": counts["processed"],
            "failed": counts["failed"],
            "ignored": counts["ignored"],
            "pending": counts["pending"] + counts["queued"],
        },
        "notion": {"requests": requests, "rate_limited": int(rate_limited or 0)},
    }
