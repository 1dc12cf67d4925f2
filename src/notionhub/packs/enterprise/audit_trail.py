"""The Audit Trail database: the hub's audit log (``GET /api/audit``) copied to Notion in
batches. The copy follows a mark (the last id copied) kept in the pack's table and moved only
after the rows are written, so an entry is never lost and, written by key, never doubled.

On PostgreSQL an entry's id is taken when it is inserted, not when it is committed: a gap in
the ids may be an entry about to appear. The copy stops before such a gap and takes it up again
at its next pass; a gap older than ``GAP_WAIT_SECONDS`` (an insert undone: that id never comes)
is passed over."""

from __future__ import annotations

from sqlalchemy import select

from notionhub.hubdb.audit_log import AuditEntry, AuditLog
from notionhub.hubdb.engine import read_connection
from notionhub.notion.schema import NotionDate
from notionhub.packs.enterprise.models import AuditRecord
from notionhub.packs.enterprise.rows import moment, upsert_statement
from notionhub.packs.enterprise.tables import enterprise_marks
from notionhub.packs.pack import FlowContext

MARK = "audit_copied"
BATCH = 100
# How long a gap in the audit log's ids may still be filled by an entry not yet committed.
GAP_WAIT_SECONDS = 30.0


def copied_up_to(context: FlowContext) -> int:
    with read_connection(context.engine) as connection:
        row = connection.execute(
            select(enterprise_marks.c.value).where(enterprise_marks.c.name == MARK)
        ).first()
    return 0 if row is None else int(row.value)


def copy_audit_log(context: FlowContext, *, batches: int = 5) -> str:
    """Copy up to ``batches`` × 100 new audit entries to the Audit Trail database."""
    log = AuditLog(context.engine)
    copied = 0
    mark = copied_up_to(context)
    for _ in range(batches):
        read = log.since(None, after_id=mark, limit=BATCH)
        entries = settled(read, mark, context.now().timestamp())
        if not entries:
            break
        for entry in entries:
            context.records.upsert(
                AuditRecord(
                    entry=f"audit-{entry.id}",
                    timestamp=NotionDate(moment(entry.at)),
                    user_id=entry.key_name + (f" ({entry.role})" if entry.role else ""),
                    action=entry.action,
                    resource=entry.resource,
                    success=entry.success,
                    details=entry.details[:1900],
                )
            )
        mark = entries[-1].id
        with context.engine.begin() as connection:
            statement = upsert_statement(connection, enterprise_marks).values(
                name=MARK, value=float(mark)
            )
            connection.execute(
                statement.on_conflict_do_update(
                    index_elements=[enterprise_marks.c.name], set_={"value": float(mark)}
                )
            )
        copied += len(entries)
        if len(entries) < len(read):  # stopped before a gap: the next pass goes on from it
            break
    return f"{copied} audit entries copied to the Audit Trail"


def settled(entries: list[AuditEntry], mark: int, now: float) -> list[AuditEntry]:
    """The entries to copy now: those before the first gap in the ids (after ``mark``) that
    an entry not yet committed may still fill, that is, while the entry after the gap is less
    than ``GAP_WAIT_SECONDS`` old."""
    expected = mark + 1
    for index, entry in enumerate(entries):
        if entry.id != expected and now - entry.at < GAP_WAIT_SECONDS:
            return entries[:index]
        expected = entry.id + 1
    return entries
