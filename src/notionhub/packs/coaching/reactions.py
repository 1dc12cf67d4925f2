"""The coaching pack answering Notion: what the coach changes there, kept and acted on.

- A Packages row added, renamed or given a price id or event type: the sessions and invoices
  without a package are recomputed, so those that named it are linked within seconds.
- A Session's or an Invoice's Status set by the coach: stored as a fact (so later events keep
  it, see ``Coach``), and the row recomputed (an invoice set to Refunded no longer counts as
  paid). The dashboard follows through the pack's upkeep, which runs after every event.
"""

from __future__ import annotations

from typing import Any

from notionhub.notion.changes import Change
from notionhub.packs.coaching.coach import Coach
from notionhub.packs.coaching.facts import Fact, FactStore
from notionhub.packs.coaching.models import Invoice, Package, Session
from notionhub.packs.coaching.reasons import explain
from notionhub.packs.coaching.settings import CoachingSettings
from notionhub.packs.pack import FlowContext, Reaction


def _coach(context: FlowContext) -> Coach:
    return Coach(
        context.records,
        FactStore(context.engine),
        attendance_minutes=context.settings_of(CoachingSettings).attendance_minutes,
    )


def link_package(change: Change[Any], context: FlowContext) -> str:
    """Link the rows that named a package now in the catalog; what was written."""
    coach = _coach(context)
    done: list[str] = []
    for session in context.records.known(Session):
        if not session.package:
            done += coach.refresh_appointment(session.booking_id)
    for invoice in context.records.known(Invoice):
        if not invoice.package:
            done += coach.refresh_invoice(invoice.checkout_session_id)
    name = change.record.name if isinstance(change.record, Package) else change.page_id
    return f"package {name!r} {change.kind}: " + ("; ".join(done) if done else "no row named it")


def keep_session_status(change: Change[Any], context: FlowContext) -> str:
    """The coach set a session's status: it stands until the booking changes (cleared: the
    status is computed again)."""
    session = change.record
    assert isinstance(session, Session)
    status = session.status or None
    _remember(context, change, status, booking_uid=session.booking_id)
    coach = _coach(context)
    done = coach.refresh_appointment(session.booking_id)
    done += explain(coach.reasons, page_id=change.page_id)
    return f"session {session.booking_id} {_set(status)} by the coach" + _also(done)


def keep_invoice_status(change: Change[Any], context: FlowContext) -> str:
    """The coach set an invoice's status (Refunded: it no longer counts as paid)."""
    invoice = change.record
    assert isinstance(invoice, Invoice)
    status = invoice.status or None
    key = invoice.checkout_session_id
    _remember(context, change, status, checkout_id=key)
    coach = _coach(context)
    done = coach.refresh_invoice(key) + explain(coach.reasons, page_id=change.page_id)
    return f"invoice {key} {_set(status)} by the coach" + _also(done)


def _set(status: str | None) -> str:
    return f"set to {status}" if status else "status cleared (computed again)"


def _remember(
    context: FlowContext,
    change: Change[Any],
    status: str | None,
    *,
    booking_uid: str | None = None,
    checkout_id: str | None = None,
) -> None:
    """Keep what the coach said as a fact, dated when the hub read it (later than every event
    received before; Notion's edit time may be to the minute)."""
    moment = change.seen_at or change.edited_at or context.now()
    FactStore(context.engine).add(
        [
            Fact(
                fact_id=f"notion:{change.page_id}:status:{moment.isoformat()}",
                kind="status_set",
                occurred_at=moment,
                source="Notion",
                status=status,
                booking_uid=booking_uid,
                checkout_id=checkout_id,
            )
        ]
    )


def _also(done: list[str]) -> str:
    return f" ({'; '.join(done)})" if done else ""


PACKAGE_CHANGES = Reaction(
    Package,
    link_package,
    kinds=("created", "updated", "undeleted"),
    fields=("name", "stripe_price_id", "event_type", "active"),
    description="Links sessions and invoices to a package added or renamed in Notion.",
)
SESSION_STATUS = Reaction(
    Session,
    keep_session_status,
    kinds=("updated",),
    fields=("status",),
    description="Keeps the status a coach sets on a session (Cancelled, No-show, …).",
)
INVOICE_STATUS = Reaction(
    Invoice,
    keep_invoice_status,
    kinds=("updated",),
    fields=("status",),
    description="Keeps the status a coach sets on an invoice (Refunded, …).",
)
REACTIONS = (PACKAGE_CHANGES, SESSION_STATUS, INVOICE_STATUS)
