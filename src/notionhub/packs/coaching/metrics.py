"""Dashboard Metrics: exact figures recomputed from the mirror, written only when they change.

The mirror holds every Clients, Sessions and Invoices row as last written by the hub or synced
from Notion (so a coach's own edits count once synced). Nothing is a running sum: a replayed or
duplicated event cannot inflate revenue, because the figures are counted again from the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from notionhub.notion.records import Records
from notionhub.notion.schema import NotionDate
from notionhub.packs.coaching.models import Client, DashboardMetric, Invoice, Session

ALL_TIME = "All time"


@dataclass(frozen=True)
class Figure:
    metric: str
    value: float
    period: str


def figures(
    clients: Sequence[Client],
    sessions: Sequence[Session],
    invoices: Sequence[Invoice],
    *,
    today: date,
    zone: ZoneInfo,
) -> list[Figure]:
    """Every metric of the dashboard, for the month of ``today`` in ``zone``."""
    month = f"{today.year:04d}-{today.month:02d}"

    def in_month(value: NotionDate | None) -> bool:
        if value is None:
            return False
        start = value.start
        if isinstance(start, datetime):
            start = (start if start.tzinfo else start.replace(tzinfo=zone)).astimezone(zone)
        return (start.year, start.month) == (today.year, today.month)

    revenue = [(i.paid_amount or 0.0, i.paid_at) for i in invoices]
    completed = sum(1 for s in sessions if s.status == "Completed")
    no_shows = sum(1 for s in sessions if s.status == "No-show")
    held = completed + no_shows
    return [
        Figure("Total Clients", len(clients), ALL_TIME),
        Figure("Active Clients", sum(1 for c in clients if c.status == "Active"), ALL_TIME),
        Figure("Total Revenue", round(sum(amount for amount, _ in revenue), 2), ALL_TIME),
        Figure(
            "Revenue This Month",
            round(sum(amount for amount, paid_at in revenue if in_month(paid_at)), 2),
            month,
        ),
        Figure(
            "Sessions This Month",
            sum(1 for s in sessions if s.status != "Cancelled" and in_month(s.when)),
            month,
        ),
        Figure("Completed Sessions", completed, ALL_TIME),
        # Per cent of the sessions held (completed or no-show) that the client missed.
        Figure("No-show Rate", round(100 * no_shows / held, 1) if held else 0.0, ALL_TIME),
    ]


def refresh_metrics(records: Records, *, now: Callable[[], datetime], zone: ZoneInfo) -> list[str]:
    """Recompute every metric from the mirror; write those whose value or period changed.

    Each changed metric is computed again inside its key's lease, from what is committed then:
    two refreshes at once (a process's upkeep beside another's, or the hourly tick) write it in
    turn, and the later write is never computed from an older mirror than the earlier one.
    """
    moment = now().astimezone(zone)

    def current() -> dict[str, Figure]:
        computed = figures(
            records.known(Client),
            records.known(Session),
            records.known(Invoice),
            today=moment.date(),
            zone=zone,
        )
        return {figure.metric: figure for figure in computed}

    shown = {row.metric: row for row in records.known(DashboardMetric)}
    written: list[str] = []
    for metric, figure in current().items():
        row = shown.get(metric)
        if row is not None and row.value == figure.value and row.period == figure.period:
            continue

        built: list[Figure] = []

        def build(metric: str = metric, built: list[Figure] = built) -> DashboardMetric | None:
            latest = current()[metric]
            row = records.mirrored(DashboardMetric, metric)
            if row is not None and (row.value, row.period) == (latest.value, latest.period):
                return None  # another refresh wrote it meanwhile
            built.append(latest)
            return DashboardMetric(
                metric=metric,
                value=built[-1].value,
                period=built[-1].period,
                updated=NotionDate(moment.replace(microsecond=0)),
            )

        records.upsert_computed(DashboardMetric, metric, build)
        if built:  # written (None from build writes nothing)
            written.append(f"{metric} = {built[-1].value:g}")
    return written
