"""The live stream's events: kept in the hub database by whichever process saw them, read by
``GET /api/enterprise/stream`` (server-sent events) from any process."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from notionhub.hubdb.engine import read_connection
from notionhub.packs.enterprise.tables import enterprise_live

KINDS = (
    "agent_status",  # an agent's status changed (reported, timed out or set by a person)
    "config_changed",  # a person changed an agent's Configuration or Status in Notion
    "alert_opened",
    "alert_resolved",
    "project_stage",  # a project's stage actions ran
    "revenue",  # a sale changed status
)


@dataclass(frozen=True)
class LiveEvent:
    seq: int
    at: float
    kind: str
    subject: str
    data: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "kind": self.kind,
            "subject": self.subject,
            "data": self.data,
        }


def publish(
    connection: Connection, at: float, kind: str, subject: str, data: dict[str, Any]
) -> None:
    """Add an event, in the caller's transaction (it is heard only if that commits)."""
    if kind not in KINDS:
        raise ValueError(f"unknown live event kind {kind!r}")
    connection.execute(
        insert(enterprise_live).values(
            at=at, kind=kind, subject=subject[:300], data=json.dumps(data, sort_keys=True)
        )
    )


def since(engine: Engine, after: int, *, limit: int = 200) -> list[LiveEvent]:
    """Events after sequence number ``after``, oldest first."""
    with read_connection(engine) as connection:
        rows = connection.execute(
            select(enterprise_live)
            .where(enterprise_live.c.seq > after)
            .order_by(enterprise_live.c.seq)
            .limit(limit)
        ).all()
    return [LiveEvent(r.seq, r.at, r.kind, r.subject, json.loads(r.data)) for r in rows]


def last_seq(engine: Engine) -> int:
    with read_connection(engine) as connection:
        rows = connection.execute(
            select(enterprise_live.c.seq).order_by(enterprise_live.c.seq.desc()).limit(1)
        ).all()
    return rows[0].seq if rows else 0
