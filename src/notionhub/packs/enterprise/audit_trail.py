"""The Audit Trail database: the hub's audit log (``GET /api/audit``) copied to Notion in
batches. The copy follows a mark (the last id copied) kept in the pack's table and moved only
after the rows are written, so an entry is never lost and, written by key, never doubled."""

from __future__ import annotations

from sqlalchemy import select

from notionhub.hubdb.audit_log import AuditLog
from notionhub.hubdb.engine import read_connection
from notionhub.notion.schema import NotionDate
from notionhub.packs.enterprise.models import AuditRecord
from notionhub.packs.enterprise.rows import moment, upsert_statement
from notionhub.packs.enterprise.tables import enterprise_marks
from notionhub.packs.pack import FlowContext

MARK = "audit_copied"
BATCH = 100


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
        entries = log.since(None, after_id=mark, limit=BATCH)
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
    return f"{copied} audit entries copied to the Audit Trail"
