"""The event log over HTTP: list, inspect (history and Notion requests), replay, stats."""

from __future__ import annotations

from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from notionhub.queue.store import Status
from notionhub.web.state import HubState, operator

router = APIRouter(prefix="/api", tags=["events"])
Hub = Annotated[HubState, Depends(operator)]


@router.get("/events")
async def list_events(
    hub: Hub,
    status: Status | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before: Annotated[int | None, Query(description="Page back: events with seq below.")] = None,
) -> dict[str, Any]:
    """Events, newest first; ``before`` = the last ``seq`` of the previous page."""
    rows = await anyio.to_thread.run_sync(
        lambda: hub.store.recent(status=status, limit=limit, before_seq=before)
    )
    return {
        "events": [row.summary() for row in rows],
        "next_before": rows[-1].seq if len(rows) == limit else None,
    }


@router.post("/events/{event_id:path}/replay", status_code=202)
async def replay_event(
    event_id: str,
    hub: Hub,
    pack: Annotated[
        list[str] | None, Query(description="Run only these packs' parts again (repeatable).")
    ] = None,
) -> JSONResponse:
    """Run a finished event again (a new run, same event id); 409 if it is still running."""
    event = await anyio.to_thread.run_sync(hub.store.get, event_id)
    enabled = {enabled.name for enabled in hub.runtime.load_packs()}
    unknown = sorted(set(pack or ()) - enabled)
    if unknown:
        return JSONResponse(
            {
                "error": "unknown_pack",
                "message": f"{', '.join(unknown)} is not an enabled pack; enabled:"
                f" {', '.join(sorted(enabled))}.",
            },
            status_code=400,
        )
    replayed = await anyio.to_thread.run_sync(
        lambda: hub.store.request_replay([event_id], packs=pack or None)
    )
    if not replayed:
        return JSONResponse(
            {
                "error": "not_finished",
                "message": f"Event {event_id} is {event.status}: only a processed, failed or"
                " ignored event can be replayed.",
            },
            status_code=409,
        )
    hub.runtime.wake()
    answer = {"event_id": event_id, "status": "pending", "packs": pack or None}
    return JSONResponse(answer, status_code=202)


@router.get("/events/{event_id:path}")
async def get_event(event_id: str, hub: Hub) -> dict[str, Any]:
    """One event: its payload, status, and history (attempts with their Notion requests)."""
    event = await anyio.to_thread.run_sync(hub.store.get, event_id)
    history = await anyio.to_thread.run_sync(hub.store.history, event_id)
    return {
        **event.summary(),
        "workflow_id": event.workflow_id,
        "data": event.data,
        "history": [entry.to_json() for entry in history],
    }


@router.get("/stats")
async def stats(hub: Hub) -> dict[str, Any]:
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
