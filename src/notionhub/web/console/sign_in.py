"""``/login`` (a form with ``api_key``: ``INTERNAL_API_KEY`` or any key of ``notionhub keys
add``; the session then names the key and its role) and ``/logout``.

Sign-in is CSRF-checked too (the form's token is the one of the anonymous session the form's
page set), so another site cannot sign a browser in to a session of its choosing. A new
session, with a new CSRF token, begins at sign-in.
"""

from __future__ import annotations

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notionhub.web.authorization import caller_of_key, keys_configured, record
from notionhub.web.console.access import (
    Access,
    SignInRequired,
    checked_form,
    current_session,
    form_value,
    set_session_cookie,
)
from notionhub.web.console.rendering import page
from notionhub.web.console.session import COOKIE, SessionSigner
from notionhub.web.state import HubState

router = APIRouter(include_in_schema=False)


def _signer(request: Request) -> SessionSigner:
    signer: SessionSigner = request.app.state.console.signer
    return signer


def _after(target: str) -> str:
    """Where to go after signing in: a path of this hub only (never another site)."""
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else "/"


def sign_in_form(
    request: Request, *, status_code: int = 200, error: str = "", then: str = "/"
) -> HTMLResponse:
    session, new = current_session(request, _signer(request))
    access = Access(session, issue_cookie=new)
    return page(
        request, access, "sign_in.html", status_code=status_code, error=error, then=_after(then)
    )


async def sign_in_required(request: Request, _error: Exception) -> Response:
    """The answer to a console page asked without a session: the sign-in form (401)."""
    assert isinstance(_error, SignInRequired)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return sign_in_form(request, status_code=401, then=target)


async def not_for_this_role(request: Request, error: Exception) -> Response:
    """The answer to a page or form the caller's role may not use: a page saying why (403)."""
    return page(
        request,
        None,
        "message.html",
        status_code=403,
        title="Not for your role",
        message=str(error),
    )


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, then: str = "/") -> Response:
    hub: HubState = request.app.state.hub
    if not await anyio.to_thread.run_sync(keys_configured, hub):
        return RedirectResponse("/", status_code=303)  # nothing to sign in to: loopback only
    return sign_in_form(request, then=then)


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    hub: HubState = request.app.state.hub
    if not await anyio.to_thread.run_sync(keys_configured, hub):
        return RedirectResponse("/", status_code=303)
    session, _new = current_session(request, _signer(request))
    form = await checked_form(request, Access(session))
    then = _after(form_value(form, "then") or "/")
    given = form_value(form, "api_key")
    caller = await anyio.to_thread.run_sync(caller_of_key, hub, given)
    if caller is None:
        await record(request, None, "denied", "POST /login", success=False, details="401 sign-in")
        return sign_in_form(request, status_code=401, error="That is not the key.", then=then)
    await record(request, caller, "console.sign_in", "console", success=True)
    answer = RedirectResponse(then, status_code=303)
    signed_in = session.signed_in_now(hub.store.clock(), caller.name, caller.role.value)
    set_session_cookie(request, answer, _signer(request).dump(signed_in))
    return answer


@router.post("/logout")
async def logout(request: Request) -> Response:
    session, _new = current_session(request, _signer(request))
    await checked_form(request, Access(session))
    answer = RedirectResponse("/login", status_code=303)
    answer.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="lax", secure=request.url.scheme == "https"
    )
    return answer
