"""Who may use the console, with which role, and the forms' CSRF check (docs/roles.md).

- A key configured (``INTERNAL_API_KEY``, or a key of ``notionhub keys add``): a session signed
  in at ``/login`` with any such key (a cookie naming the key and its role, never the key), or
  the key as a bearer token (scripts; a browser never sends that header by itself, so it needs
  no CSRF token). Anyone else gets the sign-in form, with status 401.
- No key at all: callers on this machine only (403 otherwise), as the event API.

Each page declares the permission it needs (``console_viewer("events:read")``); a key whose
role lacks it is answered 403, and ``Access.may_change(permission)`` hides the buttons a role
may not press (an analyst sees everything read-only). A session's key is looked up on every
request, so a revoked key's sessions end at once and a role change applies at once.

Every POST from a session carries its ``csrf_token`` (checked here); the cookie is
``SameSite=Lax`` and ``HttpOnly``, and ``Secure`` when the request came over https.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs

import anyio.to_thread
from fastapi import HTTPException, Request
from fastapi.responses import Response

from notionhub.roles import PERMISSIONS, Role
from notionhub.web.authorization import (
    INTERNAL_KEY_NAME,
    LOOPBACK_NAME,
    Caller,
    bearer_token,
    caller_named,
    caller_of_key,
    is_loopback,
    keys_configured,
    lacks,
    record,
    refuse,
)
from notionhub.web.console.session import (
    COOKIE,
    CSRF_FIELD,
    LIFETIME_SECONDS,
    Session,
    SessionSigner,
    fresh_session,
)
from notionhub.web.state import HubState

MAX_FORM_BYTES = 256 * 1024  # a selection of 500 event ids of 300 characters fits


class SignInRequired(Exception):
    """The console needs a signed-in session (answered with the sign-in form, 401)."""


class NotForThisRole(Exception):
    """The caller's role lacks the page's permission (answered with a page saying so, 403)."""


@dataclass
class Access:
    """The caller of a console page: its session, who it is, and how it got in."""

    session: Session
    caller: Caller | None = None  # None: not signed in (the sign-in form)
    bearer: bool = False  # the key as a bearer token: no cookie, no CSRF
    issue_cookie: bool = False  # the session is new (or changed): send its cookie

    def may_change(self, permission: str) -> bool:
        """True when the caller's role grants ``permission`` (``events:replay``,
        ``providers:test``): the buttons that change something are drawn only then."""
        return self.caller is not None and self.caller.may(permission)

    def keep(self, request: Request, response: Response, signer: SessionSigner) -> Response:
        """Send the session's cookie when it is new or changed."""
        if self.issue_cookie and not self.bearer:
            set_session_cookie(request, response, signer.dump(self.session))
        return response


def set_session_cookie(request: Request, response: Response, value: str) -> None:
    response.set_cookie(
        COOKIE,
        value,
        max_age=LIFETIME_SECONDS,
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="lax",
    )


def current_session(request: Request, signer: SessionSigner) -> tuple[Session, bool]:
    """The request's session, or a new one (True: new, its cookie must be sent)."""
    now = _now(request)
    found = signer.load(request.cookies.get(COOKIE), now)
    return (found, False) if found is not None else (fresh_session(now), True)


class console_viewer:  # noqa: N801 (used as a function: ``Depends(console_viewer("…"))``)
    """A FastAPI dependency: the caller of a console page needing ``permission``."""

    def __init__(self, permission: str) -> None:
        if permission not in PERMISSIONS:
            raise KeyError(f"unknown permission {permission!r}")
        self.permission = permission

    async def __call__(self, request: Request) -> Access:
        access = await _access(request, self.permission)
        assert access.caller is not None
        if not access.caller.may(self.permission):
            message = lacks(access.caller, self.permission)
            await refuse(request, access.caller, self.permission, 403, message)
            raise NotForThisRole(message)
        return access


async def _access(request: Request, permission: str) -> Access:
    hub: HubState = request.app.state.hub
    signer: SessionSigner = request.app.state.console.signer
    session, new = current_session(request, signer)
    if not await anyio.to_thread.run_sync(keys_configured, hub):
        if not is_loopback(request):
            message = "The console answers other hosts only once INTERNAL_API_KEY is set."
            raise await refuse(request, None, permission, 403, message)
        return Access(session, Caller(LOOPBACK_NAME, Role.ADMIN), issue_cookie=new)
    token = bearer_token(request)
    if token is not None:
        caller = await anyio.to_thread.run_sync(caller_of_key, hub, token)
        if caller is not None:
            return Access(session, caller, bearer=True)
    if session.signed_in:
        name = session.key_name or INTERNAL_KEY_NAME  # sessions made before roles: that key's
        caller = await anyio.to_thread.run_sync(caller_named, hub, name)
        if caller is not None:
            return Access(session, caller)
    await record(
        request,
        None,
        "denied",
        f"{request.method} {request.url.path}",
        success=False,
        details=f"401 {permission}",
    )
    raise SignInRequired


async def checked_form(request: Request, access: Access) -> dict[str, list[str]]:
    """The POSTed form, once its CSRF token is the session's (403 otherwise)."""
    body = await _body(request)
    form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    if not access.bearer and not access.session.accepts(_first(form, CSRF_FIELD)):
        message = "The form's CSRF token is missing or stale: reload the page."
        raise await refuse(request, access.caller, "csrf", 403, message)
    return form


async def _body(request: Request) -> bytes:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise HTTPException(413, "The form is too large.")
    return body


def _first(form: dict[str, list[str]], name: str) -> str | None:
    values = form.get(name)
    return values[0] if values else None


def form_value(form: dict[str, list[str]], name: str) -> str:
    return _first(form, name) or ""


def _now(request: Request) -> float:
    hub: HubState = request.app.state.hub
    return hub.store.clock()
