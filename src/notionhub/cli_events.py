"""The event log on the command line: ``events`` (list, filter, ``show ID``) and ``replay``.

Read-only: these commands never create a data folder. Every user-provided or stored string is
escaped before Rich sees it, so an id like ``x:id:`` stays ``x:id:`` (not an emoji).
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
from rich.console import Console
from rich.markup import escape

from notionhub.cli_reports import print_event_detail, print_events
from notionhub.errors import NotionhubError
from notionhub.hubdb.database_url import check_hub_database
from notionhub.settings import Settings

if TYPE_CHECKING:
    from notionhub.queue.store import EventStore, Status

# queue/store.py STATUSES, repeated so `--help` needs no SQLAlchemy (tests/test_cli_events.py).
STATUSES = ("pending", "queued", "processed", "failed", "ignored")
MAX_LIMIT = 500  # as GET /api/events
_DURATION = re.compile(r"(\d+)\s*([smhdw])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def register_event_commands(app: typer.Typer, console: Console) -> None:
    """Add ``events`` (with ``events show``) and ``replay`` to ``app``; errors go to ``console``."""

    def fail(message: str) -> typer.Exit:
        console.print(f"[red]error:[/red] {escape(message)}")
        return typer.Exit(2)

    events_app = typer.Typer(
        help="The event log, newest first; `events show ID` for one event.",
        invoke_without_command=True,
    )
    app.add_typer(events_app, name="events")

    @events_app.callback()
    def events(
        ctx: typer.Context,
        status: Annotated[
            str | None, typer.Option(help="Only this status: " + ", ".join(STATUSES) + ".")
        ] = None,
        provider: Annotated[
            str | None, typer.Option(help="Only this provider (stripe, calcom …).")
        ] = None,
        type_: Annotated[str | None, typer.Option("--type", help="Only this event type.")] = None,
        since: Annotated[
            str | None,
            typer.Option(help="Only events received since: 30m, 1h, 2d, 1w or an ISO date."),
        ] = None,
        limit: Annotated[int, typer.Option(help=f"How many, newest first (1..{MAX_LIMIT}).")] = 50,
        as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
    ) -> None:
        """List events of the event log, newest first."""
        if ctx.invoked_subcommand is not None:
            return
        now = time.time()  # the top of the program: the clock is read here only
        if status is not None and status not in STATUSES:
            raise fail(f"unknown status {status!r}; use {', '.join(STATUSES)}")
        if not 1 <= limit <= MAX_LIMIT:
            raise fail(f"--limit {limit}: use a number from 1 to {MAX_LIMIT}")
        try:
            after = None if since is None else parse_since(since, now)
        except ValueError as error:
            raise fail(str(error)) from None
        store = open_event_store(Settings(), console)
        rows = store.recent(
            status=cast("Status | None", status),
            limit=limit,
            provider=provider,
            type=type_,
            since=after,
        )
        if as_json:
            typer.echo(json.dumps([row.summary() for row in rows], indent=2))
            return
        print_events(_stdout(), rows, now)

    @events_app.command("show")
    def show(
        event_id: Annotated[str, typer.Argument(help="The event's id (as `events` lists it).")],
        as_json: Annotated[bool, typer.Option("--json", help="Print the API's JSON.")] = False,
    ) -> None:
        """One event: its payload (secrets hidden), history and the Notion pages it touched."""
        settings = Settings()
        store = open_event_store(settings, console)
        try:
            event = store.get(event_id)
        except NotionhubError as error:
            raise fail(str(error)) from error
        history = [entry.to_json() for entry in store.history(event_id)]
        detail: dict[str, Any] = {
            **event.summary(),
            "workflow_id": event.workflow_id,
            "data": redact_payload(event.data),
            "history": history,
            "notion_pages": notion_pages(history, real_notion=settings.notion_token is not None),
        }
        if as_json:
            typer.echo(json.dumps(detail, indent=2, ensure_ascii=False))
            return
        print_event_detail(_stdout(), detail)

    @app.command()
    def replay(
        event_ids: Annotated[list[str] | None, typer.Argument(help="Events to run again.")] = None,
        failed: Annotated[
            bool, typer.Option("--failed", help="Replay every failed event.")
        ] = False,
        pack: Annotated[
            list[str] | None,
            typer.Option(help="Run only this pack's part again (repeatable). Default: every pack."),
        ] = None,
    ) -> None:
        """Run finished events again (a running hub picks them up within a second)."""
        if not event_ids and not failed:
            raise fail("name event ids, or pass --failed")
        store = open_event_store(Settings(), console)
        wanted = list(event_ids or []) + (store.failed_ids() if failed else [])
        replayed = store.request_replay(wanted, packs=pack or None)
        for event_id in wanted:
            if event_id not in replayed:
                shown = escape(event_id)
                try:
                    state = store.get(event_id).status
                except NotionhubError as error:
                    console.print(f"[red]skipped[/red] {shown}: {escape(str(error))}")
                    continue
                console.print(f"[yellow]skipped[/yellow] {shown}: it is {state}, not finished")
        typer.echo(f"{len(replayed)} event(s) queued for replay")
        if len(replayed) < len(wanted):
            raise typer.Exit(1)


def _stdout() -> Console:
    # emoji=False: ":id:" in an id or a payload stays text; width from COLUMNS or the terminal.
    return Console(emoji=False, highlight=False)


def open_event_store(settings: Settings, console: Console) -> EventStore:
    """The event store of the hub's data folder; never makes one (exit 2 when there is none)."""
    from notionhub.hubdb.engine import create_hub_engine
    from notionhub.queue.store import EventStore

    check_hub_database(settings)
    require_data_folder(settings, console)
    try:
        return EventStore(create_hub_engine(settings.hub_database_url))
    except NotionhubError as error:
        console.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(2) from error


