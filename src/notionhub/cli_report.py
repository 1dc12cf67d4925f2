"""``notionhub report KIND [--date YYYY-MM-DD]``: write a report an enabled pack declares
(``Pack.reports``: the enterprise pack's daily, weekly, monthly, agents, audit) now, as its
schedule would, and print the page's URL and a summary (docs/packs/enterprise-reports.md)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from notionhub.errors import ConfigurationError, NotionhubError
from notionhub.settings import Settings

if TYPE_CHECKING:
    from notionhub.packs.pack import Pack

# SQLAlchemy, notion-client and the packs are imported inside the command: the CLI starts fast.


def register_report_command(app: typer.Typer, console: Console) -> None:
    """Add ``report`` to ``app``; refusals are one line on ``console``, exit code 2."""

    def refuse(message: str, code: int = 2) -> typer.Exit:
        console.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
        return typer.Exit(code)

    @app.command("report")
    def report_command(
        kind: Annotated[
            str, typer.Argument(help="A report an enabled pack declares (daily, weekly …).")
        ],
        on: Annotated[
            str | None,
            typer.Option(
                "--date",
                metavar="YYYY-MM-DD",
                help="A day of the period (UTC). Default: the period a scheduled run would report"
                " on now (yesterday; for agents, the day of the last whole hour).",
            ),
        ] = None,
    ) -> None:
        """Write a pack's report to Notion now; prints its page's URL and a summary."""
        day = _parse_day(on)
        if on is not None and day is None:
            raise refuse(f"--date {on!r} is not a date: give YYYY-MM-DD (for example 2026-12-05)")
        settings = Settings()
        try:
            pack = _pack_writing(kind, settings.notionhub_packs)
            url, summary = _write(settings, pack, kind, day)
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


def _pack_writing(kind: str, enabled: str) -> Pack:
    """The enabled pack that declares the report ``kind``; ``ConfigurationError`` naming the
    installed packs that would, or the kinds there are, otherwise."""
    from notionhub.packs.discovery import installed_packs, load_pack, load_packs

    packs = load_packs(enabled)
    writers = [pack for pack in packs if kind in pack.reports]
    if len(writers) == 1:
        return writers[0]
    if writers:
        names = ", ".join(pack.name for pack in writers)
        raise ConfigurationError(f"the enabled packs {names} each write a {kind!r} report")
    elsewhere = [name for name in installed_packs() if kind in load_pack(name).reports]
    if elsewhere:
        raise ConfigurationError(
            f"the {kind!r} report belongs to the {' or '.join(elsewhere)} pack: add it to"
            f" NOTIONHUB_PACKS (now {enabled!r})"
        )
    kinds = sorted({k for pack in packs for k in pack.reports})
    raise ConfigurationError(
        f"no pack writes a {kind!r} report; the enabled packs' reports: "
        + (", ".join(kinds) or f"none (NOTIONHUB_PACKS={enabled!r})")
    )


def _write(settings: Settings, pack: Pack, kind: str, day: date | None) -> tuple[str, str]:
    """Write the report with a flow context of ``pack`` opened for this command; the page's URL
    (as Notion gives it) and the report's one-line summary."""
    from sqlalchemy.exc import SQLAlchemyError

    from notionhub.backend import open_backend
    from notionhub.clock import system_clock
    from notionhub.hubdb.database_url import check_hub_database
    from notionhub.logging_setup import configure_logging
    from notionhub.notion.connection import open_notion
    from notionhub.packs.pack import FlowContext

    configure_logging(settings.log_level)
    check_hub_database(settings)
    embedded = open_backend(settings)
    notion = open_notion(
        settings, backend=embedded.backend if embedded else None, packs=[pack.name]
    )
    gateway = notion.gateway_of(pack.name)
    try:
        context = FlowContext(
            records=notion.records(gateway=gateway),
            gateway=gateway,
            engine=notion.engine,
            settings=settings,
            now=system_clock,
            pack_settings=pack.read_settings(),
        )
        written = pack.reports[kind](context, day)
        url = str(gateway.retrieve_page(written.page_id)["url"])
    except SQLAlchemyError as error:  # the pack's tables missing: no hub has run with it yet
        raise ConfigurationError(
            f"the {pack.name} pack's tables cannot be read ({type(error).__name__}): start the"
            " hub once with the pack enabled, then try again"
        ) from error
    finally:
        notion.close()
        if embedded is not None:
            embedded.close()
    return url, written.summary
