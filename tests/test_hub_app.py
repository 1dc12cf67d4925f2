"""The hub app on embedded defaults: health, and the local Notion mounted at /notion."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from notion_client import AsyncClient

from notionhub.hub_app import create_hub_app
from notionhub.settings import Settings


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.delenv("NOTION_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    return Settings(notionhub_home=tmp_path / "home")


def test_health_and_embedded_notion(settings: Settings) -> None:
    app = create_hub_app(settings, "http://hub.test")

    async def scenario() -> tuple[dict[str, str], str]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
            health = (await http.get("/health")).json()
            notion = AsyncClient(
                client=http,
                auth="local-notion-token",
                base_url="http://hub.test/notion",
                retry=False,
            )
            me = await notion.users.me()
            return health, str(me["type"])

    health, kind = asyncio.run(scenario())
    assert health["status"] == "ok"
    assert health["notion"] == "http://hub.test/notion"
    assert kind == "bot"
    assert (settings.notionhub_home / "notion" / "notion.sqlite3").exists()


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NOTION_TOKEN", "secret_abc")
    monkeypatch.setenv("SERVER_PORT", "9001")
    settings = Settings()
    assert settings.uses_local_notion is False
    assert settings.server_port == 9001
    assert "secret_abc" not in repr(settings)
