"""A wrong setting at start is one line naming the variable, exit code 2, never a traceback.

Each case runs ``.venv/bin/notionhub`` (the console script, ``cli_errors.main``) as a person
does: in an empty folder, with only the variables of the case set. Every case is refused before
anything starts; the one that starts the hub's lifespan disables what would make it linger.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from notionhub import cli, cli_errors
from notionhub.errors import ConfigurationError
from notionhub.hubdb.database_url import redact
from notionhub.settings import Settings

NOTIONHUB = Path(sys.executable).with_name("notionhub")
PASSWORD = "pw-8c1f0e"  # distinctive: found anywhere in the output means it leaked
HUB_COMMANDS = [
    ["serve", "--port", "1"],  # never bound: each case is refused before the port
    ["events"],
    ["replay", "--failed"],
    ["provision"],
    ["schedules"],
    ["migrate"],
]


def run(cwd: Path, *args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    """``notionhub *args`` in ``cwd`` with only ``variables`` (and PATH) set."""
    env = {"PATH": os.environ["PATH"], "HOME": str(cwd), "LANG": "C.UTF-8", **variables}
    return subprocess.run(
        [str(NOTIONHUB), *args],
        check=False,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def refusal(result: subprocess.CompletedProcess[str]) -> str:
    """The one line of a refused start; nothing on stdout, no traceback, exit code 2."""
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ")
    assert result.returncode == 2, result.stderr
    return lines[0]


@pytest.fixture
def refused_port() -> Iterator[int]:
    """A loopback port where a connection is refused: bound, never listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A loopback port another process (this one) listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


@pytest.mark.parametrize("command", HUB_COMMANDS, ids=lambda c: c[0])
def test_database_url_that_is_no_url(tmp_path: Path, command: list[str]) -> None:
    line = refusal(run(tmp_path, *command, DATABASE_URL="nonsense"))
    assert line == (
        "error: DATABASE_URL='nonsense' is not a database URL: use sqlite:///path/to/hub.sqlite3"
        " or postgresql://user@host:5432/database."
    )


def test_database_url_of_an_unsupported_database(tmp_path: Path) -> None:
    url = f"mysql://hub:{PASSWORD}@db.example/hub"
    line = refusal(run(tmp_path, "events", DATABASE_URL=url))
    assert line.startswith("error: DATABASE_URL: mysql:// databases are not supported: use ")
    assert PASSWORD not in line


@pytest.mark.parametrize("command", [["serve", "--port", "1"], ["events"]], ids=lambda c: c[0])
def test_database_url_of_an_unreachable_postgresql(
    tmp_path: Path, refused_port: int, command: list[str]
) -> None:
    url = f"postgresql://nobody:{PASSWORD}@127.0.0.1:{refused_port}/hub"
    line = refusal(run(tmp_path, *command, DATABASE_URL=url))
    assert line.startswith(
        f"error: DATABASE_URL=postgresql://nobody:***@127.0.0.1:{refused_port}/hub:"
        " cannot connect to the database: "
    )
    assert "refused" in line.lower()
    assert PASSWORD not in line


@pytest.mark.parametrize("command", [["serve", "--port", "1"], ["events"]], ids=lambda c: c[0])
def test_sqlite_file_in_a_missing_folder_is_refused_not_created(
    tmp_path: Path, command: list[str]
) -> None:
    folder = tmp_path / "missing" / "dir"
    line = refusal(run(tmp_path, *command, DATABASE_URL=f"sqlite:///{folder}/hub.sqlite3"))
    assert f"the folder {folder} does not exist" in line
    assert not (tmp_path / "missing").exists()


def test_sqlite_file_in_an_existing_folder_is_used(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    result = run(tmp_path, "events", DATABASE_URL="sqlite:///data/hub.sqlite3")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "hub.sqlite3").is_file()


@pytest.mark.parametrize("command", [["serve", "--port", "1"], ["events"]], ids=lambda c: c[0])
def test_server_port_not_a_number(tmp_path: Path, command: list[str]) -> None:
    line = refusal(run(tmp_path, *command, SERVER_PORT="abc"))
    assert line == (
        "error: SERVER_PORT='abc': should be a valid integer, unable to parse string as an integer"
    )


