"""The ``notionhub`` command line."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.console import Console

from notionhub import __version__
from notionhub.hub_app import LOCAL_NOTION_MOUNT, create_hub_app
from notionhub.localnotion.app import DEFAULT_TOKEN, LocalNotionConfig, create_app
from notionhub.logging_setup import configure_logging
from notionhub.settings import Settings

app = typer.Typer(
    help="notionhub: signed webhooks in, correct Notion pages out.", no_args_is_help=True
)
console = Console(stderr=True)


@app.command()
def version() -> None:
    """Print notionhub's version."""
    typer.echo(__version__)


@app.command("notion-server")
def notion_server(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    data: Annotated[Path, typer.Option(help="Folder of the SQLite store.")] = Path(
        ".notionhub/notion"
    ),
    token: Annotated[
        list[str] | None,
        typer.Option(
            help="Accepted bearer token (repeatable)."
            " Default: $LOCAL_NOTION_TOKEN or local-notion-token."
        ),
    ] = None,
    rate_limit: Annotated[
        float | None,
        typer.Option(help="Limit each token to this many requests/s, like Notion (about 3)."),
    ] = None,
    burst: Annotated[int, typer.Option(help="Requests allowed at once under --rate-limit.")] = 3,
) -> None:
    """Run the local Notion-compatible server alone; prints its base URL."""
    configure_logging(os.environ.get("LOG_LEVEL", "info"))
    tokens = tuple(token or [os.environ.get("LOCAL_NOTION_TOKEN") or DEFAULT_TOKEN])
    base_url = f"http://{host}:{port}"
    config = LocalNotionConfig(
        data_dir=data, tokens=tokens, public_url=base_url, rate_limit=rate_limit, rate_burst=burst
    )
    server_app = create_app(config)
    typer.echo(f"Local Notion server: {base_url}  (data in {data}, API version 2025-09-03)")
    uvicorn.run(server_app, host=host, port=port, log_level="warning")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int | None, typer.Option(help="Port; default $SERVER_PORT or 8000.")] = None,
) -> None:
    """Run the hub. With no NOTION_TOKEN, a local Notion server is embedded at /notion."""
    settings = Settings()
    configure_logging(settings.log_level)
    port = port or settings.server_port
    public_url = f"http://{host}:{port}"
    hub = create_hub_app(settings, public_url)
    typer.echo(f"notionhub {__version__}: {public_url}")
    if settings.uses_local_notion:
        typer.echo(
            f"Notion: embedded local server at {public_url}{LOCAL_NOTION_MOUNT}"
            f" (data in {settings.local_notion_dir})"
        )
    else:
        typer.echo(f"Notion: {settings.notion_base_url}")
    uvicorn.run(hub, host=host, port=port, log_level="warning")
