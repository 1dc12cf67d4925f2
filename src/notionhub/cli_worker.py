"""``notionhub worker``: processing only, no HTTP, beside ``serve`` on one PostgreSQL.

Any number of workers (and ``serve`` processes) share one ``DATABASE_URL``: the event log, the
DBOS queue, the Notion budget of each token. A worker runs what ``serve`` runs behind its 202
(the runtime: dispatcher, the queue, the packs' schedules, upkeep, change polling) with the
same environment, and stops cleanly on SIGTERM or SIGINT: the workflows it runs get a few
seconds to finish, and what is left is recovered by the other processes (docs/deploy.md).
"""

from __future__ import annotations

import os
import signal
import time
from typing import Annotated

import typer
from rich.console import Console

from notionhub import __version__
from notionhub.cli_processing import (
    claim_or_refuse,
    enabled_packs,
    exit_now_if_work_left,
    processing_settings,
    refuse,
)
from notionhub.errors import NotionhubError
from notionhub.settings import Settings
from notionhub.worker_pool import PARENT_PID_VARIABLE

# A worker's default: `Runtime`'s (kept here as a number so `--help` imports nothing heavy).
DEFAULT_CONCURRENCY = 8
# How often the main thread looks for a SIGTERM or SIGINT caught, and (a child of
# `serve --workers`) whether its serve is still its parent.
STOP_LOOK_SECONDS = 0.2

SQLITE_REFUSED = (
    "notionhub worker needs DATABASE_URL=postgresql://…: a SQLite data folder belongs to one"
    " `notionhub serve` process, which processes its events itself (docs/deploy.md)"
)
SERVE_WORKERS_REFUSED = (
    "notionhub serve --workers needs DATABASE_URL=postgresql://…: on SQLite the data folder"
    " belongs to one process, and `notionhub serve` processes its events itself"
    " (docs/deploy.md)"
)
EMBEDDED_REFUSED = (
    "notionhub worker needs a Notion it shares with the other processes: NOTION_TOKEN (real"
    " Notion), or NOTION_BASE_URL of a `notionhub notion-server` or of a hub's /notion"
    " (the embedded local Notion lives inside one `serve`)"
)


def worker_refusal(settings: Settings) -> str | None:
    """Why these settings cannot run a worker, or None."""
    if settings.hub_database_url.startswith("sqlite"):
        return SQLITE_REFUSED
    if settings.embeds_local_notion:
        return EMBEDDED_REFUSED
    return None


def register_worker_command(app: typer.Typer, console: Console) -> None:
    @app.command()
    def worker(
        concurrency: Annotated[
            int, typer.Option(min=1, help="Event workflows this process runs at once.")
        ] = DEFAULT_CONCURRENCY,
    ) -> None:
        """Process events only (no HTTP); any number share one PostgreSQL DATABASE_URL."""
        from notionhub.cli_banner import packs_line
        from notionhub.data_folder_lock import ProcessOwner
        from notionhub.hubdb.database_url import redact
        from notionhub.queue.processor import EventProcessor
        from notionhub.queue.runtime import Runtime

        settings = processing_settings()
        refusal = worker_refusal(settings)
        if refusal is not None:
            refuse(console, refusal)
        packs = enabled_packs(settings, console)
        names = tuple(pack.name for pack in packs)
        owner = ProcessOwner(os.getpid(), "notionhub worker", "", names)
        claim = claim_or_refuse(settings, owner, console)
        # The handler only appends: an Event's set() there could wait for ever on the lock the
        # interrupted main thread holds inside the same Event's wait().
        caught: list[int] = []
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda signum, _frame: caught.append(signum))
        runtime = Runtime(settings, EventProcessor(), packs=packs, concurrency=concurrency)
        try:
            try:
                runtime.start()
            except NotionhubError as error:
                runtime.stop()
                refuse(console, error)
            typer.echo(
                f"notionhub {__version__} worker {settings.worker_id}: concurrency"
                f" {concurrency}, {redact(settings.hub_database_url)}"
            )
            typer.echo(packs_line(list(names)))
            typer.echo(f"Notion: {settings.notion_base_url}")
            parent = os.environ.get(PARENT_PID_VARIABLE)
            while not caught:
                if parent is not None and str(os.getppid()) != parent:
                    typer.echo(f"worker {settings.worker_id}: serve (pid {parent}) is gone")
                    break
                time.sleep(STOP_LOOK_SECONDS)
            typer.echo(f"worker {settings.worker_id}: stopping")
            runtime.stop()
        finally:
            claim.release()
        exit_now_if_work_left(runtime, f"worker {settings.worker_id}")
