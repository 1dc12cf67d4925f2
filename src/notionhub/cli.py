"""The ``notionhub`` command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from starlette.types import ASGIApp

from notionhub import __version__
from notionhub.backend import open_backend
from notionhub.cli_packs import register_pack_commands
from notionhub.cli_reports import print_events, print_provision_report
from notionhub.errors import NotionhubError
from notionhub.hubdb.engine import create_hub_engine
from notionhub.localnotion.app import (
    API_VERSION,
    DEFAULT_TOKEN,
    LocalNotionConfig,
    create_app,
    webhook_subscriptions,
)
from notionhub.logging_setup import configure_logging
from notionhub.notion.connection import NotionConnection, open_notion
from notionhub.notion.provision import Provisioner
from notionhub.notion.schema import NotionModel
from notionhub.packs import load_packs
from notionhub.queue.processor import EventProcessor
from notionhub.queue.runtime import Runtime, read_pack_settings
from notionhub.queue.store import STATUSES, EventStore
from notionhub.settings import Settings
from notionhub.web.app import LOCAL_NOTION_MOUNT, create_hub_app

app = typer.Typer(
    help="notionhub: signed webhooks in, correct Notion pages out.", no_args_is_help=True
)
console = Console(stderr=True)
register_pack_commands(app, console)


def _serve(asgi_app: ASGIApp, host: str, port: int) -> None:
    """Serve with uvicorn's C HTTP parser (httptools) and event loop (uvloop), both pinned."""
    uvicorn.run(
        asgi_app, host=host, port=port, log_level="warning", http="httptools", loop="uvloop"
    )


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
    webhook_url: Annotated[
        list[str] | None,
        typer.Option(
            help="Send webhooks to this URL (repeatable). Default: $LOCAL_NOTION_WEBHOOK_URLS"
            " (comma-separated)."
        ),
    ] = None,
    person_token: Annotated[
        list[str] | None,
        typer.Option(
            help="Bearer token that acts as the workspace's person, not the integration"
            " (repeatable). Default: $LOCAL_NOTION_PERSON_TOKEN."
        ),
    ] = None,
    webhook_aggregation_seconds: Annotated[
        float | None,
        typer.Option(
            min=0,
            help="Merge one entity's events of a type within this many seconds (0: none)."
            " Default: $LOCAL_NOTION_WEBHOOK_AGGREGATION_SECONDS or 1.",
        ),
    ] = None,
) -> None:
    """Run the local Notion-compatible server alone; prints its base URL."""
    settings = Settings()
    configure_logging(settings.log_level)
    tokens = tuple(token or [settings.local_notion_token.get_secret_value() or DEFAULT_TOKEN])
    person = settings.local_notion_person_token
    person_tokens = tuple(person_token or ([person.get_secret_value()] if person else []))
    base_url = f"http://{host}:{port}"
    config = LocalNotionConfig(
        data_dir=data,
        tokens=tokens,
        public_url=base_url,
        rate_limit=rate_limit,
        rate_burst=burst,
        person_tokens=tuple(t for t in person_tokens if t),
        webhook_urls=tuple(webhook_url or settings.local_notion_webhooks),
        webhook_aggregation_seconds=(
            settings.local_notion_webhook_aggregation_seconds
            if webhook_aggregation_seconds is None
            else webhook_aggregation_seconds
        ),
    )
    server_app = create_app(config)
    typer.echo(f"Local Notion server: {base_url}  (data in {data}, API version {API_VERSION})")
    for sub in webhook_subscriptions(server_app):
        typer.echo(f"Webhooks: {sub.url}  ({sub.status}, subscription {sub.id})")
    _serve(server_app, host, port)


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

    def announce(runtime: Runtime) -> None:
        report = runtime.provision_report
        databases = report.databases if report is not None else []
        summary = ", ".join(f"{d.name} ({d.action})" for d in databases)
        typer.echo(f"notionhub {__version__}: {public_url}")
        typer.echo(f"Databases: {summary or 'none (no pack enabled)'}")
        if settings.uses_local_notion:
            typer.echo(
                f"Notion: embedded local server at {public_url}{LOCAL_NOTION_MOUNT}"
                f" (data in {settings.local_notion_dir})"
            )
        else:
            typer.echo(f"Notion: {settings.notion_base_url}")
        typer.echo(f"Two-way: {_two_way(runtime, public_url)}")
        typer.echo(f"Events: {public_url}/api/events   Metrics: {public_url}/metrics")

    try:  # an unknown pack, or a pack's bad setting: one line naming it, before anything starts
        packs = load_packs(settings.notionhub_packs)
        for pack in packs:
            read_pack_settings(pack)
    except NotionhubError as error:
        console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from error
    runtime = Runtime(settings, EventProcessor(), packs=packs)
    hub = create_hub_app(runtime, public_url, announce)
    _serve(hub, host, port)


