"""Tables the command line prints."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

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


def print_events(console: Console, rows: list[StoredEvent]) -> None:
    """One row per event, newest first."""
    if not rows:
        console.print("No events.")
        return
    table = Table(title="Events (newest first)")
    for column in ("Received", "Event", "Type", "Status", "Attempts", "Notion req.", "Error"):
        table.add_column(column, overflow="fold")
    for row in rows:
        received = row.summary()["received_at"]
        table.add_row(
            received,
            row.id,
            row.type,
            row.status,
            str(row.attempts),
            str(row.notion_requests),
            (row.last_error or "")[:80],
        )
    console.print(table)
