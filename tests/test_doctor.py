"""``notionhub doctor`` on a real hub folder: embedded local Notion, SQLite hub database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from notionhub.backend import open_backend
from notionhub.cli import app
from notionhub.ingest.registry import HOOK_PROVIDERS
from notionhub.localnotion.app import DEFAULT_TOKEN
from notionhub.notion.connection import open_notion
from notionhub.notion.provision import remembered_data_sources
from notionhub.settings import Settings
from tests.conftest import RunningServer


@pytest.fixture
def hub_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder (no .env) with a hub home in it, embedded defaults, no secrets."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NOTIONHUB_HOME", str(tmp_path / ".notionhub"))
    monkeypatch.setenv("COLUMNS", "80")
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    return tmp_path


def doctor_json(*extra: str) -> tuple[Result, dict[str, Any]]:
    result = CliRunner().invoke(app, ["doctor", "--json", *extra])
    return result, json.loads(result.stdout)


def test_doctor_is_healthy_on_embedded_defaults(
    hub_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_doctor")
    monkeypatch.setenv("NOTIONHUB_PUBLIC_URL", "https://hub.example.com/")
    assert CliRunner().invoke(app, ["provision"]).exit_code == 0

    result, report = doctor_json()

    assert result.exit_code == 0, result.output
    assert report["healthy"] is True
    assert {c["name"]: c["ok"] for c in report["checks"]} == {
        "configuration": True,
        "hub database": True,
        "notion": True,
    }
    assert "embedded" in report["checks"][2]["detail"]
    providers = {p["name"]: p for p in report["providers"]}
    assert list(providers) == list(HOOK_PROVIDERS)
    assert providers["stripe"]["secret_set"] is True
    assert providers["calcom"]["secret_set"] is False
    assert providers["calcom"]["secret_env"] == "CALCOM_WEBHOOK_SECRET"
    assert providers["stripe"]["webhook_url"] == "https://hub.example.com/hooks/stripe"
    assert providers["stripe"]["last_delivery"] is None
    assert "whsec_doctor" not in result.stdout


def test_doctor_table_names_every_provider_and_never_the_secret(
    hub_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CALCOM_WEBHOOK_SECRET", "calcom-secret-value")
    assert CliRunner().invoke(app, ["provision"]).exit_code == 0

    result = CliRunner().invoke(app, ["doctor"])

    assert result.exit_code == 0, result.output
    for name in HOOK_PROVIDERS:
        assert f"http://127.0.0.1:8000/hooks/{name}" in result.stdout
    assert "calcom-secret-value" not in result.stdout
    assert result.stdout.rstrip().endswith("\nhealthy")


def test_doctor_in_a_folder_without_hub_data_creates_none(hub_folder: Path) -> None:
    result, report = doctor_json()

    assert result.exit_code == 1
    assert not (hub_folder / ".notionhub").exists()
    assert list(hub_folder.iterdir()) == []
    checks = {c["name"]: (c["ok"], c["detail"]) for c in report["checks"]}
    assert checks["configuration"][0] is True
    assert checks["hub database"] == (
        False,
        f"no hub data folder at {hub_folder / '.notionhub'} (NOTIONHUB_HOME): run `notionhub"
        " serve` or `notionhub provision` first, or run doctor where you run them",
    )
    assert checks["notion"] == (None, "not checked: no hub data folder yet")
    # What to paste into each provider's dashboard is there before the first start.
    assert [p["name"] for p in report["providers"]] == list(HOOK_PROVIDERS)
    assert all(p["last_delivery"] is None for p in report["providers"])
    table = CliRunner().invoke(app, ["doctor"])
    assert table.exit_code == 1
    assert table.stdout.rstrip().endswith("unhealthy")
    assert not (hub_folder / ".notionhub").exists()


def test_doctor_fails_when_a_provisioned_database_is_removed(hub_folder: Path) -> None:
    assert CliRunner().invoke(app, ["provision"]).exit_code == 0
    settings = Settings()
    embedded = open_backend(settings)
    assert embedded is not None
    notion = open_notion(settings, backend=embedded.backend)
    try:
        for source_id in remembered_data_sources(notion.engine).values():
            notion.gateway.update_data_source(source_id, {"in_trash": True})
    finally:
        notion.close()
        embedded.close()

    result, report = doctor_json()

    assert result.exit_code == 1
    assert report["healthy"] is False
    failed = [c for c in report["checks"] if c["ok"] is False]
    assert [c["name"] for c in failed] == ["notion"]
    assert "in the trash" in failed[0]["detail"]


def test_doctor_fails_when_the_hub_database_takes_no_write(
    hub_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert CliRunner().invoke(app, ["provision"]).exit_code == 0
    path = hub_folder / ".notionhub" / "hub.sqlite3"
    # The same file, opened read-only (as a full disk or a read-only mount would refuse).
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///file:{path}?mode=ro&uri=true")

    result, report = doctor_json()

    assert result.exit_code == 1
    failed = {c["name"]: c["detail"] for c in report["checks"] if c["ok"] is False}
    assert "hub database" in failed
    assert "readonly" in failed["hub database"]


def test_doctor_refuses_a_bad_setting_through_the_one_line_path(hub_folder: Path) -> None:
    from notionhub.cli_errors import main

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SERVER_PORT", "nope")
        patch.setattr("sys.argv", ["notionhub", "doctor"])
        with pytest.raises(SystemExit) as exit_info:
            main()
    assert exit_info.value.code == 2


@pytest.mark.parametrize("data_folder", [True, False], ids=["data folder", "none yet"])
def test_doctor_fails_on_a_notion_token_notion_refuses(
    hub_folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    notion_server: RunningServer,
    data_folder: bool,
) -> None:
    monkeypatch.setenv("NOTION_TOKEN", "secret_not_a_valid_token")
    monkeypatch.setenv("NOTION_BASE_URL", notion_server.base_url)
    monkeypatch.setenv("NOTION_PARENT_PAGE_ID", "00000000-0000-0000-0000-000000000001")
    if data_folder:
        (hub_folder / ".notionhub").mkdir()

    result, report = doctor_json()

    assert result.exit_code == 1
    failed = {c["name"]: c["detail"] for c in report["checks"] if c["ok"] is False}
    # Without a data folder the token is still asked about (nothing is created to do so).
    assert list(failed) == (["notion"] if data_folder else ["hub database", "notion"])
    assert notion_server.base_url in failed["notion"]
    assert "secret_not_a_valid_token" not in result.stdout
    assert (hub_folder / ".notionhub").exists() is data_folder


def test_doctor_without_a_data_folder_still_checks_a_notion_token(
    hub_folder: Path, monkeypatch: pytest.MonkeyPatch, notion_server: RunningServer
) -> None:
    monkeypatch.setenv("NOTION_TOKEN", DEFAULT_TOKEN)
    monkeypatch.setenv("NOTION_BASE_URL", notion_server.base_url)
    monkeypatch.setenv("NOTION_PARENT_PAGE_ID", "00000000-0000-0000-0000-000000000001")

    result, report = doctor_json()

    assert result.exit_code == 1  # the missing data folder
    checks = {c["name"]: (c["ok"], c["detail"]) for c in report["checks"]}
    assert checks["notion"] == (
        None,
        f"Notion at {notion_server.base_url}: NOTION_TOKEN accepted; databases not checked:"
        " no hub data folder yet",
    )
    assert not (hub_folder / ".notionhub").exists()


def test_doctor_names_a_pack_token_notion_refuses(
    hub_folder: Path, monkeypatch: pytest.MonkeyPatch, notion_server: RunningServer
) -> None:
    monkeypatch.setenv("NOTION_TOKEN", DEFAULT_TOKEN)
    monkeypatch.setenv("NOTION_TOKEN_ECHO", "secret_echo_not_valid")
    monkeypatch.setenv("NOTION_BASE_URL", notion_server.base_url)
    monkeypatch.setenv("NOTION_PARENT_PAGE_ID", "00000000-0000-0000-0000-000000000001")
    (hub_folder / ".notionhub").mkdir()

    result, report = doctor_json()

    assert result.exit_code == 1
    failed = {c["name"]: c["detail"] for c in report["checks"] if c["ok"] is False}
    assert list(failed) == ["notion"]
    assert "NOTION_TOKEN_ECHO: " in failed["notion"]
    assert "secret_echo_not_valid" not in result.stdout
