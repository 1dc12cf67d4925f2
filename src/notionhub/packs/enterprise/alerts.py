"""Alerts: a check that fails opens one (one open alert per check), the same check passing
resolves it. Opening and resolving happen in the caller's transaction with a live event; the
collector then writes each alert's state to the Alerts database (``write_alerts``).

Check names say what they watch: ``performance:<agent>``, ``resources:<agent>``,
``heartbeat:<agent>``, ``notion``, ``database:<name>``, ``webhooks``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import Connection, Engine, and_, select, update

from notionhub.hubdb.advisory_locks import wait_for_turn_in_transaction
from notionhub.hubdb.engine import read_connection
from notionhub.notion.schema import NotionDate
from notionhub.packs.enterprise import live
from notionhub.packs.enterprise.models import AlertRecord
from notionhub.packs.enterprise.rows import iso, moment
from notionhub.packs.enterprise.tables import enterprise_alerts
from notionhub.packs.pack import FlowContext

log = structlog.get_logger("notionhub.enterprise")
MAX_MESSAGE = 1000


@dataclass(frozen=True)
class Check:
    """The outcome of one check: ``ok``, or the alert it calls for."""

    name: str
    ok: bool
    alert_type: str = "Health"
    severity: str = "Warning"
    message: str = ""
    # Whether a passing check resolves an open alert (False: it passes, but too close to its
    # threshold to call the problem over; None: whenever it passes).
    clear: bool | None = None

    @property
    def resolves(self) -> bool:
        return self.ok and (self.clear is None or self.clear)


def settle(connection: Connection, now: float, check: Check) -> str | None:
    """Open an alert for a failing check that has none open, resolve the open alert of a
    passing one; ``"opened"``, ``"resolved"`` or None (nothing changed).

    One transaction at a time per check: two ticks overlapping on two processes would both
    find no open alert and both open one.
    """
    wait_for_turn_in_transaction(connection, f"alert:{check.name}")
    table = enterprise_alerts
    open_row = connection.execute(
        select(table.c.alert_id).where(
            and_(table.c.check_name == check.name, table.c.closed_at.is_(None))
        )
    ).first()
    if check.ok:
        if open_row is None or not check.resolves:
            return None
        connection.execute(
            update(table).where(table.c.alert_id == open_row.alert_id).values(closed_at=now)
        )
        live.publish(connection, now, "alert_resolved", check.name, {"alert": open_row.alert_id})
        log.info("alert_resolved", check=check.name, alert=open_row.alert_id)
        return "resolved"
    if open_row is not None:
        return None
    alert_id = _new_alert_id(connection, check.name, now)
    connection.execute(
        table.insert().values(
            alert_id=alert_id,
            check_name=check.name,
            alert_type=check.alert_type,
            severity=check.severity,
            message=check.message[:MAX_MESSAGE],
            opened_at=now,
        )
    )
    live.publish(
        connection,
        now,
        "alert_opened",
        check.name,
        {"alert": alert_id, "severity": check.severity, "message": check.message[:MAX_MESSAGE]},
    )
    log.warning("alert_opened", check=check.name, alert=alert_id, severity=check.severity)
    return "opened"


def _new_alert_id(connection: Connection, check: str, now: float) -> str:
    """``<check> <time opened>``; one opened again within the same second gets ``#2``…"""
    base = f"{check} {iso(now)}"
    taken = {
        row.alert_id
        for row in connection.execute(
            select(enterprise_alerts.c.alert_id).where(
                enterprise_alerts.c.alert_id.startswith(base, autoescape=True)
            )
        )
    }
    if base not in taken:
        return base
    number = 2
    while f"{base} #{number}" in taken:
        number += 1
    return f"{base} #{number}"


def alerts(engine: Engine, *, open_only: bool, limit: int = 200) -> list[dict[str, Any]]:
    """Alerts, newest first, as ``GET /api/alerts`` shows them."""
    table = enterprise_alerts
    query = select(table).order_by(table.c.opened_at.desc()).limit(limit)
    if open_only:
        query = query.where(table.c.closed_at.is_(None))
    with read_connection(engine) as connection:
        rows = connection.execute(query).all()
    return [
        {
            "alert": row.alert_id,
            "check": row.check_name,
            "type": row.alert_type,
            "severity": row.severity,
            "message": row.message,
            "opened_at": iso(row.opened_at),
            "resolved_at": iso(row.closed_at),
            "open": row.closed_at is None,
            "in_notion": row.written is not None,
        }
        for row in rows
    ]


def write_alerts(context: FlowContext, *, limit: int = 100) -> int:
    """Bring the Alerts database in line with the table; the number of rows written."""
    table = enterprise_alerts
    stale = and_(
        table.c.written.is_distinct_from("resolved"),
        (table.c.written.is_(None)) | (table.c.closed_at.is_not(None)),
    )
    with read_connection(context.engine) as connection:
        rows = connection.execute(
            select(table).where(stale).order_by(table.c.opened_at).limit(limit)
        ).all()
    for row in rows:
        state = "open" if row.closed_at is None else "resolved"
        context.records.upsert(
            AlertRecord(
                alert=row.alert_id,
                alert_type=row.alert_type,
                severity=row.severity,
                check_name=row.check_name,
                error_message=row.message,
                timestamp=NotionDate(moment(row.opened_at)),
                action_required=state == "open",
                status="Open" if state == "open" else "Resolved",
                resolved=None if row.closed_at is None else NotionDate(moment(row.closed_at)),
            )
        )
        with context.engine.begin() as connection:
            connection.execute(
                update(table)
                .where(table.c.alert_id == row.alert_id)
                .values(written=state, written_at=context.now().timestamp())
            )
    return len(rows)
