"""``notionhub keys add NAME --role ROLE``, ``keys list``, ``keys revoke NAME``: API keys bound to
roles, stored hashed in the hub database (docs/roles.md). The key is printed once, by ``add``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from notionhub.cli_events import require_data_folder
from notionhub.errors import NotionhubError
from notionhub.hubdb.database_url import check_hub_database
from notionhub.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from notionhub.hubdb.audit_log import AuditLog

ROLE_HELP = "admin | manager | analyst | operator (docs/roles.md)"
CLI_ACTOR = "cli"


def register_keys_command(app: typer.Typer, console: Console) -> None:
    keys = typer.Typer(
        help="API keys bound to roles (admin, manager, analyst, operator), stored hashed.",
        no_args_is_help=True,
    )
    app.add_typer(keys, name="keys")

    @keys.command("add")
    def add(
        name: Annotated[str, typer.Argument(help="A name for the key (who or what uses it).")],
        role: Annotated[str, typer.Option(help=ROLE_HELP)],
    ) -> None:
        """Make a key for ROLE and print it once: only its hash is kept."""
        from notionhub.hubdb.api_keys import ApiKeys

        settings = Settings()
        check_hub_database(settings)
        store, audit = _open(settings, console, create=True)
        try:
            key = ApiKeys(store).add(name, role)
        except NotionhubError as error:
            console.print(f"[red]error:[/red] {escape(str(error))}", soft_wrap=True)
            raise typer.Exit(2) from error
        audit.record(
            key_name=CLI_ACTOR,
            role=None,
            action="keys.add",
            resource=f"key:{name.strip()}",
            success=True,
            details=f"role {role.strip().lower()}",
        )
        console.print(
            f"Key {escape(name.strip())!r} ({role.strip().lower()}) made. It is shown this once;"
            " send it as `Authorization: Bearer <key>`:",
            soft_wrap=True,
        )
        typer.echo(key)  # stdout: the key alone

    @keys.command("list")
    def list_keys() -> None:
        """Every key's name, role, when it was made and last used (never the key)."""
        from notionhub.hubdb.api_keys import ApiKeys

        settings = Settings()
        check_hub_database(settings)
        require_data_folder(settings, console)
        store, _audit = _open(settings, console, create=False)
        found = ApiKeys(store).all()
        if not found:
            console.print("No API keys (INTERNAL_API_KEY, when set, is an admin key).")
            return
        table = Table("name", "role", "created", "last used")
        for key in found:
            table.add_row(
                escape(key.name), key.role.value, _when(key.created_at), _when(key.last_used_at)
            )
        Console(emoji=False, highlight=False).print(table)

    @keys.command("revoke")
    def revoke(name: Annotated[str, typer.Argument(help="The key's name.")]) -> None:
        """Delete the key NAME: it is refused from now on, and its console sessions end."""
        from notionhub.hubdb.api_keys import ApiKeys

        settings = Settings()
        check_hub_database(settings)
        require_data_folder(settings, console)
        store, audit = _open(settings, console, create=False)
        try:
            gone = ApiKeys(store).revoke(name)
        except NotionhubError as error:
            console.print(f"[red]error:[/red] {escape(str(error))}", soft_wrap=True)
            raise typer.Exit(1) from error
        audit.record(
            key_name=CLI_ACTOR,
            role=None,
            action="keys.revoke",
            resource=f"key:{gone.name}",
            success=True,
            details=f"role {gone.role.value}",
        )
        console.print(f"Key {escape(gone.name)!r} ({gone.role.value}) revoked.", soft_wrap=True)


def _open(settings: Settings, console: Console, *, create: bool) -> tuple[Engine, AuditLog]:
    """The hub database (made, with its data folder, for ``add``) and its audit log."""
    from notionhub.hubdb.audit_log import AuditLog
    from notionhub.hubdb.engine import create_hub_engine

    if create and settings.database_url is None:
        settings.notionhub_home.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_hub_engine(settings.hub_database_url)
    except NotionhubError as error:
        console.print(f"[red]error:[/red] {escape(str(error))}", soft_wrap=True)
        raise typer.Exit(2) from error
    return engine, AuditLog(engine)


def _when(at: float | None) -> str:
    if at is None:
        return "never"
    return datetime.fromtimestamp(at, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
