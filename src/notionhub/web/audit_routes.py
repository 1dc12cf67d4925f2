"""``GET /api/audit``: the audit log, for admins (docs/roles.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, Query, Security

from notionhub.ingest.http_answers import OPERATOR_ONLY
from notionhub.web.authorization import audit_log, require
from notionhub.web.event_routes import BEARER
from notionhub.web.state import HubState

router = APIRouter(prefix="/api", tags=["audit"], dependencies=[Security(BEARER)])
Auditor = Annotated[HubState, Depends(require("audit:read"))]
MAX_ID = 2**63 - 1


@router.get("/audit", responses=OPERATOR_ONLY)
async def list_audit(
    hub: Auditor,
    since: Annotated[
        datetime | None,
        Query(description="Entries at or after this time (ISO 8601; no zone: UTC)."),
    ] = None,
    after: Annotated[
        int, Query(ge=0, le=MAX_ID, description="Page on: entries with an id above.")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> dict[str, Any]:
    """Writes, key changes and refused calls, oldest first: who (a key's name, never the key),
    with which role, did what to what, and whether it was allowed."""
    start = None
    if since is not None:
        start = (since if since.tzinfo is not None else since.replace(tzinfo=UTC)).timestamp()
    log = audit_log(hub)
    entries = await anyio.to_thread.run_sync(lambda: log.since(start, after_id=after, limit=limit))
    return {
        "entries": [entry.to_json() for entry in entries],
        "next_after": entries[-1].id if len(entries) == limit else None,
    }
