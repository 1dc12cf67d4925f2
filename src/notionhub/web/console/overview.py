"""The overview (``/``) and its live updates (``/console/stream``, server-sent events).

The page renders its live part once; the stream then sends that same part again, as an
``overview`` event, whenever it changed (read every ``STREAM_TICK_SECONDS``); htmx's SSE
extension swaps it in. A stream ends after ``STREAM_SECONDS`` and the browser reconnects, so
a hub asked to stop never waits long for an open console; a client that does not ask for
``text/event-stream`` gets one event and the end of the stream.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from notionhub.web.console.access import Access, console_viewer
from notionhub.web.console.queries import (
    BUCKETS,
    WINDOW_SECONDS,
    Overview,
    event_counts,
    notion_requests_total,
    provider_activity,
)
from notionhub.web.console.rendering import SECURITY_HEADERS, page, render
from notionhub.web.console.state import ConsoleState
from notionhub.web.state import HubState

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Access, Depends(console_viewer("stats:read"))]
STREAM_TICK_SECONDS = 1.0
STREAM_SECONDS = 10.0
CHART_WIDTH, CHART_HEIGHT = 480, 120
SPARK_WIDTH, SPARK_HEIGHT = 120, 24


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int


def bars(counts: list[int], width: float, height: float) -> list[Bar]:
    """Bars of ``counts`` side by side in a ``width`` × ``height`` box (SVG coordinates)."""
    top = max(counts, default=0) or 1
    step = width / max(len(counts), 1)
    return [
        Bar(i * step + 1, height - count * height / top, step - 2, count * height / top, count)
        for i, count in enumerate(counts)
    ]


def read_overview(hub: HubState, console: ConsoleState) -> Overview:
    """The overview's figures (in a worker thread: a few reads of the hub database)."""
    store = hub.store
    now = store.clock()
    oldest = store.oldest_unfinished()
    start, providers = provider_activity(store.engine, now)
    rate = console.rate.add(now, notion_requests_total(store.engine))
    notion = hub.runtime.notion
    per_second = notion.gateway.budget.policy.rate if notion is not None else 0.0
    limited = hub.metrics.registry.get_sample_value("notionhub_notion_rate_limited_total")
    return Overview(
        counts=event_counts(store),
        lag_seconds=0.0 if oldest is None else max(0.0, now - oldest),
        providers=providers,
        window_start=start,
        notion_per_minute=rate,
        notion_budget_per_minute=per_second * 60,
        rate_limited=int(limited or 0),
    )


async def live_part(request: Request) -> str:
    hub: HubState = request.app.state.hub
    console: ConsoleState = request.app.state.console
    overview = await anyio.to_thread.run_sync(read_overview, hub, console)
    health = await console.health_checks()
    return render("_overview_live.html", **_context(overview, health))


def _context(overview: Overview, health: dict[str, Any]) -> dict[str, Any]:
    totals = [sum(column) for column in zip(*(p.buckets for p in overview.providers), strict=True)]
    return {
        "overview": overview,
        "health": health,
        "chart": bars(totals or [0] * BUCKETS, CHART_WIDTH, CHART_HEIGHT),
        "chart_size": (CHART_WIDTH, CHART_HEIGHT),
        "sparks": {
            p.provider: bars(p.buckets, SPARK_WIDTH, SPARK_HEIGHT) for p in overview.providers
        },
        "spark_size": (SPARK_WIDTH, SPARK_HEIGHT),
        "window_minutes": WINDOW_SECONDS // 60,
        "bucket_minutes": WINDOW_SECONDS // 60 // BUCKETS,
    }


@router.get("/", response_class=HTMLResponse)
async def overview_page(request: Request, access: Viewer) -> HTMLResponse:
    """The overview: counters, activity per provider, queue lag, Notion budget, health."""
    return page(request, access, "overview.html", section="overview", live=await live_part(request))


@router.get("/console/stream")
async def overview_stream(request: Request, _access: Viewer) -> StreamingResponse:
    """Server-sent events: the overview's live part each time it changes."""

    # A client that is no EventSource (which asks for text/event-stream) gets one event.
    follows = "text/event-stream" in request.headers.get("accept", "")

    async def events() -> AsyncIterator[str]:
        yield f"retry: {int(STREAM_TICK_SECONDS * 1000)}\n\n"
        sent = None
        loop = asyncio.get_running_loop()
        ends = loop.time() + (STREAM_SECONDS if follows else 0.0)
        stopping = request.app.state.stopping  # set as the server's stop begins
        while not stopping.is_set() and not await request.is_disconnected():
            part = await live_part(request)
            if part != sent:
                sent = part
                data = "".join(f"data: {line}\n" for line in part.splitlines())
                yield f"event: overview\n{data}\n"
            if loop.time() >= ends:
                return
            await asyncio.sleep(STREAM_TICK_SECONDS)

    headers = {**SECURITY_HEADERS, "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)
