"""The hub's HTTP app: ingest, the event log and agents, the packs' routes, operations, and the
embedded local Notion."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Annotated, Any

import anyio.to_thread
import httpx
import structlog
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import SecretStr
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException

from notionhub import __version__
from notionhub.backend import NOTION_HOOK_PATH, hook_url, open_backend
from notionhub.errors import EventNotFound, IngestError, NotionhubError
from notionhub.hubdb.engine import read_connection
from notionhub.ingest.registry import HOOK_PROVIDERS, ProviderRegistry
from notionhub.queue.intake import Intake
from notionhub.queue.runtime import Runtime
from notionhub.web.agent_routes import router as agents_router
from notionhub.web.event_routes import router as events_router
from notionhub.web.ingest_routes import router as ingest_router
from notionhub.web.pack_host import HubPackHost
from notionhub.web.state import HubState, hub_state

LOCAL_NOTION_MOUNT = "/notion"
NOTION_CHECK_SECONDS = 10.0
log = structlog.get_logger("notionhub.hub")
Hub = Annotated[HubState, Depends(hub_state)]


def create_hub_app(
    runtime: Runtime, public_url: str, announce: Callable[[Runtime], None] | None = None
) -> FastAPI:
    """The hub. Starting it (lifespan) starts the runtime and the intake; stopping drains both.

    With no ``NOTION_TOKEN`` it also serves the local Notion at ``/notion``.
    """
    settings = runtime.settings
    packs = runtime.load_packs()  # an unknown pack or a bad pack setting is refused here
    notion_url = settings.notion_base_url
    embedded = open_backend(settings, public_url.rstrip("/") + LOCAL_NOTION_MOUNT)
    if embedded is not None:
        # One local Notion over the data folder: served here, and called in-process by the hub.
        notion_url = public_url.rstrip("/") + LOCAL_NOTION_MOUNT
        runtime.backend = embedded.backend
    subscribes = embedded is not None and settings.notionhub_notion_webhooks
    state = HubState(
        settings=settings,
        metrics=runtime.metrics,
        runtime=runtime,
        providers=ProviderRegistry(provider for pack in packs for provider in pack.providers),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if embedded is not None and subscribes:
            # Two-way from the start: the hub takes its own Notion's webhooks, signed with the
            # subscription's token (whatever NOTION_WEBHOOK_VERIFICATION_TOKEN says).
            token = SecretStr(embedded.subscribe_hub(public_url))
            subscribed = settings.model_copy(update={"notion_webhook_verification_token": token})
            state.settings = runtime.settings = subscribed
        await anyio.to_thread.run_sync(runtime.start)
        state.intake = Intake(state.store, runtime.wake)
        state.intake.start()
        runtime.ingest_pressure = state.intake.under_pressure
        if announce is not None:
            announce(runtime)
        stopping = threading.Event()
        if embedded is not None and subscribes:
            # Notion's first requests (its verification) were refused while the hub started:
            # as soon as it listens, they go again.
            threading.Thread(
                target=_when_listening,
                args=(public_url, lambda: embedded.hub_listening(public_url), stopping),
                name="notion-webhooks-resume",
                daemon=True,
            ).start()
        try:
            yield
        finally:
            stopping.set()
            runtime.ingest_pressure = lambda: False
            await state.intake.stop()
            await anyio.to_thread.run_sync(runtime.stop)
            if embedded is not None:
                await anyio.to_thread.run_sync(embedded.close)

    app = FastAPI(title="notionhub", version=__version__, lifespan=lifespan)
    if embedded is not None:
        app.mount(LOCAL_NOTION_MOUNT, embedded.app)
    app.state.hub = state
    app.state.pack_host = HubPackHost(state)
    app.include_router(ingest_router)
    app.include_router(events_router)
    app.include_router(agents_router)
    for pack in packs:
        if pack.router is not None:
            app.include_router(pack.router)
    _add_error_handlers(app)

    @app.get("/health", tags=["operations"])
    def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok", "version": __version__, "notion": notion_url}

    @app.get("/health/ready", tags=["operations"])
    async def ready(hub: Hub) -> JSONResponse:
        """Readiness: the hub database answers, Notion answers, and how far behind the queue is."""
        checks = await anyio.to_thread.run_sync(_readiness, hub)
        ok = all(check["ok"] for check in checks.values())
        return JSONResponse(
            {"status": "ready" if ok else "not_ready", "checks": checks},
            status_code=200 if ok else 503,
        )

    @app.get("/metrics", tags=["operations"])
    async def metrics(hub: Hub) -> Response:
        """Prometheus exposition of every counter and gauge."""
        await anyio.to_thread.run_sync(_refresh_gauges, hub)
        return Response(generate_latest(hub.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app


def _when_listening(hub_url: str, then: Callable[[], None], stopping: threading.Event) -> None:
    """Run ``then`` once the hub answers ``/health`` at ``hub_url`` (reached on loopback)."""
    health = hook_url(hub_url).removesuffix(NOTION_HOOK_PATH) + "/health"
    with httpx.Client(timeout=5) as client:
        while not stopping.is_set():
            try:
                if client.get(health).status_code == HTTPStatus.OK:
                    then()
                    return
            except httpx.TransportError:
                pass
            stopping.wait(0.05)


def _readiness(hub: HubState) -> dict[str, dict[str, Any]]:
    checks: dict[str, dict[str, Any]] = {}
    try:
        with read_connection(hub.store.engine) as connection:
            connection.execute(text("SELECT 1"))
        oldest = hub.store.oldest_unfinished()
        lag = 0.0 if oldest is None else max(0.0, hub.store.clock() - oldest)
        checks["database"] = {"ok": True}
        checks["queue"] = {"ok": True, "lag_seconds": round(lag, 3)}
    except Exception as error:
        checks["database"] = {"ok": False, "error": f"{type(error).__name__}: {error}"}
    checks["notion"] = _notion_check(hub)
    return checks


def _notion_check(hub: HubState) -> dict[str, Any]:
    """Notion answers ``users/me``; remembered for 10 s so probes cannot spend the budget."""
    cached = hub.notion_check
    if cached is not None and time.monotonic() - cached[0] < NOTION_CHECK_SECONDS:
        return cached[1]
    notion = hub.runtime.notion
    try:
        if notion is None:
            raise RuntimeError("not connected")
        notion.gateway.call("users.me", lambda client: client.users.me())
        result: dict[str, Any] = {"ok": True}
    except Exception as error:
        result = {"ok": False, "error": f"{type(error).__name__}: {error}"}
    hub.notion_check = (time.monotonic(), result)
    return result


def _refresh_gauges(hub: HubState) -> None:
    for status, count in hub.store.counts().items():
        hub.metrics.events_by_status.labels(status=status).set(count)
    oldest = hub.store.oldest_unfinished()
    hub.metrics.queue_lag.set(0.0 if oldest is None else max(0.0, hub.store.clock() - oldest))


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(IngestError)
    async def ingest_refused(request: Request, error: IngestError) -> JSONResponse:
        provider = request.path_params.get("provider") or request.url.path
        if provider not in HOOK_PROVIDERS and not request.url.path.startswith(("/api", "/web")):
            provider = "unknown"  # keeps the metric's labels bounded
        log.warning("webhook_rejected", provider=provider, status=error.status, reason=str(error))
        state: HubState = request.app.state.hub
        state.metrics.events_received.labels(
            provider=str(provider), outcome=f"rejected_{error.status}"
        ).inc()
        return JSONResponse(
            {"error": _kind(error), "message": str(error)}, status_code=error.status
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        kind = HTTPStatus(error.status_code).phrase.lower().replace(" ", "_")
        return JSONResponse(
            {"error": kind, "message": str(error.detail)},
            status_code=error.status_code,
            headers=error.headers,
        )

    @app.exception_handler(EventNotFound)
    async def event_not_found(_request: Request, error: EventNotFound) -> JSONResponse:
        return JSONResponse({"error": "not_found", "message": str(error)}, status_code=404)

    @app.exception_handler(NotionhubError)
    async def other_error(request: Request, error: NotionhubError) -> JSONResponse:
        log.error("request_failed", path=request.url.path, error=f"{type(error).__name__}: {error}")
        return JSONResponse({"error": _kind(error), "message": str(error)}, status_code=500)


def _kind(error: Exception) -> str:
    """``SignatureRejected`` → ``signature_rejected``."""
    name = type(error).__name__
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
