"""The audit log in the hub database (docs/roles.md): every write made through the hub's API or
console, every key change and every refused call.

Rows are written at once, in their own transaction, before the answer is sent: a row is never
held in memory where a crash could lose it. A row names the key (never the key itself) or
``anonymous``; ``details`` is a short text the caller composes from what it did, with no
secret in it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from notionhub.hubdb.engine import read_connection, write_transaction
from notionhub.hubdb.tables import audit_log

ANONYMOUS = "anonymous"
MAX_DETAILS = 2000
MAX_RESOURCE = 500


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: float
    key_name: str
    role: str | None
    action: str
    resource: str
    success: bool
    details: str

    def to_json(self) -> dict[str, Any]:
        time_ = datetime.fromtimestamp(self.at, tz=UTC).isoformat(timespec="milliseconds")
        return {**asdict(self), "time": time_}


class AuditLog:
    """Append and read the audit log."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.clock = clock

    def record(
        self,
        *,
        key_name: str | None,
        role: str | None,
        action: str,
        resource: str,
        success: bool,
        details: str = "",
        wait_seconds: float | None = None,
    ) -> None:
        row = {
            "at": self.clock(),
            "key_name": (key_name or ANONYMOUS)[:100],
            "role": role,
            "action": action[:100],
            "resource": resource[:MAX_RESOURCE],
            "success": success,
            "details": details[:MAX_DETAILS],
        }
        with write_transaction(self.engine, wait_seconds) as connection:
            connection.execute(insert(audit_log).values(row))

    def since(
        self, since: float | None, *, after_id: int = 0, limit: int = 500
    ) -> list[AuditEntry]:
        """Entries at or after ``since`` (Unix s) with ids above ``after_id``, oldest first."""
        query = select(audit_log).where(audit_log.c.id > after_id)
        if since is not None:
            query = query.where(audit_log.c.at >= since)
        query = query.order_by(audit_log.c.id).limit(limit)
        with read_connection(self.engine) as connection:
            rows = connection.execute(query).all()
        return [
            AuditEntry(
                id=int(row.id),
                at=float(row.at),
                key_name=str(row.key_name),
                role=row.role,
                action=str(row.action),
                resource=str(row.resource),
                success=bool(row.success),
                details=str(row.details),
            )
            for row in rows
        ]
