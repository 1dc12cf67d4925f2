"""The local server as an in-process ASGI app: notion-client over httpx's ASGITransport."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from notion_client import AsyncClient

from notionhub.localnotion.app import DEFAULT_TOKEN, LocalNotionConfig, create_app


def test_async_notion_client_in_process(tmp_path: Path) -> None:
    app = create_app(LocalNotionConfig(data_dir=tmp_path))

    async def scenario() -> tuple[str, int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport) as http:
            notion = AsyncClient(
                client=http, auth=DEFAULT_TOKEN, base_url="http://local-notion", retry=False
            )
            me = await notion.users.me()
            found = await notion.search(query="notionhub")
            return str(me["type"]), len(found["results"])

    kind, count = asyncio.run(scenario())
    assert kind == "bot"
    assert count == 1
