"""``notionhub migrate``: bring the hub's, the packs' and DBOS's tables to this version without
starting anything (docs/deploy.md, "Migrations")."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from notionhub.errors import NotionhubError
from notionhub.hubdb.database_url import check_hub_database
from notionhub.settings import Settings


def register_migrate_command(app: typer.Typer, console: Console) -> None:
    @app.command("migrate")
    def migrate(
        as_json: Annotated[
            bool, typer.Option("--json", help="Print [{part, before, after, changed}].")
        ] = False,
    ) -> None:
        """Create or migrate the hub database (hub tables, the enabled packs' tables, DBOS's
        system tables); safe to run while other processes run, and to run again."""
        from notionhub.logging_setup import configure_logging
        from notionhub.packs.discovery import load_packs
        from notionhub.queue.migrate import migrate_deployment

        settings = Settings()
        configure_logging(settings.log_level)
        check_hub_database(settings)
        if settings.database_url is None:
            settings.notionhub_home.mkdir(parents=True, exist_ok=True)
        try:
            steps = migrate_deployment(settings, load_packs(settings.notionhub_packs))
        except NotionhubError as error:
            console.print(f"[red]error:[/red] {escape(str(error))}", soft_wrap=True)
            raise typer.Exit(2) from error
        if as_json:
            typer.echo(
                json.dumps(
                    [
                        {"part": s.part, "before": s.before, "after": s.after, "changed": s.changed}
                        for s in steps
                    ],
                    indent=2,
                )
            )
            return
        table = Table(title="Migrations")
        for column in ("Part", "Before", "After"):
            table.add_column(column, overflow="fold")
        for step in steps:
            table.add_row(escape(step.part), escape(step.before), escape(step.after))
        console.print(table)
        changed = sum(step.changed for step in steps)
        console.print(
            f"{changed} part(s) migrated." if changed else "Nothing to do: every part is current."
        )
