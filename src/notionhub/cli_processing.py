"""What ``serve`` and ``worker`` do alike before they process: settings checked, packs loaded,
the right to process claimed; each refusal one line on stderr and exit code 2
(docs/first-hour-safety.md)."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from notionhub.errors import NotionhubError
from notionhub.settings import Settings

if TYPE_CHECKING:
    from notionhub.data_folder_lock import ProcessOwner
    from notionhub.packs.pack import Pack
    from notionhub.processing_claim import ProcessingClaim
    from notionhub.queue.runtime import Runtime


def refuse(console: Console, error: NotionhubError | str) -> NoReturn:
    """Say ``error`` in one line and exit 2."""
    console.print(f"[red]error:[/red] {escape(str(error))}", soft_wrap=True)
    raise typer.Exit(2) from (error if isinstance(error, BaseException) else None)


def processing_settings() -> Settings:
    """The settings, checked (DATABASE_URL, NOTION_PARENT_PAGE_ID), with logging configured."""
    from notionhub.logging_setup import configure_logging
    from notionhub.startup_checks import check_hub_start

    settings = Settings()
    check_hub_start(settings)  # one line, before anything
    configure_logging(settings.log_level)
    return settings


def enabled_packs(settings: Settings, console: Console) -> list[Pack]:
    """The packs of NOTIONHUB_PACKS with their settings read: an unknown pack or a pack's bad
    setting is refused, naming it, before anything starts."""
    from notionhub.packs import load_packs
    from notionhub.queue.runtime import read_pack_settings

    try:
        packs = load_packs(settings.notionhub_packs)
        for pack in packs:
            read_pack_settings(pack)
    except NotionhubError as error:
        refuse(console, error)
    return packs


def claim_or_refuse(
    settings: Settings, owner: ProcessOwner, console: Console, *, change_packs: bool = False
) -> ProcessingClaim:
    """Own the data folder (SQLite) or match the deployment's packs (PostgreSQL)."""
    from notionhub.processing_claim import claim_processing

    try:
        return claim_processing(settings, owner, change_packs=change_packs)
    except NotionhubError as error:
        refuse(console, error)


def exit_now_if_work_left(runtime: Runtime, name: str) -> None:
    """End the process at once if workflows of it still run after its stop (PostgreSQL).

    Such a workflow waits on the database: a long retry back-off, or a write DBOS retries for
    as long as the database is away. Python's exit would wait for its thread, for ever if the
    database is gone for good. Its work is durable: the other processes recover it once this
    one has ended (its lease goes with it), or this ``WORKER_ID``'s next start does.
    """
    if not runtime.left_running:
        return
    typer.echo(
        f"{name}: {runtime.left_running} workflow(s) still waiting on the database,"
        " left to be recovered by the other processes or this WORKER_ID's next start"
    )
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
