"""The ``notionhub`` command line."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from notionhub import __version__
from notionhub.cli_doctor import register_doctor_command
from notionhub.cli_events import register_event_commands
from notionhub.cli_keys import register_keys_command
from notionhub.cli_migrate import register_migrate_command
from notionhub.cli_notion_token import register_notion_token_command
from notionhub.cli_packs import register_pack_commands
from notionhub.cli_processing import (
    claim_or_refuse,
    enabled_packs,
    exit_now_if_work_left,
    processing_settings,
    refuse,
)
from notionhub.cli_report import register_report_command
from notionhub.cli_reports import print_provision_report
from notionhub.cli_send_test import register_send_test_command
from notionhub.cli_worker import SERVE_WORKERS_REFUSED, register_worker_command
from notionhub.errors import ConfigurationError, NotionhubError, StartRefused
from notionhub.hubdb.database_url import check_hub_database
from notionhub.settings import Settings

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from notionhub.data_folder_lock import ProcessOwner
    from notionhub.notion.connection import NotionConnection
    from notionhub.packs.pack import Pack
    from notionhub.processing_claim import ProcessingClaim
    from notionhub.queue.runtime import Runtime

# Heavy modules (the web stack, DBOS, SQLAlchemy, notion-client, the packs) are imported inside
# the commands that use them: `notionhub version` or `--help` starts in a fraction of a second
# (tests/test_cli_imports.py checks it structurally).

app = typer.Typer(
    help="notionhub: signed webhooks in, correct Notion pages out.", no_args_is_help=True
)
console = Console(
    stderr=True, soft_wrap=True, emoji=False
)  # one line at any width; ":id:" stays text
register_pack_commands(app, console)
register_migrate_command(app, console)
register_notion_token_command(app, console)
register_event_commands(app, console)
register_doctor_command(app, console)
register_send_test_command(app, console)
register_keys_command(app, console)
register_worker_command(app, console)
register_report_command(app, console)


def _serve(
    asgi_app: ASGIApp,
    host: str,
    port: int,
    settings: Settings,
    sock: socket.socket | None = None,
    before_stop: Callable[[], None] | None = None,
) -> None:
    """Serve with httptools and uvloop, with the limits on hostile clients (docs/limits.md)."""
    from notionhub.web.server import ServerLimits, run_server

    limits = ServerLimits.from_settings(settings)
    run_server(asgi_app, host, port, limits, sock, before_stop)


def _claim_and_bind(
    settings: Settings, owner: ProcessOwner, host: str, port: int, change_packs: bool = False
) -> tuple[ProcessingClaim, socket.socket]:
    """Own the data folder (or match the deployment's packs), then bind the port: either
    refused is one line and exit 2, before anything processes (docs/first-hour-safety.md)."""
    from notionhub.web.bind import bind_listening_socket

    claim = claim_or_refuse(settings, owner, console, change_packs=change_packs)
    try:
        return claim, bind_listening_socket(host, port)
    except StartRefused as error:
        claim.release()
        refuse(console, error)
    except BaseException:
        claim.release()
        raise


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
    from notionhub.local_notion_access import uses_default_token
    from notionhub.localnotion.app import (
        API_VERSION,
        LocalNotionConfig,
        create_app,
        webhook_subscriptions,
    )
    from notionhub.localnotion.exposure import generated_token, listens_beyond_loopback
    from notionhub.localnotion.tokens import DEFAULT_TOKEN
    from notionhub.logging_setup import configure_logging
    from notionhub.web.bind import bind_listening_socket

    settings = Settings()
    configure_logging(settings.log_level)
    tokens = tuple(token or [settings.local_notion_token.get_secret_value() or DEFAULT_TOKEN])
    exposed = listens_beyond_loopback(host)  # docs/first-hour-safety.md
    if exposed and DEFAULT_TOKEN in (token or []):
        console.print(
            f"[red]error:[/red] --token {DEFAULT_TOKEN} is published: a server on {host} needs a"
            " secret token, --token <secret> (or none: one is generated, `notionhub notion-token"
            f" --data {data}` prints it)",
            soft_wrap=True,
        )
        raise typer.Exit(2)
    generated = exposed and not token and uses_default_token(settings)
    if generated:
        tokens = (generated_token(data),)
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
        admin_needs_token=exposed,
        webhook_urls=tuple(webhook_url or settings.local_notion_webhooks),
        webhook_aggregation_seconds=(
            settings.local_notion_webhook_aggregation_seconds
            if webhook_aggregation_seconds is None
            else webhook_aggregation_seconds
        ),
    )
    sock = bind_listening_socket(host, port)  # a taken port: one line, no banner
    server_app = create_app(config)
    typer.echo(f"Local Notion server: {base_url}  (data in {data}, API version {API_VERSION})")
    for sub in webhook_subscriptions(server_app):
        typer.echo(f"Webhooks: {sub.url}  ({sub.status}, subscription {sub.id})")
    if generated:
        typer.echo(f"Token: generated for {host} (`notionhub notion-token --data {data}`)")
    _serve(server_app, host, port, settings, sock)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int | None, typer.Option(help="Port; default $SERVER_PORT or 8000.")] = None,
    change_packs: Annotated[
        bool,
        typer.Option(
            "--change-packs",
            help="With PostgreSQL: record NOTIONHUB_PACKS as the packs of every process sharing"
            " DATABASE_URL (stop the others first). Without it a process with other packs is"
            " refused.",
        ),
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=0,
            help="With PostgreSQL: run the workflows in this many `notionhub worker` child"
            " processes (restarted when they die) instead of this one, which then takes"
            " webhooks and dispatches. 0: this process processes too.",
        ),
    ] = 0,
) -> None:
    """Run the hub. With no NOTION_TOKEN, a local Notion server is embedded at /notion."""
    from notionhub.cli_banner import (
        machine_names,
        notion_token_line,
        packs_line,
        reachable_urls,
        secrets_line,
    )
    from notionhub.data_folder_lock import ProcessOwner
    from notionhub.ingest.registry import HOOK_PROVIDERS, get_provider
    from notionhub.local_notion_access import settings_for_listening, uses_default_token
    from notionhub.queue.processor import EventProcessor
    from notionhub.queue.runtime import Runtime
    from notionhub.web.app import LOCAL_NOTION_MOUNT, create_hub_app
    from notionhub.web.startup_failure import KeepStartupRefusal
    from notionhub.worker_pool import WorkerPool, serve_notion_env, worker_specs

    settings = processing_settings()
    port = port or settings.server_port
    if workers and settings.hub_database_url.startswith("sqlite"):
        refuse(console, SERVE_WORKERS_REFUSED)
    settings = settings_for_listening(settings, host)  # beyond loopback: never the default token
    try:
        notion_env = serve_notion_env(settings, host, port, LOCAL_NOTION_MOUNT) if workers else {}
    except StartRefused as error:
        refuse(console, error)
    pool = WorkerPool(worker_specs(workers, os.environ, settings.worker_id, extra_env=notion_env))
    public_url = f"http://{host}:{port}"

    shown_urls = reachable_urls(host, port, machine_names())
    url = shown_urls[0]

    def announce(runtime: Runtime) -> None:
        report = runtime.provision_report
        databases = report.databases if report is not None else []
        summary = ", ".join(f"{d.name} ({d.action})" for d in databases)
        typer.echo(f"notionhub {__version__}: {url}")
        if len(shown_urls) > 1:
            typer.echo(f"Also reachable at: {'  '.join(shown_urls[1:])}")
        typer.echo(packs_line([pack.name for pack in packs]))
        typer.echo(f"Databases: {summary or 'none (no pack enabled)'}")
        variables = [get_provider(name).secret_env for name in HOOK_PROVIDERS]
        variables += [p.secret_env for pack in packs for p in pack.providers]  # Snov.io …
        typer.echo(secrets_line(settings, list(dict.fromkeys(variables))))
        if settings.uses_local_notion:
            typer.echo(
                f"Notion: embedded local server at {url}{LOCAL_NOTION_MOUNT}"
                f" (data in {settings.local_notion_dir})"
            )
            typer.echo(notion_token_line(settings, uses_default_token(settings)))
        else:
            typer.echo(f"Notion: {settings.notion_base_url}")
        typer.echo(f"Two-way: {_two_way(runtime, url)}")
        typer.echo(f"Events: {url}/api/events   Metrics: {url}/metrics")
        if workers:
            ids = ", ".join(spec.worker_id for spec in pool.specs)
            typer.echo(f"Processing: {workers} `notionhub worker` processes ({ids})")
            pool.start()

    packs = enabled_packs(settings, console)
    owner = ProcessOwner(os.getpid(), "notionhub serve", public_url, tuple(p.name for p in packs))
    claim, sock = _claim_and_bind(settings, owner, host, port, change_packs)
    try:
        runtime = Runtime(settings, EventProcessor(), packs=packs, dequeues=not workers)
        status = pool.status if workers else None
        hub = KeepStartupRefusal(create_hub_app(runtime, public_url, announce, status))
        with hub.refusal_raised():  # a setting refused while starting: one line, exit 2
            _serve(hub, host, port, settings, sock, before_stop=pool.stop)
    finally:
        pool.stop()
        claim.release()
    exit_now_if_work_left(runtime, "serve")


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
    from notionhub.logging_setup import configure_logging

    settings = Settings()
    configure_logging(settings.log_level)
    packs = _packs(pack or settings.notionhub_packs)
    with _notion(settings, packs) as notion:
        report = notion.provision([(p.name, p.models) for p in packs], parent=parent, fix=fix)
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
    from notionhub.logging_setup import configure_logging

    settings = Settings()
    configure_logging(settings.log_level)
    packs = _packs(pack or settings.notionhub_packs)
    with _notion(settings, packs) as notion:
        for each in packs:
            records = notion.records(gateway=notion.gateway_of(each.name))
            for model in each.models:
                with console.status(f"Reindexing {model.__database__.name}…"):
                    seen = records.reindex(model)
                console.print(f"{model.__database__.name}: {seen} pages indexed")


def _packs(packs: str | list[str]) -> list[Pack]:
    from notionhub.packs import load_packs

    try:
        return load_packs(packs)
    except NotionhubError as error:
        console.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(2) from error


@contextmanager
def _notion(settings: Settings, packs: list[Pack]) -> Iterator[NotionConnection]:
    from notionhub.backend import open_backend
    from notionhub.notion.connection import open_notion

    try:
        check_hub_database(settings)
        embedded = open_backend(settings)
        notion = open_notion(
            settings,
            backend=embedded.backend if embedded else None,
            packs=[pack.name for pack in packs],
        )
    except NotionhubError as error:
        console.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(2) from error
    try:
        yield notion
    except NotionhubError as error:
        console.print(f"[red]error:[/red] {escape(str(error))}")
        # A setting Notion shows wrong (NOTION_PARENT_PAGE_ID, NOTION_<NAME>_DB) is 2, as at start.
        raise typer.Exit(2 if isinstance(error, ConfigurationError) else 1) from error
    finally:
        notion.close()
