"""The ASGI app of the local Notion server: auth, version, faults, limits, then the endpoints.

``create_app(config)`` returns a Starlette app that ``uvicorn`` serves on a port, or that an
``httpx`` client mounts in-process with ``ASGITransport``.
"""

from __future__ import annotations

import asyncio
import gc
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import structlog
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from notionhub.errors import (
    InternalServerError,
    InvalidRequestURL,
    MissingVersion,
    NotionAPIError,
    RateLimited,
    ServiceUnavailable,
    Unauthorized,
    ValidationFailed,
)
from notionhub.localnotion.api.request_body import BodyTooLarge, parse_body, read_body
from notionhub.localnotion.exposure import AdminNeedsToken
from notionhub.localnotion.files.sources import serving_uploads
from notionhub.localnotion.http.endpoints import ENDPOINTS, Call
from notionhub.localnotion.http.file_uploads import (
    BODY_READERS,
    FILE_UPLOAD_ENDPOINTS,
    file_routes,
)
from notionhub.localnotion.http.operations import FaultPlan, RateLimiter, RequestStats
from notionhub.localnotion.http.pages_and_comments import PAGE_AND_COMMENT_ENDPOINTS
from notionhub.localnotion.http.views_and_lists import VIEW_AND_LIST_ENDPOINTS
from notionhub.localnotion.index.planner import INDEX_VERSION, ensure_index
from notionhub.localnotion.storage.store import Storage
from notionhub.localnotion.tokens import DEFAULT_TOKEN
from notionhub.localnotion.webhooks import WebhookNotifier, WriteWatch, webhook_routes
from notionhub.localnotion.webhooks.store import Subscription
from notionhub.localnotion.workspace import Workspace

API_VERSION = "2025-09-03"  # the Notion-Version this server speaks (what notion-client 3 sends)
DATABASE_FILE = "notion.sqlite3"
log = structlog.get_logger("notionhub.localnotion")


@dataclass(frozen=True)
class LocalNotionConfig:
    """How one local Notion server runs."""

    data_dir: Path
    tokens: tuple[str, ...] = (DEFAULT_TOKEN,)
    public_url: str = "http://127.0.0.1:8765"
    rate_limit: float | None = None  # requests/s per token; None = unlimited
    rate_burst: int = 3
    # Tokens that act as the workspace's person (``Workspace Owner``) instead of the bot.
    person_tokens: tuple[str, ...] = ()
    # URLs subscribed at start, as ``POST /_admin/webhooks`` would (idempotent by URL).
    webhook_urls: tuple[str, ...] = ()
    # Events of one type about one entity within this many seconds are merged; 0: none.
    webhook_aggregation_seconds: float = 1.0
    # The first retry of a failed delivery waits about this long, then twice as long each time.
    webhook_retry_base_seconds: float = 1.0
    # ``/_admin`` asks for one of ``tokens`` (a server reachable from other machines).
    admin_needs_token: bool = False


class GroupCommit:
    """One COMMIT for the writes of every request handled in one turn of an event loop.

    The first writing request of a turn opens a group transaction (``Storage.open_group``)
    and schedules its commit for the end of the turn; each request's own transaction is a
    savepoint in it, undone alone if the request fails. A request is answered only once the
    group is committed, so every answered write is as durable as before; a request that
    reads waits for an open group first, so no answer shows uncommitted data. With several
    clients, the requests that arrived together share the cost of committing.

    Each event loop has a group of its own: the embedded hub serves this app on uvicorn's
    loop and on its in-process transport's loop at once, and an asyncio future wakes only
    tasks of the loop it belongs to (completed from another thread, it leaves the waiting
    loop asleep). Across loops the storage lock does the waiting: a group holds it from
    open to commit, so the other loop's requests (and its own group) wait for the COMMIT.
    """

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        # The open group of each loop, touched only from that loop's thread.
        self._open: dict[asyncio.AbstractEventLoop, asyncio.Future[None]] = {}

    def join(self) -> asyncio.Future[None]:
        """Open this loop's group if needed; the future is done once it is committed."""
        loop = asyncio.get_running_loop()
        committed = self._open.get(loop)
        if committed is None:
            self._storage.open_group()  # waits while another loop's group is open
            committed = self._open[loop] = loop.create_future()
            loop.call_soon(self._commit, loop)
        return committed

    async def settled(self) -> None:
        """Wait until this loop has no open group (committed or not: the writers answer
        for it). Another loop's open group holds the storage lock, so it keeps the read
        out until it commits."""
        loop = asyncio.get_running_loop()
        while (committed := self._open.get(loop)) is not None:
            await asyncio.wait({committed})

    def _commit(self, loop: asyncio.AbstractEventLoop) -> None:
        committed = self._open.pop(loop, None)
        if committed is None:
            return
        try:
            self._storage.commit_group()
        except Exception as error:
            committed.set_exception(error)
        else:
            committed.set_result(None)


