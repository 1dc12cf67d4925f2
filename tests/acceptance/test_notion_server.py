"""``notionhub notion-server`` as users run it: what it prints, which tokens it accepts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from notion_client import APIResponseError, Client

from notionhub.localnotion.app import DATABASE_FILE, DEFAULT_TOKEN
from tests.acceptance.hub_process import Process, base_env


@contextmanager
def notion_server(tmp_path: Path, *args: str, **env: str) -> Iterator[Process]:
    server = Process(["notion-server", "--data", str(tmp_path / "data"), *args], tmp_path, env)
    server.start("/_admin/stats")
    try:
        yield server
    finally:
        server.stop()


def accepts(server: Process, token: str) -> bool:
    client = Client(auth=token, base_url=server.url, retry=False)
    try:
        client.users.me()
    except APIResponseError as error:
        assert error.status == 401, error
        return False
    finally:
        client.close()
    return True


def test_it_prints_its_base_url_and_accepts_the_tokens_given(tmp_path: Path) -> None:
    with notion_server(tmp_path, "--token", "first", "--token", "second", **base_env()) as server:
        assert accepts(server, "first")
        assert accepts(server, "second")
        assert not accepts(server, DEFAULT_TOKEN)
        printed = server.output()
    data = tmp_path / "data"
    assert f"Local Notion server: {server.url}  (data in {data}, API version 2025-09-03)" in printed
    assert (data / DATABASE_FILE).is_file()


@pytest.mark.parametrize("where", ["environment", ".env"])
def test_without_token_option_it_takes_local_notion_token(tmp_path: Path, where: str) -> None:
    env = base_env()
    if where == "environment":
        env["LOCAL_NOTION_TOKEN"] = "from-the-environment"
        expected = "from-the-environment"
    else:
        env.pop("LOCAL_NOTION_TOKEN", None)
        (tmp_path / ".env").write_text("LOCAL_NOTION_TOKEN=from-dotenv\n")
        expected = "from-dotenv"
    with notion_server(tmp_path, **env) as server:
        assert accepts(server, expected)
        assert not accepts(server, DEFAULT_TOKEN)


def test_with_nothing_set_it_takes_the_default_token(tmp_path: Path) -> None:
    env = base_env()
    env.pop("LOCAL_NOTION_TOKEN", None)
    with notion_server(tmp_path, **env) as server:
        assert accepts(server, DEFAULT_TOKEN)
        assert not accepts(server, "anything-else")
