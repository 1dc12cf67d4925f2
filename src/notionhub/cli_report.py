"""``notionhub report daily|weekly|monthly|agents|audit [--date YYYY-MM-DD]``: write one of the
enterprise pack's reports now, as its schedule would, and print the page's URL and a summary
(docs/packs/enterprise-reports.md)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from notionhub.errors import ConfigurationError, NotionhubError
from notionhub.settings import Settings

# SQLAlchemy, notion-client and the pack are imported inside the command: the CLI starts fast.

PACK_NAME = "enterprise"


class ReportKind(StrEnum):
    daily = "daily"
    weekly = "weekly"
    monthly = "monthly"
    agents = "agents"
    audit = "audit"


def register_report_command(app: typer.Typer, console: Console) -> None:
    """Add ``report`` to ``app``; refusals are one line on ``console``, exit code 2."""

    def refuse(message: str, code: int = 2) -> typer.Exit:
        console.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
        return typer.Exit(code)

    @app.command("report")
    def report_command(
        kind: Annotated[ReportKind, typer.Argument(help="Which report to write.")],
        on: Annotated[
            str | None,
            typer.Option(
                "--date",
                metavar="YYYY-MM-DD",
                help="A day of the period (UTC). Default: yesterday; for agents, the day of the"
                " last whole hour.",
            ),
        ] = None,
    ) -> None:
        """Write an enterprise report to the Reports database now; prints its page's URL."""
        day = _parse_day(on)
        if on is not None and day is None:
            raise refuse(f"--date {on!r} is not a date: give YYYY-MM-DD (for example 2026-12-05)")
        settings = Settings()
        packs = [name.strip() for name in settings.notionhub_packs.split(",")]
        if PACK_NAME not in packs:
            raise refuse(
                f"the reports belong to the enterprise pack: add enterprise to NOTIONHUB_PACKS"
                f" (now {settings.notionhub_packs!r})"
            )
        try:
            url, summary = _write(settings, kind.value, day)
        except NotionhubError as error:
            # A setting Notion shows wrong (a database not provisioned…) is 2, as at start.
            raise refuse(str(error), 2 if isinstance(error, ConfigurationError) else 1) from error
        typer.echo(url)
        typer.echo(summary)


def _parse_day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        return None


def _write(settings: Settings, kind: str, day: date | None) -> tuple[str, str]:
    """Write the report with a flow context of the enterprise pack opened for this command;
    the page's URL (as Notion gives it) and the report's one-line summary."""
    from sqlalchemy.exc import SQLAlchemyError

    from notionhub.backend import open_backend
    from notionhub.clock import system_clock
    from notionhub.hubdb.database_url import check_hub_database
    from notionhub.logging_setup import configure_logging
    from notionhub.notion.connection import open_notion
    from notionhub.packs.enterprise.reports import publish, report_day
    from notionhub.packs.pack import FlowContext

    configure_logging(settings.log_level)
    check_hub_database(settings)
    embedded = open_backend(settings)
    notion = open_notion(settings, backend=embedded.backend if embedded else None)
    try:
        context = FlowContext(
            records=notion.records(),
            gateway=notion.gateway,
            engine=notion.engine,
            settings=settings,
            now=system_clock,
        )
        published = publish(context, kind, day or report_day(kind, context.now()))
        url = str(notion.gateway.retrieve_page(published.page_id)["url"])
    except SQLAlchemyError as error:  # the pack's tables missing: no hub has run with it yet
        raise ConfigurationError(
            f"the enterprise pack's tables cannot be read ({type(error).__name__}): start the"
            " hub once with the pack enabled, then try again"
        ) from error
    finally:
        notion.close()
        if embedded is not None:
            embedded.close()
    return url, f"{published.summary} ({published.action})"
