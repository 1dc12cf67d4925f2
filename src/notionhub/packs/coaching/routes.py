"""The coaching pack's route: the coaching app's internal endpoint."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from notionhub.ingest.http_answers import WEBHOOK_RESPONSES, webhook_body
from notionhub.packs.web import receive_webhook

router = APIRouter(tags=["coaching"])


@router.post(
    "/api/notion/notion-handler",
    status_code=202,
    responses=WEBHOOK_RESPONSES,
    openapi_extra=webhook_body(),
)
async def coaching_app_handler(request: Request) -> Response:
    """The coaching app's internal endpoint (bearer ``INTERNAL_API_KEY``): its bookings and
    checkouts, taken in like a provider's webhook (docs/providers/coaching-app.md)."""
    return await receive_webhook("coaching-app", request)
