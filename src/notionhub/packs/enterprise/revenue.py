"""Revenue operations: Stripe payments become Revenue Operations rows, each sale is handed to
an agent of the right type, and the client hears of it through the notification outbox.

A payment intent is one transaction (its id is the key). Its status only moves forward:
Pending (created, processing) → Processing (succeeded: the service is dispatched) → Completed
(the agent reports the assignment done in a heartbeat), or Failed (payment_failed; a later
success of the same intent still moves it on). The service type comes from the intent's
``metadata.service_type`` (or its description); the agent is the Active agent of the matching
type with the least open work. A sale no agent can take waits (Processing, no agent) and is
dispatched by the collector when one is Active.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import Connection, Engine, and_, or_, select, update

from notionhub.errors import PayloadRejected
from notionhub.hubdb.engine import read_connection
from notionhub.hubdb.tables import outbound_calls
from notionhub.ingest.event import Event
from notionhub.ingest.money import major_units
from notionhub.ingest.payload_fields import dig, first_email, first_text
from notionhub.notion.schema import NotionDate
from notionhub.packs.enterprise import live
from notionhub.packs.enterprise.models import (
    CLIENT_WRITES,
    SERVICE_TYPES,
    AgentRecord,
    EnterpriseClient,
    RevenueRecord,
)
from notionhub.packs.enterprise.rows import iso, moment, upsert_statement
from notionhub.packs.enterprise.settings import EnterpriseSettings
from notionhub.packs.enterprise.tables import (
    enterprise_assignments,
    enterprise_outbox,
    enterprise_revenue,
)
from notionhub.packs.enterprise.workload import least_busy_agent
from notionhub.packs.pack import FlowContext

log = structlog.get_logger("notionhub.enterprise")

STRIPE_KINDS = {
    "payment_intent.created": "Pending",
    "payment_intent.processing": "Pending",
    "payment_intent.succeeded": "Processing",
    "payment_intent.payment_failed": "Failed",
}
_RANK = {"Pending": 0, "Failed": 1, "Processing": 2, "Completed": 3}
# Which agent type delivers which service.
SERVICE_AGENTS = {
    "Resume Generation": "Resume Generator",
    "Trading Signals": "Trading Agent",
    "AI Consultation": "Orchestrator",
}
_EMAIL_PATHS = (
    ("receipt_email",),
    ("metadata", "email"),
    ("customer_details", "email"),
    ("charges", "data", 0, "billing_details", "email"),
    ("latest_charge", "billing_details", "email"),
)
_SLUG = re.compile(r"[^a-z]+")
SERVICE_PREFIX = "service:"
# The outbound service clients are notified through (its calls are recorded under this name).
NOTIFY_SERVICE = "enterprise-notify"
# A notification claimed this long ago whose call never succeeded is sent by a later pass.
CLAIM_STALE_SECONDS = 300.0


@dataclass(frozen=True)
class Sale:
    transaction_id: str
    status: str
    amount: float
    currency: str
    service_type: str | None
    email: str | None
    name: str | None
    failure: str


def read_sale(event: Event) -> Sale:
    """The sale a Stripe payment-intent event states."""
    intent = dig(event.data, ("data", "object"))
    if not isinstance(intent, dict):
        raise PayloadRejected("The Stripe event has no data.object.")
    transaction_id = intent.get("id")
    if not isinstance(transaction_id, str) or not transaction_id.strip():
        raise PayloadRejected("The payment intent has no id.")
    currency = str(intent.get("currency") or "usd").upper()
    minor = intent.get("amount_received") or intent.get("amount")
    amount = major_units(minor, currency)
    if amount is None:
        raise PayloadRejected(f"The payment intent {transaction_id} has no amount.")
    error = intent.get("last_payment_error")
    failure = ""
    if isinstance(error, dict):
        failure = str(error.get("message") or error.get("code") or "")[:500]
    email = first_email(intent, _EMAIL_PATHS)
    return Sale(
        transaction_id=transaction_id.strip()[:200],
        status=STRIPE_KINDS[event.type],
        amount=amount,
        currency=currency,
        service_type=service_type_of(intent),
        email=email.removeprefix("email:") if email else None,
        name=first_text(intent, (("metadata", "name"), ("shipping", "name"))),
        failure=failure,
    )


def service_type_of(intent: dict[str, Any]) -> str | None:
    """``metadata.service_type`` in any spelling ("trading_signals"), else the first service
    the description names."""
    wanted = first_text(intent, (("metadata", "service_type"),))
    slugs = {_SLUG.sub("", service.lower()): service for service in SERVICE_TYPES}
    if wanted:
        return slugs.get(_SLUG.sub("", wanted.lower()))
    description = _SLUG.sub("", str(intent.get("description") or "").lower())
    return next((service for slug, service in slugs.items() if slug in description), None)


def handle_payment(event: Event, context: FlowContext) -> str:
    """A Stripe payment-intent event: the sale kept, dispatched and written."""
    sale = read_sale(event)
    now = context.now().timestamp()
    with context.engine.begin() as connection:
        status, agent = _keep(connection, sale, now)
    settings = context.settings_of(EnterpriseSettings)
    pages = write_sale(context, sale.transaction_id)
    sent = send_outbox(context, settings)
    where = f" to {agent}" if agent else (" (no agent free yet)" if status == "Processing" else "")
    return f"{sale.transaction_id} {status}{where}; {pages}" + (f"; {sent} sent" if sent else "")


def _keep(connection: Connection, sale: Sale, now: float) -> tuple[str, str | None]:
    """Store the sale (its status never moves back); dispatch it when paid. In one transaction.

    Two events of one payment can run at once (on PostgreSQL, in different partitions when only
    one of them names the customer): the row is read locked, and a first row another worker
    inserted meanwhile is read again, locked, and moved on from.
    """
    table = enterprise_revenue
    where = table.c.transaction_id == sale.transaction_id
    row = connection.execute(select(table).where(where).with_for_update()).first()
    if row is None:
        inserted = connection.execute(
            upsert_statement(connection, table)
            .values(
                transaction_id=sale.transaction_id,
                service_type=sale.service_type,
                amount=sale.amount,
                currency=sale.currency,
                client_email=sale.email,
                status=sale.status,
                created_at=now,
                details=_details(sale, sale.status),
            )
            .on_conflict_do_nothing(index_elements=["transaction_id"])
        )
        if inserted.rowcount == 0:
            row = connection.execute(select(table).where(where).with_for_update()).one()
    if row is None:
        status, agent = sale.status, None
    else:
        status, agent = row.status, row.agent
        if _RANK[sale.status] > _RANK[row.status]:
            status = sale.status
            connection.execute(
                update(table)
                .where(table.c.transaction_id == sale.transaction_id)
                .values(
                    status=status,
                    details=_details(sale, status),
                    service_type=row.service_type or sale.service_type,
                    client_email=row.client_email or sale.email,
                )
            )
    if status != (None if row is None else row.status):
        live.publish(connection, now, "revenue", sale.transaction_id, {"status": status})
        if sale.email and status in ("Processing", "Failed"):
            _notify(connection, sale, status, now)
    if status == "Processing" and agent is None:
        agent = dispatch(connection, sale.transaction_id, now)
    return status, agent


def _details(sale: Sale, status: str) -> str:
    """What the row's Details say: why a payment failed, or that no agent type can take it."""
    if status == "Failed":
        return sale.failure
    if sale.service_type is None:
        return (
            "No service type: set the payment intent's metadata.service_type to one of "
            + ", ".join(SERVICE_TYPES)
            + "; no agent is assigned until then."
        )
    return ""


