"""A pack's own tables: created and migrated by Alembic, one version table per pack.

A pack ships a folder of Alembic revisions (``versions/*.py``, each with ``revision``,
``down_revision``, ``upgrade()``); no ``env.py`` is needed, the hub runs them itself. Each pack's
revision is kept in ``alembic_version_<pack>``, so packs migrate independently of each other and
of the hub's own tables. Several processes starting at once take turns (an advisory lock on
PostgreSQL; SQLite's write lock, taken at BEGIN here, on SQLite).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import structlog
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from notionhub.errors import ConfigurationError

log = structlog.get_logger("notionhub.hubdb")


def version_table(pack: str) -> str:
    return "alembic_version_" + "".join(c if c.isalnum() else "_" for c in pack.lower())


def migrate_pack_tables(engine: Engine, pack: str, migrations: Path) -> str | None:
    """Bring ``pack``'s tables to its newest revision; returns that revision (None if none)."""
    if not (migrations / "versions").is_dir():
        raise ConfigurationError(
            f"Pack {pack!r} names {migrations} for its migrations, which has no versions/ folder."
        )
    config = Config()
    config.set_main_option("script_location", str(migrations))
    script = ScriptDirectory.from_config(config)
    head = script.get_current_head()

    def upgrade(revision: Any, _context: MigrationContext) -> Any:
        return script._upgrade_revs("head", revision)

    with engine.begin() as connection:
        _take_turns(connection, pack)
        before = _current(connection, pack)
        with EnvironmentContext(config, script, fn=upgrade, destination_rev="head") as env:
            env.configure(connection=connection, version_table=version_table(pack))
            env.run_migrations()
    if before != head:
        log.info("pack_tables_migrated", pack=pack, from_revision=before, to_revision=head)
    return head


def current_revision(engine: Engine, pack: str) -> str | None:
    """The revision ``pack``'s tables are at (None before the first migration)."""
    with engine.connect() as connection:
        return _current(connection, pack)


def _current(connection: Connection, pack: str) -> str | None:
    context = MigrationContext.configure(connection, opts={"version_table": version_table(pack)})
    revision: str | None = context.get_current_revision()
    return revision


def _take_turns(connection: Connection, pack: str) -> None:
    if connection.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(f"notionhub-pack:{pack}".encode()).digest()[:8], "big")
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key - 2**63})
