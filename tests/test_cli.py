"""The command line: help lists the commands; version prints."""

from __future__ import annotations

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