def dispatch(connection: Connection, transaction_id: str, now: float) -> str | None:
    """Hand a paid sale to the least busy Active agent of its service's type.

    The sale's row is read locked: a tick and a payment event dispatching it at once take
    turns, and the second finds the agent the first chose.
    """
    row = connection.execute(
        select(enterprise_revenue)
        .where(enterprise_revenue.c.transaction_id == transaction_id)
        .with_for_update()
    ).one()
    agent_type = SERVICE_AGENTS.get(row.service_type or "")
    if agent_type is None or row.agent is not None:
        return None if row.agent is None else str(row.agent)
    chosen = least_busy_agent(connection, agent_type, active_only=True)
    if chosen is None:
        return None
    connection.execute(
        upsert_statement(connection, enterprise_assignments)
        .values(
            assignment_id=f"{SERVICE_PREFIX}{transaction_id}",
            agent=chosen,
            kind="service",
            reference=transaction_id,
            detail=f"deliver {row.service_type} ({row.amount:.2f} {row.currency})",
            created_at=now,
        )
        .on_conflict_do_nothing()
    )
    connection.execute(
        update(enterprise_revenue)
        .where(enterprise_revenue.c.transaction_id == transaction_id)
        .values(agent=chosen)
    )
    live.publish(connection, now, "revenue", transaction_id, {"agent": chosen})
    log.info("sale_dispatched", transaction=transaction_id, agent=chosen)
    return chosen


