"""The hub's HTTP app: ingest, the event log and agents, the packs' routes, operations, and the
embedded local Notion."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Annotated, Any

import anyio.to_thread
import httpx
import structlog
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import SecretStr
from starlette.exceptions import HTTPException as StarletteHTTPException

from notionhub import __version__
from notionhub.backend import NOTION_HOOK_PATH, hook_url, open_backend
from notionhub.errors import EventLogRetryLater, EventNotFound, IngestError, NotionhubError
from notionhub.ingest.registry import ProviderRegistry
from notionhub.queue.intake import Intake
from notionhub.queue.runtime import Runtime
from notionhub.web.agent_routes import router as agents_router
from notionhub.web.audit_routes import router as audit_router
from notionhub.web.console import add_console
from notionhub.web.docs_assets import add_offline_docs
from notionhub.web.event_routes import router as events_router
from notionhub.web.ingest_routes import router as ingest_router
from notionhub.web.notion_mount import GuardedLocalNotion
from notionhub.web.pack_host import HubPackHost
from notionhub.web.readiness import Readiness
from notionhub.web.state import HubState, hub_state
from notionhub.worker_pool import worker_counts

LOCAL_NOTION_MOUNT = "/notion"
log = structlog.get_logger("notionhub.hub")
Hub = Annotated[HubState, Depends(hub_state)]


def create_hub_app(
    runtime: Runtime,
    public_url: str,
    announce: Callable[[Runtime], None] | None = None,
    workers: Callable[[], list[dict[str, Any]]] | None = None,
) -> FastAPI:
    """The hub. Starting it (lifespan) starts the runtime and the intake; stopping drains both.

    With no ``NOTION_TOKEN`` it also serves the local Notion at ``/notion``. ``workers``: the
    state of ``serve --workers``' children, for ``/health/ready`` and ``/metrics``.
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
        workers=workers,
    )

    async def close_started() -> None:
        """Close what start-up opened so far: a failed start leaves no thread behind (the
        embedded Notion's webhook verification would otherwise hold the exit for seconds)."""
        await anyio.to_thread.run_sync(runtime.stop)
        if embedded is not None:
            await anyio.to_thread.run_sync(embedded.close)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        stopping = threading.Event()
        try:
            if embedded is not None and subscribes:
                # Two-way from the start: the hub takes its own Notion's webhooks, signed with
                # the subscription's token (whatever NOTION_WEBHOOK_VERIFICATION_TOKEN says).
                token = SecretStr(embedded.subscribe_hub(public_url))
                subscribed = settings.model_copy(
                    update={"notion_webhook_verification_token": token}
                )
                state.settings = runtime.settings = subscribed
            await anyio.to_thread.run_sync(runtime.start)
            state.intake = Intake(state.store, runtime.wake)
            state.intake.start()
        except BaseException:
            await _closing_quietly(close_started)
            raise
        runtime.ingest_pressure = state.intake.under_pressure
        if announce is not None:
            announce(runtime)
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
            await close_started()

    app = FastAPI(
        title="notionhub",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,  # served by add_offline_docs, with no CDN
        redoc_url=None,
        # FastAPI's native OpenTelemetry is not what the hub reports through (Prometheus, logs),
        # and checking for it cost 4 % of each webhook's event-loop time (docs/benchmarks.md).
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    add_offline_docs(app)
    if embedded is not None:
        app.mount(LOCAL_NOTION_MOUNT, GuardedLocalNotion(embedded.app))  # admin: operators only
    app.state.hub = state
    app.state.pack_host = HubPackHost(state)
    # Set by the server (web/server.py TellingServer) as a stop begins: streams end then.
    app.state.stopping = threading.Event()
    app.include_router(ingest_router)
    app.include_router(events_router)
    app.include_router(agents_router)
    app.include_router(audit_router)
    for pack in packs:
        if pack.router is not None:
            app.include_router(pack.router)
    add_console(app, state)
    _add_error_handlers(app)

    @app.get("/health", tags=["operations"])
    def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok", "version": __version__, "notion": notion_url}

    readiness = Readiness(state)

    @app.get("/health/ready", tags=["operations"])
    async def ready() -> JSONResponse:
        """Readiness: the hub database takes a write, Notion answers, how far behind the queue is;
        each check answers within HEALTH_CHECK_TIMEOUT_SECONDS, naming its own part."""
        checks = await readiness.run()
        ok = all(check["ok"] for check in checks.values())
        return JSONResponse(
            {"status": "ready" if ok else "not_ready", "checks": checks},
            status_code=200 if ok else 503,
        )

    @app.get(
        "/metrics",
        tags=["operations"],
        response_class=PlainTextResponse,  # documented as text/plain (Prometheus's format)
    )
    async def metrics(hub: Hub) -> Response:
        """Prometheus exposition of every counter and gauge."""
        await anyio.to_thread.run_sync(_refresh_gauges, hub)
        return Response(generate_latest(hub.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app


async def _closing_quietly(close: Callable[[], Awaitable[None]]) -> None:
    """Close after a failed start: a second error is logged; the start's own is the one told."""
    try:
        await close()
    except Exception:  # the failed start's error is the one the caller must see
        log.exception("failed_start_cleanup_error")


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


def _refresh_gauges(hub: HubState) -> None:
    for status, count in hub.store.counts().items():
        hub.metrics.events_by_status.labels(status=status).set(count)
    oldest = hub.store.oldest_unfinished()
    hub.metrics.queue_lag.set(0.0 if oldest is None else max(0.0, hub.store.clock() - oldest))
    if hub.workers is not None:
        for state, count in worker_counts(hub.workers()).items():
            hub.metrics.worker_children.labels(state=state).set(count)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(IngestError)
    async def ingest_refused(request: Request, error: IngestError) -> JSONResponse:
        # The provider ``receive_webhook`` took the delivery for (whatever the route's path);
        # a name no provider has is "unknown", which keeps the metric's labels bounded.
        provider = getattr(request.state, "ingest_provider", None) or "unknown"
        log.warning("webhook_rejected", provider=provider, status=error.status, reason=str(error))
        state: HubState = request.app.state.hub
        state.metrics.events_received.labels(
            provider=str(provider), outcome=f"rejected_{error.status}"
        ).inc()
        retry = (
            {"Retry-After": str(error.retry_after)}
            if isinstance(error, EventLogRetryLater)
            else None
        )
        return JSONResponse(
            {"error": _kind(error), "message": str(error)}, status_code=error.status, headers=retry
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
