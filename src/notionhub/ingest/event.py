"""What ingest hands on: the request as received, the typed event, a direct reply."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import Headers

# The largest webhook body accepted (413 above it).
MAX_BODY_BYTES = 1024 * 1024


class Event(BaseModel):
    """A verified provider event, ready to be stored and processed.

    ``idempotency_key`` is the event's id everywhere (event log, workflow id): built from the
    provider's own event id (``"stripe:evt_…"``), so a redelivery maps to the same event.
    ``entity_key`` names what the event is about (``"email:jane@example.com"``): events with the
    same entity key are applied in arrival order; ``None`` means no ordering constraint.
    """

    model_config = ConfigDict(frozen=True)

    provider: str
    type: str
    idempotency_key: str = Field(min_length=1, max_length=300)
    entity_key: str | None = Field(default=None, max_length=300)
    occurred_at: datetime
    data: dict[str, Any]


@dataclass(frozen=True)
class WebhookRequest:
    """One HTTP request as received: what signature schemes are computed over."""

    method: str
    url: str  # the full URL the provider called, query string included
    headers: Headers
    body: bytes
    received_at: datetime

    def header(self, name: str) -> str | None:
        """A header's value (case-insensitive), or None when absent or blank."""
        value = self.headers.get(name)
        return value.strip() or None if value is not None else None


@dataclass(frozen=True)
class Reply:
    """An answer given directly, instead of storing an event (handshakes, pings)."""

    status: int = 200
    body: dict[str, Any] = field(default_factory=dict)
    reason: str = ""  # for the log line: why nothing was stored
    # A secret the provider handed over in a handshake (Notion's verification token): saved to a
    # file readable only by the owner, never logged.
    captured_secret: str | None = None
