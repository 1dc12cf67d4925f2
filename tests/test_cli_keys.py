"""``notionhub keys add|list|revoke``: the key printed once and stored hashed, the list never
showing it, refusals in one line, every change in the audit log."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import select
from typer.testing import CliRunner

from notionhub.cli import app
from notionhub.hubdb.api_keys import KEY_PREFIX, ApiKeys, key_digest
from notionhub.hubdb.audit_log import AuditLog
from notionhub.hubdb.engine import create_hub_engine
from notionhub.hubdb.tables import api_keys


def run(home: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    monkeypatch.chdir(home.parent)
    monkeypatch.setenv("NOTIONHUB_HOME", str(home))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "100")
    return CliRunner().invoke(app, list(args))


def test_add_prints_the_key_once_and_stores_only_its_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "hub"
    added = run(home, monkeypatch, "keys", "add", "reporting", "--role", "Analyst")
    assert added.exit_code == 0, added.output
    [key] = [line for line in added.stdout.splitlines() if line.startswith(KEY_PREFIX)]
    assert len(key) > 40
    engine = create_hub_engine(f"sqlite:///{home / 'hub.sqlite3'}")
    with engine.connect() as connection:
        [row] = connection.execute(select(api_keys)).all()
    assert row.name == "reporting" and row.role == "analyst"
    assert row.key_hash == key_digest(key) and key not in repr(row)
    found = ApiKeys(engine).find(key)
    assert found is not None and found.name == "reporting"
    listed = run(home, monkeypatch, "keys", "list")
    assert listed.exit_code == 0, listed.output
    assert "reporting" in listed.output and "analyst" in listed.output
    assert key not in listed.output and "UTC" in listed.output
    assert key not in (home / "hub.sqlite3").read_bytes().decode("latin-1")


def test_refusals_name_the_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "hub"
    assert run(home, monkeypatch, "keys", "add", "ops", "--role", "operator").exit_code == 0
    again = run(home, monkeypatch, "keys", "add", "ops", "--role", "admin")
    assert again.exit_code == 2 and "exists" in again.output
    boss = run(home, monkeypatch, "keys", "add", "x", "--role", "boss")
    assert boss.exit_code == 2
    assert "admin, manager, analyst, operator" in boss.output
    unknown = run(home, monkeypatch, "keys", "revoke", "nobody")
    assert unknown.exit_code == 1 and "no key named 'nobody'" in unknown.output


def test_revoke_deletes_the_key_and_every_change_is_audited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "hub"
    added = run(home, monkeypatch, "keys", "add", "agents", "--role", "manager")
    key = added.stdout.strip().splitlines()[-1]
    revoked = run(home, monkeypatch, "keys", "revoke", "agents")
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    engine = create_hub_engine(f"sqlite:///{home / 'hub.sqlite3'}")
    assert ApiKeys(engine).find(key) is None
    assert "No API keys" in run(home, monkeypatch, "keys", "list").output
    rows = AuditLog(engine).since(None)
    assert [(row.action, row.resource, row.key_name) for row in rows] == [
        ("keys.add", "key:agents", "cli"),
        ("keys.revoke", "key:agents", "cli"),
    ]
    assert key not in repr(rows)


def test_list_and_revoke_make_no_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "nothing-here"
    for args in (("keys", "list"), ("keys", "revoke", "x")):
        result = run(home, monkeypatch, *args)
        assert result.exit_code == 2 and "no notionhub data" in result.output
    assert not home.exists()
