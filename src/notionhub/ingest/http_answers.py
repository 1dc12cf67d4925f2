"""What a webhook route answers, as OpenAPI describes it: one place, for the hub's routes and the
packs' own webhook routes (``responses=WEBHOOK_RESPONSES, openapi_extra=webhook_body()``).

Every refusal has the body ``{"error": <kind>, "message": <why>}`` (``ErrorAnswer``).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class ErrorAnswer(BaseModel):
    """A refusal: its kind (``signature_rejected`` …) and a message saying why."""

    model_config = ConfigDict(extra="allow")

    error: str
    message: str


class Accepted(BaseModel):
    """202: the event is stored (``duplicate`` when it was already)."""

    event_id: str
    duplicate: bool


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorAnswer, "description": description}


# The answers of a route taking deliveries (see ``docs/ingest-limits.md``). 200 is a provider's
# handshake or ping answered without storing anything (its body is the provider's), or the hub's
# own edit told back by Notion.
WEBHOOK_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Answered without storing: a handshake, a ping, or the hub's own edit.",
        "content": {"application/json": {"schema": {"type": "object"}}},
    },
    202: {"model": Accepted, "description": "Stored (or already stored: duplicate)."},
    400: _error("The body does not parse, lacks a field, or is over an ingest limit."),
    401: _error("The signature (or bearer key) is missing, wrong or stale."),
    413: _error("The body is over 1 MiB."),
    503: _error("The provider's secret is not set, or the event log cannot store right now."),
}


# The answers of an operator route (the event API, agents, packs' operator routes) to a caller
# it refuses (docs/roles.md).
OPERATOR_ONLY: dict[int | str, dict[str, Any]] = {
    401: _error("A key is configured and the bearer key is missing or unknown."),
    403: _error(
        "The key's role lacks the route's permission (the message names both), or no key is"
        " configured and the caller is not on this machine."
    ),
}


# The answer of a route with a JSON body to a body it cannot parse at all (not UTF-8, say); a
# parsed body that breaks the route's schema is a 422.
UNREADABLE_BODY: dict[int | str, dict[str, Any]] = {
    400: _error("The body could not be parsed (e.g. it is not UTF-8).")
}


def webhook_body(schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """``openapi_extra`` of a webhook route: the raw body it reads, signed by the provider.

    Without ``schema``, any JSON (the provider's own shape, checked after the signature).
    """
    return {
        "requestBody": {
            "required": True,
            "description": "The provider's delivery, exactly as signed (at most 1 MiB).",
            "content": {"application/json": {"schema": schema if schema is not None else {}}},
        }
    }
