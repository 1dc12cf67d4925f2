"""Opening the hub database: URLs, tables, and a clear error for an unsupported one."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect

from notionhub.errors import ConfigurationError
from notionhub.hubdb.engine import create_hub_engine, upsert_statement, write_probes

TABLES = {"notion_databases", "key_index", "key_index_sync", "page_mirror", "notion_budget"}


def test_sqlite_file_is_created_with_every_table(tmp_path: Path) -> None:
    engine = create_hub_engine(f"sqlite:///{tmp_path / 'deep' / 'hub.sqlite3'}")
    assert set(inspect(engine).get_table_names()) >= TABLES
    engine.dispose()
    assert (tmp_path / "deep" / "hub.sqlite3").exists()


def test_postgresql_url_as_users_write_it(postgres_url: str) -> None:
    engine = create_hub_engine(postgres_url)  # postgresql://… without a driver name
    assert engine.dialect.name == "postgresql"
    assert set(inspect(engine).get_table_names()) >= TABLES
    engine.dispose()


def test_unsupported_url_names_the_variable() -> None:
    with pytest.raises(ConfigurationError, match="DATABASE_URL"):
        create_hub_engine("mysql://root@localhost/test")


def test_an_upsert_says_whether_it_wrote_the_row(any_hub_engine: Engine) -> None:
    """``rowcount`` of ``upsert_statement``: 1 written, 0 there already (on PostgreSQL an
    INSERT's count is otherwise -1, which callers read as "written")."""
    with any_hub_engine.begin() as connection:
        counts = [
            connection.execute(
                upsert_statement(connection, write_probes)
                .values(worker="w1", at=1.0)
                .on_conflict_do_nothing()
            ).rowcount
            for _ in range(2)
        ]
    assert counts == [1, 0]