@dataclass
class ServerState:
    """What the running server holds besides its data: counters, faults, limits."""

    workspace: Workspace
    tokens: frozenset[str]
    stats: RequestStats = field(default_factory=RequestStats)
    faults: FaultPlan = field(default_factory=FaultPlan)
    limiter: RateLimiter | None = None
    group: GroupCommit | None = None
    person_tokens: frozenset[str] = frozenset()
    webhooks: WebhookNotifier | None = None


class FastJSONResponse(JSONResponse):
    """A JSON response encoded by orjson: the same JSON as Starlette's, several times faster.

    orjson refuses what it cannot encode (e.g. an integer beyond 64 bits), and then the
    standard encoder answers as Starlette's would. Parts already encoded (``orjson.Fragment``)
    come only in content orjson encodes whole (``query.query_data_source_encoded``).
    """

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content)
        except TypeError:
            return super().render(content)


def _error_response(error: NotionAPIError) -> JSONResponse:
    headers = {}
    if error.retry_after is not None:
        headers["Retry-After"] = str(int(error.retry_after))
    if isinstance(error, BodyTooLarge):
        headers["Connection"] = "close"  # the rest of the body is not read: stop the sender
    return JSONResponse(error.to_body(request_id=str(uuid.uuid4())), error.status, headers)


def _check_version(version: str | None) -> None:
    """Refuse a request without ``Notion-Version``, or for a version this server doesn't speak.

    Versions change what requests and answers mean (2025-09-03 moved queries to data sources),
    so a client written for another version is told plainly instead of being misunderstood.
    """
    if version is None:
        raise MissingVersion(
            "Notion-Version header failed validation: Notion-Version header should be"
            " defined, instead was `undefined`."
        )
    if version != API_VERSION:
        raise ValidationFailed(
            f"Notion-Version header failed validation: this local Notion server speaks"
            f" `{API_VERSION}` only, instead was `{version}`."
        )


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def _apply_limits(state: ServerState, token: str) -> None:
    """Rate limit first (as Notion does), then any injected fault."""
    if state.limiter is not None:
        wait = state.limiter.acquire(token)
        if wait > 0:
            raise RateLimited(
                "You have been rate limited. Please try again in a few seconds.",
                retry_after=float(RateLimiter.retry_after_header(wait)),
                additional_data={"rate_limit_reason": "integration_rate_limit"},
            )
    fault = state.faults.draw()
    if fault == "rate_limited":
        raise RateLimited(
            "You have been rate limited (injected fault).",
            retry_after=state.faults.retry_after,
            additional_data={"rate_limit_reason": "integration_rate_limit"},
        )
    if fault == "server_error_500":
        raise InternalServerError("Unexpected error occurred (injected fault).")
    if fault == "server_error_503":
        raise ServiceUnavailable("Notion is unavailable, try again later (injected fault).")
    if fault == "timeout":
        await asyncio.sleep(state.faults.slow_seconds)


def _endpoint(
    state: ServerState, route: str, handler: Callable[[Call], Any]
) -> Callable[[Request], Awaitable[Response]]:
    async def serve(request: Request) -> Response:
        arrived = time.time()
        token = _bearer(request)
        status = 500
        try:
            person = token in state.person_tokens
            if token is None or not (person or token in state.tokens):
                raise Unauthorized("API token is invalid.")
            _check_version(request.headers.get("notion-version"))
            await _apply_limits(state, token)
            body = await _read_request_body(request, route)
            call = Call(state.workspace, request.path_params, request.query_params, body)
            watched = _watched(state, route, handler, person)
            with serving_uploads(state.workspace):
                result = await _handle(state, route, watched.run if watched else handler, call)
            if watched is not None and watched.watch is not None:
                watched.watch.publish()  # the write is committed: ``_handle`` waited for it
            status = 200
            return FastJSONResponse(result)
        except NotionAPIError as error:
            status = error.status
            log.info(
                "notion_request_refused",
                route=route,
                status=error.status,
                code=error.code,
                message=error.message,
            )
            return _error_response(error)
        except Exception:
            log.exception("notion_request_failed", route=route)
            return _error_response(InternalServerError("Unexpected error occurred."))
        finally:
            state.stats.record(route, status, (token or "")[-4:], arrived)

    return serve


async def _read_request_body(request: Request, route: str) -> dict[str, Any]:
    """The JSON object of a write's body, or the fields of a form for routes that take one."""
    reader = BODY_READERS.get(route)
    if reader is not None:
        return await reader(request)
    raw = await read_body(request) if request.method in ("POST", "PATCH") else b""
    return parse_body(raw)


@dataclass
class _Watched:
    """A handler run as a person and/or under a webhook watch (see ``WebhookNotifier.watch``)."""

    workspace: Workspace
    handler: Callable[[Call], Any]
    user_id: str
    watch: WriteWatch | None

    def run(self, call: Call) -> Any:
        # Handlers run synchronously, one at a time: the acting user holds for exactly this one.
        with self.workspace.acting_as(self.user_id):
            if self.watch is None:
                return self.handler(call)
            return self.watch.run(lambda: self.handler(call), call.path, call.body)


