"""The enterprise pack's business-intelligence reports, computed from its own tables (sales,
agents' hourly sums, the hub's audit log), never from Notion, each written as one page of the
Reports database (docs/packs/enterprise-reports.md).

- ``daily``: the revenue of one UTC day (Completed and Processing sales count; Failed ones are
  told apart), by service type, and the 7 days ending on it as a sparkline.
- ``weekly``: the ISO week (Monday to Sunday) of the date: per day, per service, the agents.
- ``monthly``: the calendar month of the date: per week, per service, the agents ranked.
- ``agents``: each agent's heartbeats over the date's 24 hours (UTC).
- ``audit``: the audit log of the date: writes and refusals per key and action, refusals listed.

A report's page is keyed "<type> <period>" ("Daily Revenue 2026-12-05"): a second run updates
that page, never makes another, and rebuilds its body. The new blocks are appended before the
old ones are trashed, so a reader never finds the page empty, and a run cut short between the
two leaves both bodies, which the next run replaces. Scheduled runs report on the period just
ended: the day before the tick; for the hourly agents report, the day of the last whole hour.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine

from notionhub.errors import ObjectNotFound, ValidationFailed
from notionhub.hubdb.audit_log import AuditEntry
from notionhub.notion.documents import Element, Heading, Paragraph, Table, append_blocks, to_blocks
from notionhub.notion.gateway import NotionGateway
from notionhub.notion.schema import NotionDate
from notionhub.packs.enterprise.models import ReportRecord
from notionhub.packs.enterprise.report_figures import (
    DAY,
    AgentFigures,
    Revenue,
    Sale,
    agents_between,
    audit_entries,
    money,
    revenue_of,
    sales_between,
    sparkline,
)
from notionhub.packs.enterprise.rows import moment
from notionhub.packs.pack import Agent, FlowContext, Job, ReportJob, Schedule, WrittenReport

MAX_REFUSALS = 200  # refusals listed one by one; the rest are counted


@dataclass(frozen=True)
class Report:
    record: ReportRecord  # the page's properties (its key among them)
    elements: tuple[Element, ...]  # the page's body
    summary: str  # one line


@dataclass(frozen=True)
class Published:
    page_id: str
    action: str  # created, updated, unchanged (the properties; the body is always rebuilt)
    summary: str


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _revenue_text(revenue: Revenue, when: str) -> str:
    if not (revenue.count or revenue.failed or revenue.pending):
        return f"No sales {when}."
    text = (
        f"{money(revenue.total)} from {_counted(revenue.count, 'sale')} {when} (Completed and"
        f" Processing), average {money(revenue.average)}."
    )
    text += f" Failed payments: {revenue.failed} ({money(revenue.failed_amount)})."
    return text + (f" Pending: {revenue.pending}." if revenue.pending else "")


def _summary_elements(sales: Sequence[Sale], revenue: Revenue, when: str) -> list[Element]:
    elements: list[Element] = [Heading("Summary", 2), Paragraph(_revenue_text(revenue, when))]
    others = sorted({sale.currency for sale in sales} - {"USD"})
    if others:
        elements.append(
            Paragraph(f"Amounts are summed as recorded; some sales are in {', '.join(others)}.")
        )
    return elements


REVENUE_COLUMNS = ("Sales", "Revenue", "Average", "Failed")


def _revenue_cells(revenue: Revenue) -> list[str]:
    return [str(revenue.count), money(revenue.total), money(revenue.average), str(revenue.failed)]


def _revenue_table(first: str, groups: Sequence[tuple[str, Sequence[Sale]]]) -> Table:
    rows = [[name, *_revenue_cells(revenue_of(sales))] for name, sales in groups]
    return Table((first, *REVENUE_COLUMNS), rows)


def _by_service(sales: Sequence[Sale]) -> list[Element]:
    services = sorted({sale.service_type for sale in sales})
    groups = [(name, [sale for sale in sales if sale.service_type == name]) for name in services]
    table = _revenue_table("Service type", groups)
    return [Heading("By service type", 2), table if sales else Paragraph("No sales.")]


def _days(first: date, last: date) -> list[date]:
    return [first + n * DAY for n in range((last - first).days + 1)]


def _on(sales: Sequence[Sale], first: date, last: date | None = None) -> list[Sale]:
    return [sale for sale in sales if first <= sale.day <= (last or first)]


def share(value: float | None) -> str:
    """A share as a percentage with one decimal ("92.5%"), or "—" when no heartbeat gave it."""
    return "—" if value is None else f"{value:.1%}"


def _agents_table(agents: Sequence[AgentFigures], *, ranked: bool) -> Element:
    if not agents:
        return Paragraph("No heartbeats.")
    header = ("Agent", "Average performance", "Heartbeats", "Errors")
    rows = [[a.name, share(a.performance), str(a.beats), str(a.errors)] for a in agents]
    if ranked:
        return Table(("Rank", *header), [[str(n), *row] for n, row in enumerate(rows, 1)])
    return Table(header, rows)


def _record(kind: str, period: str, when: NotionDate, revenue: Revenue | None) -> ReportRecord:
    return ReportRecord(
        report=f"{kind} {period}",
        report_type=kind,
        date=when,
        total_revenue=None if revenue is None else revenue.total,
        transaction_count=None if revenue is None else revenue.count,
        average_value=None if revenue is None else revenue.average,
    )


def _revenue_summary(title: str, revenue: Revenue) -> str:
    return (
        f"{title}: {money(revenue.total)} from {_counted(revenue.count, 'sale')},"
        f" {revenue.failed} failed"
    )


# -- the reports --------------------------------------------------------------------------


def daily(engine: Engine, day: date) -> Report:
    """The revenue of ``day`` (UTC) and the trend of the 7 days ending on it."""
    week = _days(day - 6 * DAY, day)
    sales = sales_between(engine, week[0], day)
    revenue = revenue_of(_on(sales, day))
    totals = [revenue_of(_on(sales, one)).total for one in week]
    trend = (
        f"{sparkline(totals)}  revenue a day from {week[0]} to {day};"
        f" highest {money(max(totals))}, lowest {money(min(totals))}"
    )
    elements = [
        *_summary_elements(_on(sales, day), revenue, f"on {day} (UTC)"),
        *_by_service(_on(sales, day)),
        Heading("7-day trend", 2),
        Paragraph(trend),
    ]
    record = _record("Daily Revenue", str(day), NotionDate(day), revenue)
    return Report(record, tuple(elements), _revenue_summary(record.report, revenue))


def weekly(engine: Engine, day: date) -> Report:
    """The ISO week (Monday to Sunday) of ``day``: per day, per service, the agents."""
    monday = day - day.weekday() * DAY
    sunday = monday + 6 * DAY
    year, week, _ = day.isocalendar()
    sales = sales_between(engine, monday, sunday)
    revenue = revenue_of(sales)
    by_day = _revenue_table("Day", [(f"{d:%a} {d}", _on(sales, d)) for d in _days(monday, sunday)])
    elements = [
        *_summary_elements(sales, revenue, f"from {monday} to {sunday} (UTC)"),
        Heading("By day", 2),
        by_day if sales else Paragraph("No sales."),
        *_by_service(sales),
        Heading("Agents", 2),
        _agents_table(agents_between(engine, monday, sunday), ranked=False),
    ]
    record = _record("Weekly Summary", f"{year}-W{week:02d}", NotionDate(monday, sunday), revenue)
    return Report(record, tuple(elements), _revenue_summary(record.report, revenue))


def monthly(engine: Engine, day: date) -> Report:
    """The calendar month of ``day``: per week (ISO weeks, cut at the month's ends), per
    service, the agents ranked by average performance."""
    first = day.replace(day=1)
    last = (first + 31 * DAY).replace(day=1) - DAY
    sales = sales_between(engine, first, last)
    revenue = revenue_of(sales)
    weeks: list[tuple[str, Sequence[Sale]]] = []
    start = first
    while start <= last:
        end = min(start + (6 - start.weekday()) * DAY, last)
        label = f"W{start.isocalendar()[1]:02d} ({start} to {end})"
        weeks.append((label, _on(sales, start, end)))
        start = end + DAY
    elements = [
        *_summary_elements(sales, revenue, f"in {first:%B %Y} (UTC)"),
        Heading("By week", 2),
        _revenue_table("Week", weeks) if sales else Paragraph("No sales."),
        *_by_service(sales),
        Heading("Agent ranking", 2),
        _agents_table(agents_between(engine, first, last), ranked=True),
    ]
    record = _record("Monthly Performance", f"{first:%Y-%m}", NotionDate(first, last), revenue)
    return Report(record, tuple(elements), _revenue_summary(record.report, revenue))


def agents(engine: Engine, day: date) -> Report:
    """Each agent's heartbeats over the 24 hours of ``day`` (UTC), best performance first."""
    figures = agents_between(engine, day, day)
    beats = sum(agent.beats for agent in figures)
    when = f"on {day} (UTC, 00:00 to 24:00)"
    elements: list[Element] = [Heading("Summary", 2)]
    if not beats:
        elements.append(Paragraph(f"No heartbeats {when}."))
    else:
        rated = [a for a in figures if a.performance is not None]
        weight = sum(a.beats for a in rated)
        average = sum((a.performance or 0.0) * a.beats for a in rated) / weight if weight else None
        errors = sum(agent.errors for agent in figures)
        text = (
            f"{_counted(len(figures), 'agent')} sent {_counted(beats, 'heartbeat')} {when};"
            f" average performance {share(average)}, {_counted(errors, 'error')}."
        )
        header = ("Agent", "Heartbeats", "Performance", "CPU", "Memory", "Errors")
        rows = [
            [
                a.name,
                str(a.beats),
                share(a.performance),
                share(a.cpu),
                share(a.memory),
                f"{a.errors}",
            ]
            for a in figures
        ]
        elements += [Paragraph(text), Heading("Agents", 2), Table(header, rows)]
    record = _record("Agent Performance", str(day), NotionDate(day), None)
    summary = f"{record.report}: {_counted(len(figures), 'agent')}, {_counted(beats, 'heartbeat')}"
    return Report(record, tuple(elements), summary)


def audit(engine: Engine, day: date) -> Report:
    """The audit log of ``day`` (UTC): writes and refusals per key and action, refusals."""
    entries = audit_entries(engine, day)
    refused = [entry for entry in entries if not entry.success]
    writes = len(entries) - len(refused)
    elements: list[Element] = [Heading("Summary", 2)]
    if not entries:
        elements.append(Paragraph(f"No audit entries on {day} (UTC)."))
    else:
        elements.append(
            Paragraph(
                f"{len(entries)} audit entries on {day} (UTC): {_counted(writes, 'write')},"
                f" {_counted(len(refused), 'refusal')}."
            )
        )
        elements += [Heading("By key and action", 2), _audit_pairs(entries)]
        elements += [Heading("Refusals", 2), *_refusals(refused)]
    record = _record("Audit", str(day), NotionDate(day), None)
    summary = f"{record.report}: {_counted(writes, 'write')}, {_counted(len(refused), 'refusal')}"
    return Report(record, tuple(elements), summary)


def _audit_pairs(entries: Sequence[AuditEntry]) -> Table:
    done: Counter[tuple[str, str]] = Counter()
    denied: Counter[tuple[str, str]] = Counter()
    for entry in entries:
        (done if entry.success else denied)[entry.key_name, entry.action] += 1
    rows = [
        [key, action, str(done[key, action]), str(denied[key, action])]
        for key, action in sorted(set(done) | set(denied))
    ]
    return Table(("Key", "Action", "Writes", "Refusals"), rows)


def _refusals(refused: Sequence[AuditEntry]) -> list[Element]:
    if not refused:
        return [Paragraph("No refusals.")]
    header = ("Time (UTC)", "Key", "Action", "Resource", "Details")
    rows = [
        [f"{moment(e.at):%H:%M:%S}", e.key_name, e.action, e.resource, e.details]
        for e in refused[:MAX_REFUSALS]
    ]
    more = len(refused) > MAX_REFUSALS
    return [
        Table(header, rows),
        *([Paragraph(f"The first {MAX_REFUSALS} of {len(refused)} refusals.")] if more else []),
    ]


# -- writing a report ---------------------------------------------------------------------

BUILDERS: dict[str, Callable[[Engine, date], Report]] = {
    "daily": daily,
    "weekly": weekly,
    "monthly": monthly,
    "agents": agents,
    "audit": audit,
}
# How long before a run's moment the day it reports on lies: the day just ended; for the
# hourly agents report, the day of the last whole hour (at 00:05, the day before, complete).
LOOK_BACK = {
    "daily": DAY,
    "weekly": DAY,
    "monthly": DAY,
    "agents": timedelta(hours=1),
    "audit": DAY,
}


def report_day(kind: str, at: datetime) -> date:
    """The day a run of ``kind`` at ``at`` reports on (UTC)."""
    return (at.astimezone(UTC) - LOOK_BACK[kind]).date()


def publish(context: FlowContext, kind: str, day: date) -> Published:
    """Compute the report ``kind`` of ``day`` and write it: its page's properties, then its
    body rebuilt."""
    report = BUILDERS[kind](context.engine, day)
    result = context.records.upsert(report.record)
    _rebuild_body(context.gateway, result.page_id, report.elements)
    return Published(result.page_id, result.action, report.summary)


def _rebuild_body(gateway: NotionGateway, page_id: str, elements: Sequence[Element]) -> None:
    old = [block["id"] for block in gateway.list_children(page_id)]
    append_blocks(gateway, page_id, [block for element in elements for block in to_blocks(element)])
    for block_id in old:
        # Gone already: a run of the same report at the same time trashed it.
        with suppress(ObjectNotFound, ValidationFailed):
            gateway.delete_block(block_id)


def _on_demand(kind: str) -> ReportJob:
    def write(context: FlowContext, day: date | None) -> WrittenReport:
        published = publish(context, kind, day or report_day(kind, context.now()))
        return WrittenReport(published.page_id, f"{published.summary} ({published.action})")

    return write


# ``notionhub report <kind> [--date]``: without a date, the period a scheduled run now reports on.
ON_DEMAND: dict[str, ReportJob] = {kind: _on_demand(kind) for kind in BUILDERS}


def _scheduled(kind: str) -> Job:
    def run(context: FlowContext) -> str:
        day = report_day(kind, context.scheduled_at or context.now())
        published = publish(context, kind, day)
        return f"{published.summary} ({published.action})"

    return run


REPORTS = Agent(
    name="reports",
    description="Writes the business-intelligence reports to the Reports database from the"
    " pack's tables: revenue daily, weekly and monthly, agents' performance hourly, the audit"
    " log daily.",
    schedules=(
        Schedule(
            "enterprise.reports.daily",
            "0 6 * * *",
            _scheduled("daily"),
            description="Daily Revenue of the day before.",
        ),
        Schedule(
            "enterprise.reports.weekly",
            "10 6 * * 1",
            _scheduled("weekly"),
            description="Weekly Summary of the ISO week just ended.",
        ),
        Schedule(
            "enterprise.reports.monthly",
            "20 6 1 * *",
            _scheduled("monthly"),
            description="Monthly Performance of the month just ended.",
        ),
        Schedule(
            "enterprise.reports.agents",
            "5 * * * *",
            _scheduled("agents"),
            description="Agent Performance of the day of the last whole hour.",
        ),
        Schedule(
            "enterprise.reports.audit",
            "30 6 * * *",
            _scheduled("audit"),
            description="Audit report of the day before.",
        ),
    ),
    writes=(ReportRecord,),
)
