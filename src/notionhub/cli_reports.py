"""Tables the command line prints."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from notionhub.notion.provision import ProvisionReport
    from notionhub.queue.store import StoredEvent


def print_provision_report(console: Console, report: ProvisionReport) -> None:
    """One row per database, then one row per drift still present."""
    table = Table(title="Notion databases")
    table.add_column("Database")
    table.add_column("Action")
    table.add_column("Database ID", overflow="fold")
    table.add_column("Data source ID", overflow="fold")
    for database in report.databases:
        table.add_row(database.name, database.action, database.database_id, database.data_source_id)
    console.print(table)
    drift = [(d.name, item) for d in report.databases for item in d.drift]
    if drift:
        drift_table = Table(title="Drift (run with --fix to add what is missing)")
        for column in ("Database", "Property", "Problem", "Expected", "Found"):
            drift_table.add_column(column)
        for name, item in drift:
            drift_table.add_row(name, item.property, item.kind, item.expected, item.actual or "—")
        console.print(drift_table)
    fixed = [(d.name, item) for d in report.databases for item in d.fixed]
    for name, item in fixed:
        console.print(f"fixed: {name}.{item.property} ({item.kind}: {item.expected})")
    if not report.changed and not drift:
        console.print("Nothing to do: every database exists and matches its schema.")


def print_events(console: Console, rows: list[StoredEvent], now: float) -> None:
    """One row per event, newest first, fitting the console's width (80 columns and up): ids
    wrap whole (they are copied into `events show`), errors are cut."""
    if not rows:
        console.print("No events.")
        return
    table = Table(title="Events (newest first)", expand=True)
    table.add_column("When", no_wrap=True, min_width=7)
    table.add_column("Status", no_wrap=True)
    table.add_column("Event", overflow="fold", ratio=3)
    table.add_column("ID", overflow="fold", ratio=4)
    table.add_column("Try", justify="right", no_wrap=True)
    table.add_column("Error", overflow="ellipsis", no_wrap=True, ratio=2)
    for row in rows:
        table.add_row(
            since_text(row.received_at, now),
            escape(row.status),
            escape(f"{row.provider} {row.type}"),
            escape(row.id),
            str(row.attempts),
            escape(row.last_error or ""),
        )
    console.print(table)


def print_event_detail(console: Console, detail: dict[str, Any]) -> None:
    """One event: its fields, payload (secrets hidden), history, the Notion pages it touched."""
    fields = Table(show_header=False, box=None, pad_edge=False)
    fields.add_column(style="bold", no_wrap=True)
    fields.add_column(overflow="fold")
    for name in ("id", "provider", "type", "status", "entity_key", "attempts", "replays"):
        value = detail.get(name)
        fields.add_row(name, "" if value is None else escape(str(value)))
    for name in ("occurred_at", "received_at", "updated_at", "workflow_id", "last_error"):
        if detail.get(name):
            fields.add_row(name, escape(str(detail[name])))
    console.print(fields)
    console.print("\n[bold]Payload[/bold] (secrets and signatures hidden)")
    console.print(escape(json.dumps(detail["data"], indent=2, ensure_ascii=False)))
    console.print("\n[bold]History[/bold]")
    for entry in detail["history"]:
        extra = {k: v for k, v in entry.items() if k not in ("at", "kind", "notion_requests")}
        requests = entry.get("notion_requests")
        count = f"  ({len(requests)} Notion requests)" if isinstance(requests, list) else ""
        more = f"  {json.dumps(extra, ensure_ascii=False)}" if extra else ""
        console.print(escape(f"{entry['at']}  {entry['kind']}{count}{more}"))
    pages = detail["notion_pages"]
    console.print("\n[bold]Notion pages[/bold]" + ("" if pages else ": none recorded"))
    for page in pages:
        console.print(escape(page.get("url") or page["id"]))


def since_text(epoch: float, now: float) -> str:
    """A short relative time: ``12s ago``, ``5m ago``, ``3h ago``, ``2d ago``; a date beyond."""
    seconds = max(0.0, now - epoch)
    for limit, unit, size in (
        (60, "s", 1),
        (3600, "m", 60),
        (86400, "h", 3600),
        (604800, "d", 86400),
    ):
        if seconds < limit:
            return f"{int(seconds // size)}{unit} ago"
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%d")