def test_server_port_out_of_range(tmp_path: Path) -> None:
    line = refusal(run(tmp_path, "serve", SERVER_PORT="70000"))
    assert line == "error: SERVER_PORT='70000': should be less than or equal to 65535"


def test_log_level_not_a_level(tmp_path: Path) -> None:
    line = refusal(run(tmp_path, "events", LOG_LEVEL="loud"))
    assert line == "error: LOG_LEVEL='loud': should be 'debug', 'info', 'warning' or 'error'"


def test_two_bad_variables_are_one_line_each(tmp_path: Path) -> None:
    result = run(tmp_path, "serve", SERVER_PORT="abc", LOG_LEVEL="loud")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert sorted(line.split("=", 1)[0] for line in lines) == [
        "error: LOG_LEVEL",
        "error: SERVER_PORT",
    ]


@pytest.mark.parametrize("command", [["serve", "--port", "1"], ["provision"]], ids=lambda c: c[0])
def test_notion_token_without_parent_page(tmp_path: Path, command: list[str]) -> None:
    line = refusal(run(tmp_path, *command, NOTION_TOKEN="secret-token-3f9a"))
    assert "NOTION_PARENT_PAGE_ID" in line
    assert "secret-token-3f9a" not in line


@pytest.mark.parametrize("command", ["serve", "notion-server"])
def test_port_in_use_is_refused_without_a_banner(
    tmp_path: Path, taken_port: int, command: str
) -> None:
    line = refusal(run(tmp_path, command, "--port", str(taken_port)))
    assert f"cannot listen on 127.0.0.1:{taken_port}" in line


def test_a_refusal_while_the_hub_starts_is_one_line(tmp_path: Path) -> None:
    """Raised inside uvicorn's lifespan (provisioning), after the start-up checks passed."""
    result = run(
        tmp_path,
        "serve",
        "--port",
        "0",
        LOG_LEVEL="warning",
        NOTIONHUB_NOTION_WEBHOOKS="false",
        NOTION_EVENT_LOG_DB="0123456789abcdef0123456789abcdef",
    )
    assert refusal(result) == (
        "error: NOTION_EVENT_LOG_DB=0123456789abcdef0123456789abcdef names no database or data"
        " source this integration can see: share it with the integration or fix the id."
    )


def test_python_m_notionhub_goes_through_the_same_refusals(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "LOG_LEVEL": "loud"}
    result = subprocess.run(
        [sys.executable, "-m", "notionhub", "events"],
        check=False,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refusal(result).startswith("error: LOG_LEVEL='loud'")


def test_log_level_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    assert Settings(_env_file=None).log_level == "warning"  # type: ignore[call-arg]


def test_an_unexpected_error_keeps_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(cli, "app", broken)
    with pytest.raises(RuntimeError, match="a bug"):
        cli_errors.main()


def test_a_known_error_is_one_line_with_passwords_hidden(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def misconfigured() -> None:
        raise ConfigurationError(f"bad:\n  postgresql://hub:{PASSWORD}@db/hub\nfix it")

    monkeypatch.setattr(cli, "app", misconfigured)
    with pytest.raises(SystemExit) as stopped:
        cli_errors.main()
    assert stopped.value.code == 2
    assert capsys.readouterr().err == "error: bad: postgresql://hub:***@db/hub fix it\n"


def test_redact_hides_url_and_parameter_passwords() -> None:
    assert redact("postgresql://u:p@h/d") == "postgresql://u:***@h/d"
    assert redact("postgresql://u@h/d?password=p&x=1") == "postgresql://u@h/d?password=***&x=1"
    assert redact("sqlite:///a/b.sqlite3") == "sqlite:///a/b.sqlite3"


def test_notionhub_home_that_cannot_be_made(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    home = tmp_path / "a-file" / "home"
    line = refusal(run(tmp_path, "events", NOTIONHUB_HOME=str(home)))
    assert line.startswith(f"error: NOTIONHUB_HOME={home}: the folder cannot be made (")


def test_notion_base_url_that_is_no_http_url(tmp_path: Path) -> None:
    line = refusal(run(tmp_path, "provision", NOTION_BASE_URL="api.notion.com"))
    assert line == "error: NOTION_BASE_URL='api.notion.com': should start with http:// or https://"