def dispatch_waiting(context: FlowContext) -> int:
    """Paid sales no agent took yet, offered again (and written); the number dispatched."""
    table = enterprise_revenue
    with read_connection(context.engine) as connection:
        waiting = connection.execute(
            select(table.c.transaction_id)
            .where(
                and_(
                    table.c.status == "Processing",
                    table.c.agent.is_(None),
                    table.c.service_type.is_not(None),  # no type, no agent: see its Details
                )
            )
            .order_by(table.c.created_at)
            .limit(100)
        ).all()
    count = 0
    now = context.now().timestamp()
    for row in waiting:
        with context.engine.begin() as connection:
            agent = dispatch(connection, row.transaction_id, now)
        if agent is not None:
            write_sale(context, row.transaction_id)  # its Processing Agent, in Notion
            count += 1
    return count


def complete_services(connection: Connection, done: tuple[str, ...], now: float) -> int:
    """Sales whose service assignment an agent reported done: Completed, the client told."""
    ids = [a.removeprefix(SERVICE_PREFIX) for a in done if a.startswith(SERVICE_PREFIX)]
    count = 0
    for transaction_id in ids:
        row = connection.execute(
            select(enterprise_revenue).where(enterprise_revenue.c.transaction_id == transaction_id)
        ).first()
        if row is None or row.status == "Completed":
            continue
        connection.execute(
            update(enterprise_revenue)
            .where(enterprise_revenue.c.transaction_id == transaction_id)
            .values(status="Completed", completed_at=now)
        )
        live.publish(connection, now, "revenue", transaction_id, {"status": "Completed"})
        if row.client_email:
            sale = Sale(transaction_id, "Completed", row.amount, row.currency,
                        row.service_type, row.client_email, None, "")  # fmt: skip
            _notify(connection, sale, "Completed", now)
        count += 1
    return count


_MESSAGES = {
    "Processing": ("payment_received", "Payment received: {service} is on its way",
                   "We received {amount}. An agent has started on your {service}."),
    "Failed": ("payment_failed", "Your payment did not go through",
               "The payment of {amount} for {service} failed: {failure}"),
    "Completed": ("service_delivered", "Your {service} is ready",
                  "The {service} you paid {amount} for is delivered."),
}  # fmt: skip


def _notify(connection: Connection, sale: Sale, status: str, now: float) -> None:
    template, subject, body = _MESSAGES[status]
    words = {
        "service": sale.service_type or "order",
        "amount": f"{sale.amount:.2f} {sale.currency}",
        "failure": sale.failure or "declined",
    }
    connection.execute(
        upsert_statement(connection, enterprise_outbox)
        .values(
            notification_id=f"{template}:{sale.transaction_id}",
            recipient=sale.email or "",
            template=template,
            subject=subject.format(**words),
            body=body.format(**words),
            created_at=now,
        )
        .on_conflict_do_nothing()
    )


def send_outbox(context: FlowContext, settings: EnterpriseSettings, *, limit: int = 50) -> int:
    """POST waiting notifications to ENTERPRISE_NOTIFY_URL (each once, by its id); how many
    this pass sent.

    Every payment event and every collect tick sends what waits, often at once: each
    notification is claimed first (``claim_notification``), so that only one of them posts it.
    A claim whose call never succeeded (its worker died, or the call failed) is taken up again
    by a later pass once ``CLAIM_STALE_SECONDS`` have passed.
    """
    if not settings.notify_url:
        return 0
    now = context.now().timestamp()
    client = context.outbound(NOTIFY_SERVICE, settings.notify_url)
    sent = 0
    for row in _waiting_notifications(context.engine, now, limit):
        if not claim_notification(context.engine, row.notification_id, row.sent_at, now):
            continue  # another worker's, now
        try:
            client.post(
                "",
                idempotency_key=row.notification_id,
                json={
                    "id": row.notification_id,
                    "to": row.recipient,
                    "template": row.template,
                    "subject": row.subject,
                    "body": row.body,
                },
            )
        except BaseException:
            _give_back(context.engine, row.notification_id, now)
            raise
        sent += 1
    return sent