def _watched(
    state: ServerState, route: str, handler: Callable[[Call], Any], person: bool
) -> _Watched | None:
    """How to run a request's handler: as is (the bot, nobody listening), or watched."""
    ws, notifier = state.workspace, state.webhooks
    watch = notifier.watch(route, person) if notifier is not None else None
    if not person and watch is None:
        return None
    return _Watched(ws, handler, ws.person_id if person else ws.bot_id, watch)


# Routes that only read; every other route may write and joins the turn's group commit.
_READ_ONLY = (
    "GET ",
    "POST /v1/search",
    "POST /v1/data_sources/{data_source_id}/query",
    "POST /v1/blocks/meeting_notes/query",
)


async def _handle(
    state: ServerState, route: str, handler: Callable[[Call], Any], call: Call
) -> Any:
    """Run the handler; a write is answered after its group commits, a read after any group."""
    group = state.group
    if group is None:
        return handler(call)
    if route.startswith(_READ_ONLY):
        await group.settled()
        return handler(call)
    committed = group.join()
    try:
        result = handler(call)
    finally:
        await asyncio.shield(committed)
    return result


def _admin_routes(state: ServerState) -> list[Route]:
    async def stats(request: Request) -> Response:
        return JSONResponse(state.stats.snapshot(request.query_params.get("log") == "1"))

    async def reset_stats(request: Request) -> Response:
        state.stats.reset()
        return JSONResponse({"ok": True})

    async def faults(request: Request) -> Response:
        try:
            state.faults = FaultPlan.from_body(parse_body(await read_body(request)))
        except NotionAPIError as error:
            return _error_response(error)
        return JSONResponse(state.faults.describe())

    async def rate_limit(request: Request) -> Response:
        try:
            state.limiter = RateLimiter.from_body(parse_body(await read_body(request)))
        except NotionAPIError as error:
            return _error_response(error)
        return JSONResponse(state.limiter.describe() if state.limiter else {"rate": None})

    return [
        Route("/_admin/stats", stats, methods=["GET"]),
        Route("/_admin/reset-stats", reset_stats, methods=["POST"]),
        Route("/_admin/faults", faults, methods=["POST"]),
        Route("/_admin/rate-limit", rate_limit, methods=["POST"]),
    ]


async def _not_found(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    message = f"Invalid request URL: {request.method} {request.url.path}"
    if status == 405:
        message = f"Method {request.method} is not allowed on {request.url.path}."
    return _error_response(InvalidRequestURL(message))


def _lifespan(
    storage: Storage, webhooks: WebhookNotifier
) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    """Start the webhook sender (if anyone subscribed); on stop, stop it and close the files.

    Mounted inside another app (the hub), this lifespan does not run: the sender then starts
    on first need (a subscription, an event) and the host closes it (``app.state.notion``).
    """

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        webhooks.start()
        try:
            yield
        finally:
            webhooks.close()
            storage.close()

    return lifespan


def create_app(config: LocalNotionConfig) -> Starlette:
    """A local Notion server over the SQLite file in ``config.data_dir``."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    storage = Storage(config.data_dir / DATABASE_FILE)
    workspace = Workspace(storage, public_url=config.public_url)
    if ensure_index(storage):
        log.info("property_index_rebuilt", version=INDEX_VERSION)
    webhooks = WebhookNotifier(
        workspace,
        config.data_dir,
        aggregation_seconds=config.webhook_aggregation_seconds,
        retry_base_seconds=config.webhook_retry_base_seconds,
    )
    for url in config.webhook_urls:
        webhooks.subscribe(url)
    state = ServerState(
        workspace=workspace,
        tokens=frozenset(config.tokens),
        group=GroupCommit(storage),
        person_tokens=frozenset(config.person_tokens),
        webhooks=webhooks,
    )
    if config.rate_limit is not None:
        state.limiter = RateLimiter(config.rate_limit, config.rate_burst)
    routes = [
        Route(path, _endpoint(state, f"{method} {path}", handler), methods=[method])
        for method, path, handler in [
            *ENDPOINTS,
            *PAGE_AND_COMMENT_ENDPOINTS,
            *FILE_UPLOAD_ENDPOINTS,
            *VIEW_AND_LIST_ENDPOINTS,
        ]
    ]
    app = Starlette(
        routes=[
            *routes,
            *_admin_routes(state),
            *webhook_routes(webhooks),
            *file_routes(workspace),
        ],
        exception_handlers={404: _not_found, 405: _not_found},
        lifespan=_lifespan(storage, webhooks),
        middleware=[Middleware(AdminNeedsToken, config.tokens)] if config.admin_needs_token else [],
    )
    app.state.notion = state
    # Everything loaded so far (modules, functions, types: tens of thousands of objects) lives
    # as long as the process. Keep it out of the garbage collector's full passes, which would
    # otherwise walk it all every few requests: tens of milliseconds on a small machine.
    gc.freeze()
    return app


def webhook_subscriptions(app: Starlette) -> list[Subscription]:
    """The webhook subscriptions of an app made by ``create_app``."""
    state: ServerState = app.state.notion
    return state.webhooks.subscriptions() if state.webhooks is not None else []
