"""Providers: the webhook URL to paste, whether the secret is set (never its value), the last
delivery, and a "send test event" button that signs an example the provider's way and hands it
to the hub's own ``/hooks/{provider}`` (in-process), as ``notionhub send-test`` does over HTTP."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

import anyio.to_thread
import httpx
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notionhub.doctor import provider_statuses, public_url
from notionhub.example_events import EXAMPLES
from notionhub.ingest.registry import get_provider
from notionhub.web.authorization import record
from notionhub.web.console.access import Access, checked_form, console_viewer
from notionhub.web.console.rendering import page
from notionhub.web.state import HubState
from notionhub.webhook_signing import signed_example

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Access, Depends(console_viewer("providers:read"))]
Tester = Annotated[Access, Depends(console_viewer("providers:test"))]


@router.get("/console/providers", response_class=HTMLResponse)
async def providers_page(request: Request, access: Viewer) -> HTMLResponse:
    hub: HubState = request.app.state.hub
    statuses = await anyio.to_thread.run_sync(provider_statuses, hub.settings, hub.store.engine)
    return page(
        request,
        access,
        "providers.html",
        section="providers",
        providers=statuses,
        examples=set(EXAMPLES),
        sent=request.query_params.get("sent"),
    )


@router.post("/console/providers/{provider}/test", response_class=HTMLResponse)
async def send_test_event(request: Request, access: Tester, provider: str) -> Response:
    """Sign and deliver an example event of ``provider``; show the event it became."""
    await checked_form(request, access)
    hub: HubState = request.app.state.hub
    if provider not in EXAMPLES:
        raise HTTPException(404, f"No example events for {provider!r}.")
    variable = get_provider(provider).secret_env
    secret = hub.settings.secret(variable)
    if secret is None:
        return page(
            request,
            access,
            "message.html",
            section="providers",
            status_code=409,
            title="Secret not set",
            message=f"{variable} is not set: the hub refuses {provider} deliveries.",
        )
    now = datetime.fromtimestamp(hub.store.clock(), tz=UTC)
    example = signed_example(
        provider, None, secret, public_url(hub.settings), now, secrets.token_hex(4)
    )
    transport = httpx.ASGITransport(request.app, client=("127.0.0.1", 0))
    async with httpx.AsyncClient(transport=transport, timeout=30) as client:
        answer = await client.post(example.url, content=example.body, headers=example.headers)
    event_id = str(answer.json().get("event_id", "")) if answer.status_code == 202 else ""
    await record(
        request,
        access.caller,
        "providers.send_test",
        f"provider:{provider}",
        success=answer.status_code == 202,
        details=f"/hooks/{provider} answered {answer.status_code} {event_id}".strip(),
    )
    if answer.status_code != 202:
        return page(
            request,
            access,
            "message.html",
            section="providers",
            status_code=502,
            title="Test event refused",
            message=f"/hooks/{provider} answered {answer.status_code}: {answer.text[:300]}",
        )
    return RedirectResponse(f"/console/events/{quote(event_id, safe='')}", status_code=303)
