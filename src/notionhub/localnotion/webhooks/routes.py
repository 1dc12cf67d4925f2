"""The admin API of the webhooks: ``/_admin/webhooks``.

``POST`` ``{"url", "event_types"?}`` subscribes a URL (201; 200 with the existing subscription
when the URL has one already) and answers its ``verification_token``; ``GET`` lists every
subscription with its delivery state; ``DELETE /_admin/webhooks/{id}`` removes one and its
pending deliveries.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from notionhub.errors import NotionAPIError, ObjectNotFound, ValidationFailed
from notionhub.localnotion.api.request_body import parse_body
from notionhub.localnotion.webhooks.events import EVENT_TYPES
from notionhub.localnotion.webhooks.notifier import WebhookNotifier


def _error(error: NotionAPIError) -> JSONResponse:
    return JSONResponse(error.to_body(request_id=str(uuid.uuid4())), error.status)


def subscription_request(body: dict[str, Any]) -> tuple[str, tuple[str, ...] | None]:
    """The URL and event types of a ``POST /_admin/webhooks`` body, checked."""
    url = body.get("url")
    if not isinstance(url, str) or not _is_http_url(url):
        raise ValidationFailed(f"body.url should be an http(s) URL, instead was `{url!r}`.")
    raw_types = body.get("event_types")
    if raw_types is None:
        return url, None
    if not isinstance(raw_types, list):
        raise ValidationFailed("body.event_types should be a list of event types or null.")
    types: list[str] = []
    for index, kind in enumerate(raw_types):
        if not isinstance(kind, str) or kind not in EVENT_TYPES:
            raise ValidationFailed(
                f"body.event_types[{index}] should be one of {', '.join(sorted(EVENT_TYPES))},"
                f" instead was `{kind!r}`."
            )
        if kind not in types:
            types.append(kind)
    return url, tuple(types)


def _is_http_url(text: str) -> bool:
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL:
        return False
    return url.scheme in ("http", "https") and bool(url.host)


def webhook_routes(notifier: WebhookNotifier) -> list[Route]:
    async def create(request: Request) -> Response:
        try:
            url, types = subscription_request(parse_body(await request.body()))
        except NotionAPIError as error:
            return _error(error)
        sub, created = notifier.subscribe(url, types)
        return JSONResponse(
            notifier.describe(sub, with_token=True), status_code=201 if created else 200
        )

    async def listing(request: Request) -> Response:
        described = [notifier.describe(sub) for sub in notifier.subscriptions()]
        return JSONResponse({"subscriptions": described})

    async def delete(request: Request) -> Response:
        subscription_id = request.path_params["subscription_id"]
        if not notifier.unsubscribe(subscription_id):
            return _error(ObjectNotFound(f"Could not find webhook subscription {subscription_id}."))
        return JSONResponse({"id": subscription_id, "deleted": True})

    return [
        Route("/_admin/webhooks", create, methods=["POST"]),
        Route("/_admin/webhooks", listing, methods=["GET"]),
        Route("/_admin/webhooks/{subscription_id}", delete, methods=["DELETE"]),
    ]
