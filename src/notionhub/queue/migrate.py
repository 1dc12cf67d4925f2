"""Bringing every database of a deployment to the running version, without starting the hub
(``notionhub migrate``): run it once before starting new processes of an upgrade.

Three owners, three ways (docs/deploy.md, "Migrations"):

- the hub's own tables (``hubdb/tables.py``): created when missing, and indexes declared later
  added to tables made before them;
- each enabled pack's tables: its Alembic revisions, up to its newest (``pack_tables.py``);
- DBOS's system tables (its queue and workflows): DBOS's own migrations (``DBOS.migrate``), in
  the schema ``dbos`` of ``DATABASE_URL`` on PostgreSQL, else ``dbos.sqlite3`` beside the hub's.

Every step takes turns with other processes (advisory locks on PostgreSQL, the write lock on
SQLite), so a migration racing a starting process is safe; each says where it was and where it
is now.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from notionhub.hubdb.engine import create_hub_engine, create_tables, sqlalchemy_url
from notionhub.hubdb.pack_tables import current_revision, migrate_pack_tables
from notionhub.hubdb.tables import metadata as hub_tables
from notionhub.packs.pack import Pack
from notionhub.queue.runtime import dbos_config
from notionhub.settings import Settings

DBOS_SCHEMA = "dbos"


@dataclass(frozen=True)
class MigrationStep:
    """One database part: where it was before and where it is now."""

    part: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def migrate_deployment(settings: Settings, packs: Sequence[Pack]) -> list[MigrationStep]:
    """Migrate the hub's tables, the packs' and DBOS's; what each step did."""
    steps: list[MigrationStep] = []
    url = settings.hub_database_url
    wanted = set(hub_tables.tables)
    before = _table_names(url) & wanted
    engine = create_hub_engine(url)
    try:
        after = _table_names_of(engine) & wanted
        created = sorted(after - before)
        steps.append(
            MigrationStep(
                "hub tables",
                f"{len(before)} tables" if before else "none",
                f"{len(after)} tables" + (f" (created {', '.join(created)})" if created else ""),
            )
        )
        for pack in packs:
            steps.append(_migrate_pack(engine, pack))
    finally:
        engine.dispose()
    system_url = str(dbos_config(settings)["system_database_url"])
    was = _dbos_version(system_url)
    _run_dbos_migrations(system_url)
    steps.append(MigrationStep("DBOS system tables", _version_text(was),
                               _version_text(_dbos_version(system_url))))  # fmt: skip
    return steps


def _migrate_pack(engine: Engine, pack: Pack) -> MigrationStep:
    part = f"pack {pack.name}"
    if pack.migrations is not None:
        was = current_revision(engine, pack.name)
        now = migrate_pack_tables(engine, pack.name, pack.migrations)
        return MigrationStep(part, was or "none", now or "none")
    if pack.tables is not None:
        before = _table_names_of(engine)
        create_tables(engine, pack.tables)
        wanted = set(pack.tables.tables)
        made = sorted(wanted - before)
        return MigrationStep(
            part,
            f"{len(wanted & before)} of {len(wanted)} tables",
            f"{len(wanted)} tables" + (f" (created {', '.join(made)})" if made else ""),
        )
    return MigrationStep(part, "no tables", "no tables")


def _table_names(url: str) -> set[str]:
    """The tables a database holds now (none when it does not exist yet)."""
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return set()
    engine = create_engine(sqlalchemy_url(url))
    try:
        return _table_names_of(engine)
    except SQLAlchemyError:
        return set()
    finally:
        engine.dispose()


def _table_names_of(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def _dbos_version(system_url: str) -> int | None:
    """DBOS's system schema version (None before its first migration)."""
    sqlite = system_url.startswith("sqlite")
    if sqlite and not Path(system_url.removeprefix("sqlite:///")).exists():
        return None
    engine = create_engine(sqlalchemy_url(system_url))
    table = "dbos_migrations" if sqlite else f"{DBOS_SCHEMA}.dbos_migrations"
    try:
        with engine.connect() as connection:
            value = connection.execute(text(f"SELECT max(version) FROM {table}")).scalar()
    except SQLAlchemyError:
        return None
    finally:
        engine.dispose()
    return None if value is None else int(value)


def _run_dbos_migrations(system_url: str) -> None:
    from dbos import DBOS

    # DBOS narrates each of its steps at info level: the table printed after says it all.
    dbos_log = logging.getLogger("dbos")
    level = dbos_log.level
    dbos_log.setLevel(logging.WARNING)
    try:
        DBOS.migrate(system_url, schema=DBOS_SCHEMA)
    finally:
        dbos_log.setLevel(level)


def _version_text(version: int | None) -> str:
    return "none" if version is None else f"version {version}"
