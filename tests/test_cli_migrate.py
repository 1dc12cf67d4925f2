"""``notionhub migrate``: the hub's tables, the enabled packs' revisions and DBOS's system tables
brought to this version without starting the hub, on SQLite and on PostgreSQL; a second run has
nothing to do. (A bad DATABASE_URL: tests/test_startup_errors.py, as for every hub command.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect
from typer.testing import CliRunner

from notionhub.cli import app
from notionhub.hubdb.engine import sqlalchemy_url
from notionhub.hubdb.pack_tables import current_revision

PACKS = "coaching,enterprise"


def migrate(monkeypatch: pytest.MonkeyPatch, home: Path, url: str | None) -> list[dict[str, Any]]:
    monkeypatch.setenv("NOTIONHUB_HOME", str(home))
    monkeypatch.setenv("NOTIONHUB_PACKS", PACKS)
    if url is None:
        monkeypatch.delenv("DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("DATABASE_URL", url)
    result = CliRunner().invoke(app, ["migrate", "--json"])
    assert result.exit_code == 0, result.output
    steps: list[dict[str, Any]] = json.loads(result.stdout)
    return steps


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migrate_makes_every_part_current_then_has_nothing_to_do(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the repository
    home = tmp_path / ".notionhub"
    url = request.getfixturevalue("postgres_url") if backend == "postgresql" else None
    first = migrate(monkeypatch, home, url)
    assert [step["part"] for step in first] == [
        "hub tables",
        "pack coaching",
        "pack enterprise",
        "DBOS system tables",
    ]
    assert all(step["changed"] for step in first), first
    assert [step["before"] for step in first] == ["none"] * 4
    assert "created" in first[0]["after"] and "events" in first[0]["after"]
    assert first[2]["after"] == "0001_enterprise_tables"
    assert first[3]["after"].startswith("version ")

    again = migrate(monkeypatch, home, url)
    assert not any(step["changed"] for step in again), again
    assert [step["after"] for step in again][1:] == [step["after"] for step in first][1:]

    hub_url = url or f"sqlite:///{home / 'hub.sqlite3'}"
    engine = create_engine(sqlalchemy_url(hub_url))
    try:
        tables = set(inspect(engine).get_table_names())
        assert {"events", "enterprise_agents", "coaching_facts"} <= tables
        assert current_revision(engine, "enterprise") == "0001_enterprise_tables"
        if backend == "postgresql":
            assert "dbos" in inspect(engine).get_schema_names()
    finally:
        engine.dispose()
    if backend == "sqlite":
        assert (home / "dbos.sqlite3").is_file()