def require_data_folder(settings: Settings, console: Console) -> None:
    """A read-only command over the default data folder says so when it does not exist."""
    home = settings.notionhub_home
    if settings.database_url is None and not home.is_dir():
        console.print(
            f"[red]error:[/red] no notionhub data in {escape(str(home.absolute()))}"
            " (NOTIONHUB_HOME); run from the folder you ran `make run` in, or set NOTIONHUB_HOME",
            soft_wrap=True,
        )
        raise typer.Exit(2)


def parse_since(text: str, now: float) -> float:
    """``30m``, ``1h``, ``2d``, ``1w`` before ``now``, or an ISO date/time (UTC when naive)."""
    found = _DURATION.fullmatch(text.strip().lower())
    if found:
        return now - int(found.group(1)) * _UNIT_SECONDS[found.group(2)]
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"--since {text!r}: use a duration (30m, 1h, 2d, 1w) or an ISO date (2026-12-01)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


_SECRET_KEY = re.compile(r"secret|signature|token|password|api[_-]?key|authorization", re.I)
_HIDDEN = "•••"


def redact_payload(value: Any) -> Any:
    """``value`` with the value of every key that names a secret or signature hidden."""
    if isinstance(value, dict):
        return {
            key: _HIDDEN if _SECRET_KEY.search(str(key)) and item else redact_payload(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact_payload(item) for item in value]
    return value


_PAGE = re.compile(r"/v1/pages/([0-9a-fA-F-]{32,36})")


def notion_pages(history: list[dict[str, Any]], *, real_notion: bool) -> list[dict[str, str]]:
    """The pages the event's runs wrote or read (from the Notion requests in its history);
    with the real Notion, each with its notion.so link."""
    seen: dict[str, dict[str, str]] = {}
    for entry in history:
        for request in _requests(entry):
            for page_id in _PAGE.findall(request):
                page: dict[str, str] = {"id": page_id}
                if real_notion:
                    page["url"] = "https://www.notion.so/" + page_id.replace("-", "")
                seen.setdefault(page_id, page)
    return list(seen.values())


def _requests(entry: dict[str, Any]) -> list[str]:
    found = entry.get("notion_requests")
    nested = [
        request
        for result in (entry.get("results") or {}).values()
        if isinstance(result, dict)
        for request in result.get("notion_requests") or []
    ]
    listed = found if isinstance(found, list) else []
    return [str(request) for request in [*listed, *nested]]
