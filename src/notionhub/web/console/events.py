"""The events pages: the filtered list (keyset pages on ``seq``), one event, and replay.

Replaying is two steps: the replay buttons post the chosen events (one, a selection, or all
failed) to ``/console/replay``, which lists them with a confirm button; only that second post
replays them (``EventStore.request_replay``, as ``POST /api/events/{id}/replay`` and
``notionhub replay`` do).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote, urlencode

import anyio.to_thread
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notionhub.cli_events import notion_pages, redact_payload
from notionhub.errors import EventNotFound
from notionhub.queue.store import STATUSES, StoredEvent
from notionhub.web.authorization import record
from notionhub.web.console.access import Access, checked_form, console_viewer, form_value
from notionhub.web.console.rendering import page
from notionhub.web.state import HubState

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Access, Depends(console_viewer("events:read"))]
Replayer = Annotated[Access, Depends(console_viewer("events:replay"))]
PAGE_SIZE = 50
MAX_SEQ = 2**63 - 1
MAX_REPLAY = 500  # events one confirmation lists and replays
FILTERS = ("provider", "type", "status", "entity", "q", "since", "until")


def _moment(text: str, name: str) -> float | None:
    """A ``datetime-local`` value (UTC) or an ISO date/time as Unix seconds."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise HTTPException(400, f"{name}: use a date and time like 2026-12-01T09:30.") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


@router.get("/console/events", response_class=HTMLResponse)
async def events_page(
    request: Request,
    access: Viewer,
    provider: Annotated[str, Query(max_length=40)] = "",
    type: Annotated[str, Query(max_length=200)] = "",
    status: Annotated[str, Query(max_length=16)] = "",
    entity: Annotated[str, Query(max_length=300)] = "",
    q: Annotated[str, Query(max_length=300)] = "",
    since: Annotated[str, Query(max_length=40)] = "",
    until: Annotated[str, Query(max_length=40)] = "",
    before: Annotated[int | None, Query(ge=1, le=MAX_SEQ)] = None,
) -> HTMLResponse:
    """Events newest first, filtered; ``before`` = the last seq of the previous page."""
    hub: HubState = request.app.state.hub
    if status and status not in STATUSES:
        raise HTTPException(400, f"status: one of {', '.join(STATUSES)}.")
    after, up_to = _moment(since, "since"), _moment(until, "until")
    rows = await anyio.to_thread.run_sync(
        lambda: hub.store.recent(
            status=status or None,
            provider=provider or None,
            type=type or None,
            entity_key=entity or None,
            search=q.strip() or None,
            since=after,
            until=up_to,
            before_seq=before,
            limit=PAGE_SIZE,
        )
    )
    filters = {
        name: value
        for name, value in zip(
            FILTERS, (provider, type, status, entity, q, since, until), strict=True
        )
        if value
    }
    following = None
    if len(rows) == PAGE_SIZE:
        following = "/console/events?" + urlencode({**filters, "before": rows[-1].seq})
    return page(
        request,
        access,
        "events.html",
        section="events",
        rows=rows,
        filters=filters,
        providers=hub.providers.names(),
        statuses=STATUSES,
        next_page=following,
        first_page=("/console/events?" + urlencode(filters)) if before is not None else None,
        replayed=request.query_params.get("replayed"),
    )


@router.get("/console/events/{event_id:path}", response_class=HTMLResponse)
async def event_page(request: Request, access: Viewer, event_id: str) -> HTMLResponse:
    """One event: payload (secrets hidden), outcome, history, the Notion pages it touched."""
    hub: HubState = request.app.state.hub
    try:
        event = await anyio.to_thread.run_sync(hub.store.get, event_id[:300])
    except EventNotFound:
        return page(
            request,
            access,
            "message.html",
            section="events",
            status_code=404,
            title="No such event",
            message=f"No event has the id {event_id!r}.",
        )
    history = [
        entry.to_json() for entry in await anyio.to_thread.run_sync(hub.store.history, event.id)
    ]
    return page(
        request,
        access,
        "event.html",
        section="events",
        event=event,
        payload=redact_payload(event.data),
        history=[
            {"kind": step["kind"], "at": step["at"], "detail": _detail(step)} for step in history
        ],
        pages=notion_pages(history, real_notion=hub.settings.notion_token is not None),
        replayed=request.query_params.get("replayed"),
    )


@router.post("/console/replay", response_class=HTMLResponse)
async def replay(request: Request, access: Replayer) -> Response:
    """Ask to confirm the chosen events' replay; with ``confirm=yes``, replay them."""
    form = await checked_form(request, access)
    hub: HubState = request.app.state.hub
    ids = [event_id for event_id in form.get("event_id", []) if event_id][:MAX_REPLAY]
    if form_value(form, "all_failed") == "yes":
        failed = await anyio.to_thread.run_sync(hub.store.failed_ids)
        ids = list(dict.fromkeys([*ids, *failed]))[:MAX_REPLAY]
    if not ids:
        return page(
            request,
            access,
            "message.html",
            section="events",
            status_code=400,
            title="Nothing to replay",
            message="Choose at least one event.",
        )
    if form_value(form, "confirm") != "yes":
        found = await anyio.to_thread.run_sync(_existing, hub, ids)
        return page(request, access, "replay_confirm.html", section="events", events=found)
    replayed = await anyio.to_thread.run_sync(lambda: hub.store.request_replay(ids))
    hub.runtime.wake()
    await record(
        request,
        access.caller,
        "events.replay",
        "events:" + ",".join(ids)[:400],
        success=bool(replayed),
        details=f"console: {len(replayed)} of {len(ids)} replayed",
    )
    if len(ids) == 1:
        target = f"/console/events/{quote(ids[0], safe='')}?replayed={len(replayed)}"
    else:
        target = f"/console/events?replayed={len(replayed)}"
    return RedirectResponse(target, status_code=303)


def _detail(step: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in step.items() if key not in ("kind", "at")}


def _existing(hub: HubState, ids: list[str]) -> list[StoredEvent]:
    found = []
    for event_id in ids:
        try:
            found.append(hub.store.get(event_id))
        except EventNotFound:
            continue
    return found
