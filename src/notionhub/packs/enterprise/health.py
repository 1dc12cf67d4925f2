"""Health checks, every minute: Notion reachable, each of the pack's databases accessible (not
in the trash),
events processed (none failing in the last 15 minutes), agents responsive (their heartbeats are
watched by the collector). A failing check opens an alert, its recovery resolves it."""

from __future__ import annotations

from sqlalchemy import and_, func, select

from notionhub.errors import NotionAPIError, NotionhubError, NotionUnreachable
from notionhub.hubdb.engine import read_connection
from notionhub.hubdb.tables import events, notion_databases
from notionhub.packs.enterprise.alerts import Check, settle, write_alerts
from notionhub.packs.enterprise.models import MODELS
from notionhub.packs.pack import FlowContext

FAILURE_WINDOW_SECONDS = 900.0


def health_checks(context: FlowContext) -> list[Check]:
    """Run the checks (one Notion request per database: people trash databases, not their
    data sources, so each database is read, with the list of its data sources)."""
    checks: list[Check] = []
    reached = False
    unreachable = ""
    bound = _bound_databases(context)
    for model in MODELS:
        name = model.__database__.name
        ids = bound.get(name)
        if ids is None:
            checks.append(_database(name, "it is not provisioned (run `notionhub provision`)"))
            continue
        database_id, data_source_id = ids
        try:
            database = context.gateway.retrieve_database(database_id)
        except NotionUnreachable as error:
            unreachable = str(error)
            checks.append(_database(name, f"Notion did not answer: {error}"))
            continue
        except (NotionAPIError, NotionhubError) as error:
            reached = True
            checks.append(_database(name, f"{type(error).__name__}: {error}"))
            continue
        reached = True
        sources = {source.get("id") for source in database.get("data_sources") or []}
        if database.get("in_trash"):
            checks.append(_database(name, "it is in Notion's trash (restore it)"))
        elif data_source_id not in sources:
            checks.append(_database(name, "its data source is gone from the database"))
        else:
            checks.append(Check(f"database:{name}", ok=True))
    checks.append(
        Check(
            "notion",
            ok=reached,
            alert_type="Health",
            severity="Critical",
            message=f"Notion is unreachable: {unreachable}",
        )
    )
    checks.append(_event_failures(context))
    return checks


def _bound_databases(context: FlowContext) -> dict[str, tuple[str, str]]:
    """Each provisioned database's (database id, data source id), by name."""
    with read_connection(context.engine) as connection:
        rows = connection.execute(select(notion_databases)).all()
    return {row.name: (row.database_id, row.data_source_id) for row in rows}


def _database(name: str, problem: str) -> Check:
    return Check(
        f"database:{name}",
        ok=False,
        alert_type="Health",
        severity="Critical",
        message=f"The {name} database is not accessible: {problem}"[:1000],
    )


def _event_failures(context: FlowContext) -> Check:
    since = context.now().timestamp() - FAILURE_WINDOW_SECONDS
    with read_connection(context.engine) as connection:
        failed = connection.execute(
            select(func.count()).where(
                and_(events.c.status == "failed", events.c.updated_at >= since)
            )
        ).scalar_one()
    return Check(
        "webhooks",
        ok=failed == 0,
        alert_type="Health",
        severity="Warning",
        message=f"{failed} events failed in the last 15 minutes: see the console's Events"
        " (status failed) and replay them once the cause is fixed.",
    )


def run_health_checks(context: FlowContext) -> str:
    """The schedule's job: run the checks, open and resolve alerts, write them to Notion."""
    now = context.now().timestamp()
    checks = health_checks(context)
    changes: dict[str, str] = {}
    with context.engine.begin() as connection:
        for check in checks:
            outcome = settle(connection, now, check)
            if outcome is not None:
                changes[check.name] = outcome
    try:
        written = write_alerts(context)
    except NotionhubError:
        written = 0  # Notion down: the alerts wait in the table and go out once it answers
    failing = [check.name for check in checks if not check.ok]
    summary = f"{len(checks) - len(failing)}/{len(checks)} checks pass"
    if failing:
        summary += f" (failing: {', '.join(failing)})"
    if changes:
        summary += "; " + ", ".join(f"{name} {what}" for name, what in changes.items())
    return summary + f"; {written} alerts written"
