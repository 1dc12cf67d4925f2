"""The embedded local Notion as the hub serves it at ``/notion``, closed to strangers.

By default it answers this machine only (loopback clients), whatever the token:
``LOCAL_NOTION_ALLOW_REMOTE=true`` opens it to others (docs/first-hour-safety.md), and then a
hub listening beyond loopback accepts a generated token, not the default one.

On its own port the local Notion server is a test tool, and its ``/_admin`` API (request counts,
injected faults, webhook subscriptions) asks for no key. Mounted on the hub it would let anyone
who reaches the hub subscribe a URL of theirs to every change (customers' data), read the hub's
own subscription back with its verification token (and so sign Notion webhooks the hub accepts),
or inject faults. Here ``/_admin`` is an operator route, as the event API is; ``/v1`` keeps
Notion's bearer token, and the published default token is honoured from this machine only.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from notionhub.errors import NotionAPIError, RestrictedResource, Unauthorized
from notionhub.localnotion.exposure import is_loopback
from notionhub.localnotion.tokens import DEFAULT_TOKEN
from notionhub.web.authorization import Caller, authorize, record
from notionhub.web.state import HubState


class GuardedLocalNotion:
    """``app`` (the local Notion), with its admin API for operators only."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # Listed like the wrapped app's, so the hub's routes can be enumerated (tests, docs).
        self.routes: Sequence[BaseRoute] = getattr(app, "routes", [])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope)
            refused_by_host = _from_afar_unless_allowed(request)
            if refused_by_host is not None:
                await _answer(refused_by_host, scope, receive, send)
                return
            if _route_path(scope).startswith("/_admin"):
                try:
                    caller = await authorize(request, "notion:admin")  # 401/403 as the API's
                except HTTPException as error:
                    await _answer(_notion_error(error), scope, receive, send)
                    return
                if request.method != "GET":
                    await _audited(self.app, caller, request, receive, send)
                    return
            elif _default_token_from_afar(request):
                refused = Unauthorized(
                    "The default LOCAL_NOTION_TOKEN is accepted from this machine only: set"
                    " LOCAL_NOTION_TOKEN to a secret of your own to reach this Notion from others."
                )
                await _answer(refused, scope, receive, send)
                return
        await self.app(scope, receive, send)


async def _audited(
    app: ASGIApp, caller: Caller, request: Request, receive: Receive, send: Send
) -> None:
    """Serve an admin write (faults, webhook subscriptions) and record it in the audit log
    before the answer's last part is sent: a caller that has the answer finds the entry."""
    statuses: list[int] = []
    recorded: list[bool] = []

    async def audit() -> None:
        status = statuses[0] if statuses else 500
        recorded.append(True)
        await record(
            request,
            caller,
            "notion.admin",
            f"{request.method} {_route_path(request.scope)}",
            success=status < 400,
            details=str(status),
        )

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            statuses.append(int(message["status"]))
        elif message["type"] == "http.response.body" and not message.get("more_body", False):
            await audit()
        await send(message)

    try:
        await app(dict(request.scope), receive, sending)  # a copy: the app sets its own "app"
    finally:
        if not recorded:  # the app ended without a complete answer
            await audit()


async def _answer(error: NotionAPIError, scope: Scope, receive: Receive, send: Send) -> None:
    await JSONResponse(error.to_body(), status_code=error.status)(scope, receive, send)


def _notion_error(error: HTTPException) -> NotionAPIError:
    """The operator check's refusal as a Notion error object (this is a Notion API)."""
    if error.status_code == 401:
        return Unauthorized(str(error.detail))
    return RestrictedResource(str(error.detail))


def _from_afar_unless_allowed(request: Request) -> NotionAPIError | None:
    hub: HubState = request.app.state.hub
    if hub.settings.local_notion_allow_remote:
        return None
    host = request.client.host if request.client is not None else None
    if is_loopback(host):
        return None
    return RestrictedResource(
        "The embedded Notion answers this machine only: to reach it from others set"
        " LOCAL_NOTION_ALLOW_REMOTE=true and send the token `notionhub notion-token` prints."
    )


def _route_path(scope: Scope) -> str:
    """The path inside the mount (``/_admin/stats`` of ``/notion/_admin/stats``)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def _default_token_from_afar(request: Request) -> bool:
    hub: HubState = request.app.state.hub
    if hub.settings.local_notion_token.get_secret_value() != DEFAULT_TOKEN:
        return False
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or token.strip() != DEFAULT_TOKEN:
        return False
    return not is_loopback(request.client.host if request.client is not None else None)
