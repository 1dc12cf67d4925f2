"""The command line: help lists the commands; version prints; pack commands and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from notionhub import __version__
from notionhub.cli import app


def test_help_lists_the_commands() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("serve", "notion-server", "version"):
        assert command in result.output


def test_version() -> None:
    result = CliRunner().invoke(app, ["version"])
    assert result.exit_code == 0
    assert result.output.strip() == __version__


def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str, **env: str) -> Result:
    """The command in an empty folder (no .env), with a hub home there and ``env`` set."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NOTIONHUB_HOME", str(tmp_path / ".notionhub"))
    monkeypatch.setenv("COLUMNS", "240")  # tables as wide as their cells
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return CliRunner().invoke(app, list(args))


def test_serve_refuses_an_unknown_pack_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(tmp_path, monkeypatch, "serve", NOTIONHUB_PACKS="coaching,nope")
    assert result.exit_code == 2
    assert result.output.strip().startswith("error: Unknown pack 'nope' in NOTIONHUB_PACKS")
    assert "coaching" in result.output and "Traceback" not in result.output


def test_serve_refuses_a_bad_pack_setting_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(
        tmp_path, monkeypatch, "serve", NOTIONHUB_PACKS="coaching", COACHING_TIME_ZONE="Mars/Base"
    )
    assert result.exit_code == 2
    assert "COACHING_TIME_ZONE" in result.output and "(pack coaching)" in result.output
    assert not (tmp_path / ".notionhub").exists()  # refused before anything was opened


def test_packs_lists_the_installed_packs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(tmp_path, monkeypatch, "packs", NOTIONHUB_PACKS="coaching")
    assert result.exit_code == 0, result.output
    assert "coaching-bookkeeper" in result.output and "echo-logger" in result.output


def test_config_shows_the_packs_settings_and_hides_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(
        tmp_path,
        monkeypatch,
        "config",
        NOTIONHUB_PACKS="coaching",
        COACHING_TIME_ZONE="Europe/Paris",
        INTERNAL_API_KEY="k3y-that-must-not-show",
    )
    assert result.exit_code == 0, result.output
    text = result.output
    assert "COACHING_TIME_ZONE" in text and "Europe/Paris" in text
    assert "INTERNAL_API_KEY" in text and "(set)" in text
    assert "k3y-that-must-not-show" not in text


def test_schedules_lists_the_coaching_dashboard(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(tmp_path, monkeypatch, "schedules", NOTIONHUB_PACKS="coaching")
    assert result.exit_code == 0, result.output
    assert "coaching.dashboard-hourly" in result.output and "never" in result.output
    unknown = run(tmp_path, monkeypatch, "schedules", "--run", "coaching.nope")
    assert unknown.exit_code == 2 and "coaching.dashboard-hourly" in unknown.output
    forgotten = run(tmp_path, monkeypatch, "schedules", "--forget", "coaching.nope")
    assert forgotten.exit_code == 2 and "no hub has run with" in forgotten.output
    assert not (tmp_path / ".notionhub" / "dbos.sqlite3").exists()  # nothing made by asking
