"""The webhook routes: read (≤ 1 MiB), handshake, verify, parse, store, answer 202.

Every refusal is an ``IngestError`` with its HTTP status, answered as
``{"error": <kind>, "message": …}`` and logged with the reason (never the secret).
"""

from __future__ import annotations

import os
import pathlib
from typing import Annotated

import orjson
import structlog
from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response

from notionhub.errors import (
    EventLogRetryLater,
    EventLogUnavailable,
    HubDatabaseUnavailable,
    PayloadTooLarge,
    SecretNotConfigured,
)
from notionhub.ingest.event import MAX_BODY_BYTES, Event, Reply, WebhookRequest
from notionhub.ingest.http_answers import WEBHOOK_RESPONSES, ErrorAnswer, webhook_body
from notionhub.ingest.providers.forms import BODY_SCHEMA as FORM_BODY
from notionhub.ingest.registry import HOOK_PROVIDERS
from notionhub.web.state import HubState

router = APIRouter()
# The routes take the bare Request (no dependencies, no body model): this is the hot path, and
# FastAPI's dependency solving costs as much as verifying a signature.


@router.post(
    "/hooks/{provider}",
    status_code=202,
    tags=["ingest"],
    responses={
        **WEBHOOK_RESPONSES,
        404: {"model": ErrorAnswer, "description": "No provider of that name."},
    },
    openapi_extra=webhook_body(),
)
async def receive_hook(
    provider: Annotated[str, Path(description=f"{', '.join(HOOK_PROVIDERS)}, or a pack's.")],
    request: Request,
) -> Response:
    """A provider's webhook (stripe, calcom, zoom, typeform, woocommerce, hubspot, …)."""
    return await receive_webhook(provider, request)


@router.post(
    "/webhooks/typeform",
    status_code=202,
    tags=["ingest"],
    responses=WEBHOOK_RESPONSES,
    openapi_extra=webhook_body(),
)
async def typeform_webhook(request: Request) -> Response:
    """The network server's Typeform webhook: the same as ``/hooks/typeform``."""
    return await receive_webhook("typeform", request)


@router.post(
    "/api/forms/submit",
    status_code=202,
    tags=["ingest"],
    responses=WEBHOOK_RESPONSES,
    openapi_extra=webhook_body(FORM_BODY),
)
async def form_submission(request: Request) -> Response:
    """A website form's submission, posted by its backend (bearer ``INTERNAL_API_KEY``)."""
    return await receive_webhook("forms", request)


async def receive_webhook(name: str, request: Request) -> Response:
    """Read, verify, parse and store one delivery of provider ``name``; answer 202 when stored.

    Also the way a pack's own route takes in what it receives (``notionhub.packs.web``).
    """
    hub: HubState = request.app.state.hub
    log = hub.ingest_log
    provider = hub.providers.get(name)
    # For the refusal's log line and metric (``app.py``): the provider, not the route's path.
    request.state.ingest_provider = name
    body = await _read_body(request)
    webhook = WebhookRequest(
        method=request.method,
        url=str(request.url),
        headers=request.headers,
        body=body,
        received_at=hub.runtime.clock(),
    )
    secret = hub.settings.secret(provider.secret_env)
    reply = provider.handshake(webhook, secret)
    if reply is None:
        if secret is None:
            raise SecretNotConfigured(
                f"{provider.secret_env} is not set: {name} webhooks are refused until it is."
            )
        provider.verify(webhook, secret)
        parsed = provider.parse(webhook, secret)
        echo = None if isinstance(parsed, Reply) else hub.runtime.own_echo(parsed)
        if echo is not None and not isinstance(parsed, Reply):
            # The hub's own write, told back by Notion: nothing to do, nothing to keep.
            hub.metrics.events_received.labels(provider=name, outcome="own_edit").inc()
            log.debug("webhook_own_edit", provider=name, event_id=parsed.idempotency_key)
            skipped = {"event_id": parsed.idempotency_key, "skipped": echo}
            return Response(orjson.dumps(skipped), 200, media_type="application/json")
        if not isinstance(parsed, Reply):
            is_new = await store_event(hub, parsed)
            outcome = "accepted" if is_new else "duplicate"
            hub.metrics.events_received.labels(provider=name, outcome=outcome).inc()
            log.info(
                "webhook_" + outcome,
                provider=name,
                event_id=parsed.idempotency_key,
                type=parsed.type,
            )
            answer = {"event_id": parsed.idempotency_key, "duplicate": not is_new}
            return Response(orjson.dumps(answer), 202, media_type="application/json")
        reply = parsed
    if reply.captured_secret is not None:
        path = _save_captured_secret(hub.settings.notionhub_home, name, reply.captured_secret)
        structlog.get_logger("notionhub.ingest").warning(
            "webhook_secret_captured",
            provider=name,
            saved_to=str(path),
            next_step=f"set {provider.secret_env} to the value in that file",
        )
    hub.metrics.events_received.labels(provider=name, outcome="reply").inc()
    log.info("webhook_reply", provider=name, reason=reply.reason, status=reply.status)
    return JSONResponse(reply.body, status_code=reply.status)


async def store_event(hub: HubState, event: Event) -> bool:
    """Store an event durably (True if new); ``EventLogUnavailable`` (503) when it cannot be."""
    if hub.intake is None:
        raise RuntimeError("The hub's intake is not running.")
    try:
        return await hub.intake.accept(event)
    except HubDatabaseUnavailable as error:  # busy or full: 503 with Retry-After
        raise EventLogRetryLater(f"{error} Nothing was accepted.") from error
    except Exception as error:
        raise EventLogUnavailable(
            "The event could not be stored; nothing was accepted, please retry."
        ) from error


async def _read_body(request: Request) -> bytes:
    """The body, refused with 413 as soon as it passes the limit (before reading the rest)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"The body is {declared} bytes; the limit is {MAX_BODY_BYTES}.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"The body is over the limit of {MAX_BODY_BYTES} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


def _save_captured_secret(home: pathlib.Path, provider: str, secret: str) -> pathlib.Path:
    """Write a handed-over secret to ``<home>/<provider>-verification-token`` (mode 600)."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / f"{provider}-verification-token"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(secret + "\n")
    return path
