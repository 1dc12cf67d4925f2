"""The embedded local Notion (``/notion/v1``, ``/notion/_admin``) is for this machine unless
LOCAL_NOTION_ALLOW_REMOTE=true; an install listening beyond loopback never takes the default
token; a standalone server beyond loopback puts ``/_admin`` behind its token."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.routing import Mount
from typer.testing import CliRunner

from notionhub.cli import app as cli
from notionhub.local_notion_access import settings_for_listening
from notionhub.localnotion.app import API_VERSION, DEFAULT_TOKEN, LocalNotionConfig, create_app
from notionhub.localnotion.exposure import TOKEN_FILE, is_loopback
from notionhub.queue.processor import EventProcessor
from notionhub.queue.runtime import Runtime
from notionhub.settings import Settings
from notionhub.web.app import create_hub_app
from tests.queue.conftest import hub_settings

STRANGER = ("203.0.113.5", 1234)
LOOPBACK = ("127.0.0.1", 5555)
OPERATOR_KEY = "operator-key-of-this-test"
ADMIN = [("GET", "/notion/_admin/stats"), ("GET", "/notion/_admin/webhooks")]
ADMIN_WRITES = [("POST", "/notion/_admin/faults", {"server_error": 0.5})]


def hub(settings: Settings, processor: EventProcessor) -> FastAPI:
    return create_hub_app(Runtime(settings, processor), "http://0.0.0.0:8000")


def ask(
    app: FastAPI, client: tuple[str, int], calls: list[tuple[Any, ...]], token: str | None
) -> list[httpx.Response]:
    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app, client=client)
        headers = {"Notion-Version": API_VERSION}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as http:
            return [
                await http.request(call[0], call[1], headers=headers, json=call[2])
                if len(call) > 2
                else await http.request(call[0], call[1], headers=headers)
                for call in calls
            ]

    return asyncio.run(run())


def assert_notion_error(answer: httpx.Response, status: int, code: str) -> dict[str, Any]:
    body: dict[str, Any] = answer.json()
    assert answer.status_code == status, body
    assert body["object"] == "error" and body["status"] == status and body["code"] == code
    assert body["message"]
    return body


ME = [("GET", "/notion/v1/users/me")]


def test_a_loopback_only_install_serves_this_machine_with_the_default_token(
    tmp_path: Path, processor: EventProcessor
) -> None:
    app = hub(hub_settings(tmp_path / ".notionhub", notionhub_notion_webhooks=False), processor)
    me, stats, hooks = ask(app, LOOPBACK, ME + ADMIN, DEFAULT_TOKEN)
    assert me.status_code == 200 and me.json()["object"] == "user"
    assert stats.status_code == 200 and hooks.status_code == 200


@pytest.mark.parametrize("token", [None, DEFAULT_TOKEN, "a-token-of-the-user"])
def test_other_hosts_are_refused_whatever_the_token(
    tmp_path: Path, processor: EventProcessor, token: str | None
) -> None:
    settings = hub_settings(
        tmp_path / ".notionhub",
        notionhub_notion_webhooks=False,
        local_notion_token="a-token-of-the-user",
        internal_api_key=OPERATOR_KEY,
    )
    app = hub(settings, processor)
    for answer in ask(app, STRANGER, ME + ADMIN + ADMIN_WRITES, token):
        body = assert_notion_error(answer, 403, "restricted_resource")
        assert "LOCAL_NOTION_ALLOW_REMOTE=true" in body["message"]
    mounted = next(r for r in app.routes if isinstance(r, Mount) and r.path == "/notion")
    assert mounted.app.app.state.notion.faults.server_error == 0.0  # the refused plan never set


def test_allowed_remote_clients_need_the_token_and_the_admin_api_the_operator_key(
    tmp_path: Path, processor: EventProcessor
) -> None:
    settings = hub_settings(
        tmp_path / ".notionhub",
        notionhub_notion_webhooks=False,
        local_notion_allow_remote=True,
        internal_api_key=OPERATOR_KEY,
    )
    app = hub(settings_for_listening(settings, "0.0.0.0"), processor)
    generated = (tmp_path / ".notionhub" / "notion" / TOKEN_FILE).read_text().strip()
    for token in (None, "not-the-token", DEFAULT_TOKEN):
        assert_notion_error(ask(app, STRANGER, ME, token)[0], 401, "unauthorized")
        for answer in ask(app, STRANGER, ADMIN, token):
            assert_notion_error(answer, 401, "unauthorized")
    assert ask(app, STRANGER, ME, generated)[0].status_code == 200
    for answer in ask(app, STRANGER, ADMIN, OPERATOR_KEY):
        assert answer.status_code == 200


def test_beyond_loopback_the_hub_uses_a_generated_token_kept_private(tmp_path: Path) -> None:
    settings = hub_settings(tmp_path / ".notionhub")
    assert settings_for_listening(settings, "127.0.0.1") is settings
    exposed = settings_for_listening(settings, "0.0.0.0")
    token = exposed.local_notion_token.get_secret_value()
    assert token != DEFAULT_TOKEN and len(token) > 32
    path = tmp_path / ".notionhub" / "notion" / TOKEN_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = settings_for_listening(settings, "::").local_notion_token.get_secret_value()
    assert again == token  # generated once, kept
    own = hub_settings(tmp_path / ".notionhub", local_notion_token="the-user-s-own")
    assert settings_for_listening(own, "0.0.0.0") is own


def test_notion_token_prints_the_generated_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NOTIONHUB_HOME", str(tmp_path / ".notionhub"))
    monkeypatch.delenv("LOCAL_NOTION_TOKEN", raising=False)
    result = CliRunner().invoke(cli, ["notion-token"])
    assert result.exit_code == 0, result.output
    token = (tmp_path / ".notionhub" / "notion" / TOKEN_FILE).read_text().strip()
    assert token in result.output.splitlines()


def test_a_standalone_server_beyond_loopback_refuses_the_default_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        cli, ["notion-server", "--host", "0.0.0.0", "--token", DEFAULT_TOKEN, "--port", "0"]
    )
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "--token" in lines[0]


def test_a_standalone_server_beyond_loopback_asks_its_token_on_admin(tmp_path: Path) -> None:
    exposed = create_app(LocalNotionConfig(tmp_path / "a", tokens=("tok",), admin_needs_token=True))
    local = create_app(LocalNotionConfig(tmp_path / "b"))

    async def run() -> list[int]:
        answers = []
        for app, token in (
            (exposed, None),
            (exposed, DEFAULT_TOKEN),
            (exposed, "tok"),
            (local, None),
        ):
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            transport = httpx.ASGITransport(app, client=STRANGER)
            async with httpx.AsyncClient(transport=transport, base_url="http://n") as http:
                answer = await http.get("/_admin/stats", headers=headers)
                if answer.status_code == 401:
                    assert answer.json()["code"] == "unauthorized"
                answers.append(answer.status_code)
        return answers

    assert asyncio.run(run()) == [401, 401, 200, 200]


def test_loopback_addresses() -> None:
    for host in ("127.0.0.1", "127.8.9.1", "::1", "::ffff:127.0.0.1", "localhost"):
        assert is_loopback(host), host
    for host in ("0.0.0.0", "::", "203.0.113.5", "192.168.1.2", "example.com", "", None):
        assert not is_loopback(host), host
