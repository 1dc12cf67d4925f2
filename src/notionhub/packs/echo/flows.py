"""The echo pack's one flow: the event, as a row of the Event Log."""

from __future__ import annotations

import json

from notionhub.ingest.event import Event
from notionhub.packs.echo.models import EventLogEntry
from notionhub.packs.pack import FlowContext

# The payload shown in the row is cut here: the event log keeps the whole of it.
DATA_PREVIEW_CHARS = 1_800


def log_event(event: Event, context: FlowContext) -> str:
    """Upsert the Event Log row of this event (keyed by the event id)."""
    data = json.dumps(event.data, separators=(",", ":"), sort_keys=True)
    if len(data) > DATA_PREVIEW_CHARS:
        data = data[: DATA_PREVIEW_CHARS - 1] + "…"
    result = context.records.upsert(
        EventLogEntry(
            summary=f"{event.provider} {event.type}"[:200],
            event_id=event.idempotency_key,
            provider=event.provider,
            event_type=event.type,
            entity=event.entity_key or "",
            received=event.occurred_at,
            data=data,
        )
    )
    return f"Event Log row {result.action} ({result.page_id})"
