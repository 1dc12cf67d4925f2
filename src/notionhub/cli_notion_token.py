"""``notionhub notion-token``: the local Notion token other machines must send."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from notionhub.settings import Settings


def register_notion_token_command(app: typer.Typer, console: Console) -> None:
    @app.command("notion-token")
    def notion_token(
        data: Annotated[
            Path | None,
            typer.Option(
                help="Data folder of a `notionhub notion-server` (its --data)."
                " Default: the embedded Notion's, $NOTIONHUB_HOME/notion."
            ),
        ] = None,
    ) -> None:
        """Print the local Notion token for clients on other machines (generated on first need,
        kept in the data folder, readable by its owner only); LOCAL_NOTION_TOKEN if you set it."""
        from notionhub.local_notion_access import token_in_force

        settings = Settings()
        token, source = token_in_force(settings, data or settings.local_notion_dir)
        console.print(f"from {source}", soft_wrap=True)  # stderr: stdout is the token alone
        typer.echo(token)