def _waiting_notifications(engine: Engine, now: float, limit: int) -> list[Any]:
    """Unsent notifications, and those claimed over ``CLAIM_STALE_SECONDS`` ago whose call
    never succeeded."""
    table = enterprise_outbox
    succeeded = select(outbound_calls.c.idempotency_key).where(
        and_(
            outbound_calls.c.service == NOTIFY_SERVICE,
            outbound_calls.c.idempotency_key == table.c.notification_id,
            outbound_calls.c.status == "succeeded",
        )
    )
    stale = and_(table.c.sent_at < now - CLAIM_STALE_SECONDS, ~succeeded.exists())
    with read_connection(engine) as connection:
        return list(
            connection.execute(
                select(table)
                .where(or_(table.c.sent_at.is_(None), stale))
                .order_by(table.c.created_at)
                .limit(limit)
            ).all()
        )


def claim_notification(engine: Engine, notification_id: str, seen: float | None, at: float) -> bool:
    """Take a notification to send: its ``sent_at`` moves from ``seen`` to ``at``, for one
    caller only (a conditional update: on PostgreSQL a second caller waits for the first and
    then finds the time moved)."""
    table = enterprise_outbox
    unchanged = table.c.sent_at.is_(None) if seen is None else table.c.sent_at == seen
    with engine.begin() as connection:
        done = connection.execute(
            update(table)
            .where(and_(table.c.notification_id == notification_id, unchanged))
            .values(sent_at=at)
        )
    return done.rowcount == 1


def _give_back(engine: Engine, notification_id: str, claimed_at: float) -> None:
    """The call failed: the notification waits again, for the next pass."""
    table = enterprise_outbox
    with engine.begin() as connection:
        connection.execute(
            update(table)
            .where(and_(table.c.notification_id == notification_id, table.c.sent_at == claimed_at))
            .values(sent_at=None)
        )


def outbox(engine: Engine, *, limit: int = 200) -> list[dict[str, Any]]:
    table = enterprise_outbox
    with read_connection(engine) as connection:
        rows = connection.execute(
            select(table).order_by(table.c.created_at.desc()).limit(limit)
        ).all()
    return [
        {
            "id": r.notification_id,
            "to": r.recipient,
            "template": r.template,
            "subject": r.subject,
            "body": r.body,
            "created_at": iso(r.created_at),
            "sent_at": iso(r.sent_at),
        }
        for r in rows
    ]


def write_sale(context: FlowContext, transaction_id: str) -> str:
    """Write one sale's row (and its client) to Notion as the table holds it."""
    with read_connection(context.engine) as connection:
        row = connection.execute(
            select(enterprise_revenue).where(enterprise_revenue.c.transaction_id == transaction_id)
        ).one()
    client: list[str] = []
    if row.client_email:
        written = context.records.upsert(
            EnterpriseClient(name=row.client_email.split("@")[0], email=row.client_email),
            only=CLIENT_WRITES,
        )
        client = [written.page_id]
    agent: list[str] = []
    if row.agent:
        agent = [context.records.upsert(AgentRecord(name=row.agent), only=("name",)).page_id]
    result = context.records.upsert(
        RevenueRecord(
            transaction_id=row.transaction_id,
            service_type=row.service_type,
            amount=row.amount,
            client=client,
            agent=agent,
            status=row.status,
            completed=None if row.completed_at is None else NotionDate(moment(row.completed_at)),
            details=row.details,
        ),
        only=("transaction_id", "service_type", "amount", "client", "agent", "status",
              "completed", "details"),
    )  # fmt: skip
    with context.engine.begin() as connection:
        connection.execute(
            update(enterprise_revenue)
            .where(enterprise_revenue.c.transaction_id == transaction_id)
            .values(written_status=row.status)
        )
    return f"Revenue Operations {result.action}"


def write_changed_sales(context: FlowContext, *, limit: int = 100) -> int:
    """Sales whose status Notion does not hold yet (completed in a heartbeat), written."""
    table = enterprise_revenue
    with read_connection(context.engine) as connection:
        rows = connection.execute(
            select(table.c.transaction_id)
            .where(table.c.written_status.is_distinct_from(table.c.status))
            .order_by(table.c.created_at)
            .limit(limit)
        ).all()
    for row in rows:
        write_sale(context, row.transaction_id)
    return len(rows)
