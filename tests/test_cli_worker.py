"""``notionhub worker``: refused in one line (exit 2) where it cannot share the work."""

from __future__ import annotations

from pathlib import Path

import pytest

from notionhub.cli_worker import EMBEDDED_REFUSED, SQLITE_REFUSED
from notionhub.hubdb.deployment import claim_pack_set
from notionhub.hubdb.engine import create_hub_engine
from tests.test_cli import run


def test_worker_refuses_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(tmp_path, monkeypatch, "worker", NOTION_BASE_URL="http://127.0.0.1:9")
    assert result.exit_code == 2
    assert result.output.strip() == f"error: {SQLITE_REFUSED}"
    assert not (tmp_path / ".notionhub" / "dbos.sqlite3").exists()


def test_worker_refuses_the_embedded_notion(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> None:
    monkeypatch.delenv("NOTION_BASE_URL", raising=False)
    monkeypatch.delenv("NOTION_TOKEN", raising=False)
    result = run(tmp_path, monkeypatch, "worker", DATABASE_URL=postgres_url)
    assert result.exit_code == 2
    assert result.output.strip() == f"error: {EMBEDDED_REFUSED}"


def test_worker_keeps_the_deployments_pack_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> None:
    engine = create_hub_engine(postgres_url)
    try:
        claim_pack_set(engine, ["echo"])
    finally:
        engine.dispose()
    result = run(
        tmp_path,
        monkeypatch,
        "worker",
        DATABASE_URL=postgres_url,
        NOTION_BASE_URL="http://127.0.0.1:9",
        NOTIONHUB_PACKS="coaching",
    )
    assert result.exit_code == 2
    assert result.output.startswith("error: NOTIONHUB_PACKS=coaching differs from the packs")


def test_worker_concurrency_is_at_least_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(tmp_path, monkeypatch, "worker", "--concurrency", "0").exit_code == 2
