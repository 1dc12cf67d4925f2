"""The figures the enterprise pack's reports are made of, read from its own tables: sales
(``enterprise_revenue``), agents' hourly sums (``enterprise_agent_hours``) and the hub's audit
log; money and trends as text. Every period is of whole UTC days."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Engine, func, select

from notionhub.hubdb.audit_log import AuditEntry, AuditLog
from notionhub.hubdb.engine import read_connection
from notionhub.packs.enterprise.rows import moment
from notionhub.packs.enterprise.tables import enterprise_agent_hours, enterprise_revenue

DAY = timedelta(days=1)
COUNTED = ("Completed", "Processing")  # the sales that are revenue
FAILED = "Failed"
UNSPECIFIED = "Unspecified"  # a sale without a service type
SPARKS = "▁▂▃▄▅▆▇█"
AUDIT_BATCH = 500
NONE = "—"
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Sale:
    service_type: str
    amount: float
    currency: str
    status: str
    day: date  # of its creation, UTC


@dataclass(frozen=True)
class Revenue:
    """What some sales brought: Completed and Processing count, Failed are told apart."""

    total: float
    count: int
    average: float | None  # None when nothing counts
    failed: int
    failed_amount: float
    pending: int


@dataclass(frozen=True)
class AgentFigures:
    """An agent's heartbeats over a period; shares (0..1) are averages over the heartbeats that
    carried each figure (None when none did)."""

    name: str
    beats: int
    performance: float | None
    cpu: float | None
    memory: float | None
    errors: int


# -- reading the tables -------------------------------------------------------------------


def day_start(day: date) -> float:
    """Unix seconds at the start of ``day`` (UTC)."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()


def sales_between(engine: Engine, first: date, last: date) -> list[Sale]:
    """The sales created from the start of ``first`` to the end of ``last`` (UTC days)."""
    table = enterprise_revenue
    query = select(
        table.c.service_type, table.c.amount, table.c.currency, table.c.status, table.c.created_at
    ).where(table.c.created_at >= day_start(first), table.c.created_at < day_start(last + DAY))
    with read_connection(engine) as connection:
        rows = connection.execute(query).all()
    return [
        Sale(
            row.service_type or UNSPECIFIED,
            float(row.amount),
            str(row.currency).upper(),
            str(row.status),
            moment(row.created_at).date(),
        )
        for row in rows
    ]


def agents_between(engine: Engine, first: date, last: date) -> list[AgentFigures]:
    """Each agent's figures over the hours from ``first`` to the end of ``last``, best first."""
    table = enterprise_agent_hours
    query = (
        select(
            table.c.name,
            func.sum(table.c.beats).label("beats"),
            func.sum(table.c.performance_sum).label("performance"),
            func.sum(table.c.performance_beats).label("performance_beats"),
            func.sum(table.c.cpu_sum).label("cpu"),
            func.sum(table.c.cpu_beats).label("cpu_beats"),
            func.sum(table.c.memory_sum).label("memory"),
            func.sum(table.c.memory_beats).label("memory_beats"),
            func.sum(table.c.errors).label("errors"),
        )
        .where(table.c.hour >= day_start(first), table.c.hour < day_start(last + DAY))
        .group_by(table.c.name)
    )
    with read_connection(engine) as connection:
        rows = connection.execute(query).all()
    figures = [
        AgentFigures(
            str(row.name),
            int(row.beats),
            _share(row.performance, row.performance_beats),
            _share(row.cpu, row.cpu_beats),
            _share(row.memory, row.memory_beats),
            int(row.errors),
        )
        for row in rows
        if row.beats
    ]
    return sorted(figures, key=lambda agent: (-(agent.performance or 0.0), agent.name))


def _share(total: float | None, count: int | None) -> float | None:
    """An average over the heartbeats that carried the figure (None when none did)."""
    return float(total) / count if count and total is not None else None


def audit_entries(engine: Engine, day: date) -> list[AuditEntry]:
    """The audit log's entries of ``day`` (UTC), oldest first."""
    log, found, after = AuditLog(engine), [], 0
    end = day_start(day + DAY)
    while True:
        batch = log.since(day_start(day), after_id=after, limit=AUDIT_BATCH)
        found += [entry for entry in batch if entry.at < end]
        # Ids follow time (rows are written as they happen): a batch all past the day ends it.
        if len(batch) < AUDIT_BATCH or min(entry.at for entry in batch) >= end:
            return found
        after = batch[-1].id


# -- figures and their text ---------------------------------------------------------------


def revenue_of(sales: Sequence[Sale]) -> Revenue:
    counted = [_exact(sale.amount) for sale in sales if sale.status in COUNTED]
    failed = [_exact(sale.amount) for sale in sales if sale.status == FAILED]
    total = sum(counted, Decimal(0))
    average = _cents(total / len(counted)) if counted else None
    pending = len(sales) - len(counted) - len(failed)
    return Revenue(
        _cents(total), len(counted), average, len(failed), _cents(sum(failed, Decimal(0))), pending
    )


def _exact(amount: float) -> Decimal:
    """The amount as written (``50.1``, not the binary float's 50.0999…)."""
    return Decimal(repr(amount))


def _cents(amount: Decimal) -> float:
    """Rounded to the cent, halves up, as people round money ($412.625 is $412.63)."""
    return float(amount.quantize(CENT, rounding=ROUND_HALF_UP))


def money(amount: float | None) -> str:
    """``$1,234.50``; ``—`` for no amount."""
    if amount is None:
        return NONE
    return f"{'-' if amount < 0 else ''}${abs(amount):,.2f}"


def sparkline(values: Sequence[float]) -> str:
    """One bar per value, ▁ for zero (or less) up to █ for the highest."""
    top = max(values, default=0.0)
    if top <= 0:
        return SPARKS[0] * len(values)
    return "".join(SPARKS[round(max(value, 0.0) / top * (len(SPARKS) - 1))] for value in values)