def _two_way(runtime: Runtime, public_url: str) -> str:
    """How the hub hears of what people change in Notion, in one line."""
    if runtime.poller is not None:
        return (
            f"polling each database every {runtime.settings.notionhub_poll_seconds:g} s"
            " (Notion webhooks: docs/two-way.md)"
        )
    if runtime.backend is not None and runtime.settings.notionhub_notion_webhooks:
        return "the embedded Notion's webhooks (subscribed)"
    if (
        runtime.settings.notionhub_poll_seconds <= 0
        and runtime.poller is None
        and not (runtime.settings.secret("NOTION_WEBHOOK_VERIFICATION_TOKEN"))
    ):
        return "off (NOTIONHUB_POLL_SECONDS=0, no Notion webhooks)"
    return f"Notion webhooks at {public_url}/hooks/notion"


@app.command()
def events(
    status: Annotated[
        str | None, typer.Option(help="Only events with this status: " + ", ".join(STATUSES))
    ] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """List events of the event log, newest first."""
    settings = Settings()
    if status is not None and status not in STATUSES:
        console.print(f"[red]error:[/red] unknown status {status!r}; use {', '.join(STATUSES)}")
        raise typer.Exit(2)
    store = _event_store(settings)
    rows = store.recent(status=status, limit=limit)
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row.summary()))
        return
    print_events(Console(), rows)


@app.command()
def replay(
    event_ids: Annotated[list[str] | None, typer.Argument(help="Events to run again.")] = None,
    failed: Annotated[bool, typer.Option("--failed", help="Replay every failed event.")] = False,
    pack: Annotated[
        list[str] | None,
        typer.Option(help="Run only this pack's part again (repeatable). Default: every pack."),
    ] = None,
) -> None:
    """Run finished events again (a running hub picks them up within a second)."""
    if not event_ids and not failed:
        console.print("[red]error:[/red] name event ids, or pass --failed")
        raise typer.Exit(2)
    store = _event_store(Settings())
    wanted = list(event_ids or []) + (store.failed_ids() if failed else [])
    replayed = store.request_replay(wanted, packs=pack or None)
    for event_id in wanted:
        if event_id not in replayed:
            try:
                state = store.get(event_id).status
            except NotionhubError as error:
                console.print(f"[red]skipped[/red] {event_id}: {error}")
                continue
            console.print(f"[yellow]skipped[/yellow] {event_id}: it is {state}, not finished")
    typer.echo(f"{len(replayed)} event(s) queued for replay")
    if len(replayed) < len(wanted):
        raise typer.Exit(1)


def _event_store(settings: Settings) -> EventStore:
    try:
        return EventStore(create_hub_engine(settings.hub_database_url))
    except NotionhubError as error:
        console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from error


@app.command()
def provision(
    pack: Annotated[
        list[str] | None,
        typer.Option(help="Pack to provision (repeatable). Default: NOTIONHUB_PACKS."),
    ] = None,
    parent: Annotated[
        str | None,
        typer.Option(help="Page under which databases are created (NOTION_PARENT_PAGE_ID)."),
    ] = None,
    fix: Annotated[
        bool, typer.Option(help="Add missing properties and options; never deletes.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print {database: {database_id, data_source_id}}.")
    ] = False,
) -> None:
    """Create the packs' missing databases, adopt existing ones, and report drift."""
    settings = Settings()
    configure_logging(settings.log_level)
    models = _models(pack or settings.notionhub_packs)
    with _notion(settings) as notion:
        parent_id = parent or notion.parent_page_id()
        report = Provisioner(notion.gateway, notion.engine, settings.database_variables()).run(
            models, parent_id, fix=fix
        )
    if as_json:
        typer.echo(json.dumps(report.ids(), indent=2))
        return
    print_provision_report(console, report)


@app.command()
def reindex(
    pack: Annotated[
        list[str] | None,
        typer.Option(help="Pack to reindex (repeatable). Default: NOTIONHUB_PACKS."),
    ] = None,
) -> None:
    """Rebuild the key index and write mirror from Notion (after edits made outside notionhub)."""
    settings = Settings()
    configure_logging(settings.log_level)
    models = _models(pack or settings.notionhub_packs)
    with _notion(settings) as notion:
        records = notion.records()
        for model in models:
            with console.status(f"Reindexing {model.__database__.name}…"):
                seen = records.reindex(model)
            console.print(f"{model.__database__.name}: {seen} pages indexed")


def _models(packs: str | list[str]) -> list[type[NotionModel]]:
    try:
        return [model for p in load_packs(packs) for model in p.models]
    except NotionhubError as error:
        console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from error


@contextmanager
def _notion(settings: Settings) -> Iterator[NotionConnection]:
    try:
        embedded = open_backend(settings)
        notion = open_notion(settings, backend=embedded.backend if embedded else None)
    except NotionhubError as error:
        console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from error
    try:
        yield notion
    except NotionhubError as error:
        console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(1) from error
    finally:
        notion.close()
