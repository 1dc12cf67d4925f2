"""The commands about packs: ``packs``, ``config`` and ``schedules``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from notionhub.errors import NotionhubError
from notionhub.hubdb.database_url import check_hub_database, redact
from notionhub.settings import Settings

if TYPE_CHECKING:
    from dbos import DBOSClient

# DBOS, SQLAlchemy and the packs are imported inside the commands: the CLI starts fast.

SECRET_SHOWN = "•••••• (set)"


def register_pack_commands(app: typer.Typer, console: Console) -> None:
    """Add the pack commands to ``app``; errors are printed on ``console``."""

    def fail(error: NotionhubError) -> typer.Exit:
        console.print(f"[red]error:[/red] {escape(str(error))}")
        return typer.Exit(2)

    @app.command("packs")
    def packs_command() -> None:
        """List the installed packs (the notionhub.packs entry points) and which are enabled."""
        from notionhub.packs.discovery import installed_packs, load_pack

        enabled = set(Settings().pack_names)
        table = _table("pack", "enabled", "agents", "schedules", "from")
        for name, entry in sorted(installed_packs().items()):
            try:
                pack = load_pack(name)
            except NotionhubError as error:
                table.add_row(name, "yes" if name in enabled else "", f"[red]{error}[/red]", "", "")
                continue
            table.add_row(
                name,
                "yes" if name in enabled else "",
                ", ".join(agent.name for agent in pack.agents),
                ", ".join(schedule.name for _, schedule in pack.schedules()),
                entry.value,
            )
        Console().print(table)

    @app.command("config")
    def config_command() -> None:
        """Show the settings in force: the hub's and each enabled pack's (secrets hidden)."""
        from notionhub.packs.discovery import load_packs
        from notionhub.queue.runtime import read_pack_settings

        settings = Settings()
        try:
            packs = load_packs(settings.notionhub_packs)
            sections: list[tuple[str, BaseSettings]] = [("hub", settings)]
            for pack in packs:
                values = read_pack_settings(pack)
                if values is not None:
                    sections.append((f"pack {pack.name}", values))
        except NotionhubError as error:
            raise fail(error) from error
        table = _table("section", "variable", "value", "meaning")
        for section, values in sections:
            prefix = str(values.model_config.get("env_prefix", ""))
            for name, field in type(values).model_fields.items():
                table.add_row(
                    section, (prefix + name).upper(), _shown(getattr(values, name)), _doc(field)
                )
        Console().print(table)

    @app.command("schedules")
    def schedules_command(
        run: Annotated[
            str | None,
            typer.Option(help="Run this schedule now (<pack>.<schedule>) on a running hub."),
        ] = None,
        forget: Annotated[
            str | None,
            typer.Option(help="Drop a schedule of a pack no process runs any more."),
        ] = None,
    ) -> None:
        """The enabled packs' schedules: cron, next run, last run and its outcome."""
        from notionhub.clock import system_clock
        from notionhub.hubdb.engine import create_hub_engine
        from notionhub.packs.discovery import load_packs
        from notionhub.queue.schedules import schedule_statuses

        settings = Settings()
        check_hub_database(settings)
        if forget is not None:
            with _dbos_client(settings, console) as client:
                registered = client.get_schedule(forget) is not None
                if registered:
                    client.delete_schedule(forget)
            if not registered:
                console.print(f"[red]error:[/red] no schedule {escape(repr(forget))} is registered")
                raise typer.Exit(2)
            typer.echo(f"{forget}: forgotten (a hub that enables its pack registers it again)")
            return
        try:
            packs = load_packs(settings.notionhub_packs)
            engine = create_hub_engine(settings.hub_database_url)
        except NotionhubError as error:
            raise fail(error) from error
        statuses = schedule_statuses(packs, engine, system_clock())
        engine.dispose()
        if run is not None:
            if run not in {status.name for status in statuses}:
                known = ", ".join(status.name for status in statuses) or "none"
                console.print(
                    f"[red]error:[/red] no schedule {escape(repr(run))}; enabled: {escape(known)}"
                )
                raise typer.Exit(2)
            with _dbos_client(settings, console) as client:
                handle = client.trigger_schedule(run)
            typer.echo(f"{run}: queued as {handle.get_workflow_id()}; a running hub runs it")
            return
        table = _table("schedule", "cron", "next run (UTC)", "runs", "last tick", "outcome", "note")
        for status in statuses:
            table.add_row(
                status.name,
                status.cron,
                status.next_run.strftime("%Y-%m-%d %H:%M:%S"),
                str(status.runs),
                status.last_tick or "never",
                status.last_outcome or "",
                (status.last_note or status.description)[:80],
            )
        Console().print(table)


@contextmanager
def _dbos_client(settings: Settings, console: Console) -> Iterator[DBOSClient]:
    """A client of DBOS's system database; a clear refusal when no hub has used it yet."""
    from dbos import DBOSClient
    from sqlalchemy.exc import SQLAlchemyError

    from notionhub.queue.runtime import dbos_config

    url = str(dbos_config(settings)["system_database_url"])
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        console.print(
            f"[red]error:[/red] no hub has run with {settings.notionhub_home} yet: start"
            " `notionhub serve` once, then try again."
        )
        raise typer.Exit(2)
    client = DBOSClient(system_database_url=url)
    try:
        yield client
    except SQLAlchemyError as error:
        console.print(f"[red]error:[/red] DBOS's database could not be used: {escape(str(error))}")
        raise typer.Exit(2) from error
    finally:
        client.destroy()


def _table(*columns: str) -> Table:
    """A table whose long cells wrap instead of being cut (names and values must stay whole)."""
    table = Table()
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


def _shown(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, SecretStr):
        return SECRET_SHOWN if value.get_secret_value() else ""
    return redact(str(value))  # DATABASE_URL's password, if it has one


def _doc(field: FieldInfo) -> str:
    return field.description or ""
