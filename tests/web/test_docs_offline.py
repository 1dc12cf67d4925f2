"""``/docs`` needs no internet: every script, style and icon it names is served by the hub."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx

from notionhub.queue.processor import EventProcessor
from notionhub.queue.runtime import Runtime
from notionhub.web.app import create_hub_app
from tests.queue.conftest import hub_settings

HUB = "http://127.0.0.1:8000"
EXPECTED_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


async def fetch(runtime: Runtime, *paths: str) -> list[httpx.Response]:
    """GET each path from the hub's app in-process (its lifespan is not needed for these)."""
    transport = httpx.ASGITransport(create_hub_app(runtime, HUB), client=("127.0.0.1", 5000))
    async with httpx.AsyncClient(transport=transport, base_url=HUB) as client:
        return [await client.get(path) for path in paths]


def test_docs_names_no_other_host_and_its_assets_answer(
    tmp_path: Path, processor: EventProcessor
) -> None:
    runtime = Runtime(hub_settings(tmp_path, notionhub_notion_webhooks=False), processor)
    (docs,) = asyncio.run(fetch(runtime, "/docs"))
    assert docs.status_code == 200
    hosts = set(re.findall(r"https?://[^/\"'\s]+", docs.text))
    assert hosts <= {HUB}, hosts
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", docs.text)
    assert len(assets) == 3, assets  # the script, the style, the icon
    answers = asyncio.run(fetch(runtime, *assets))
    for path, answer in zip(assets, answers, strict=True):
        assert answer.status_code == 200, path
        kind = EXPECTED_TYPES[Path(path).suffix]
        assert answer.headers["content-type"].startswith(kind), (path, answer.headers)


def test_redoc_is_off_and_the_redirect_is_served(tmp_path: Path, processor: EventProcessor) -> None:
    runtime = Runtime(hub_settings(tmp_path, notionhub_notion_webhooks=False), processor)
    redoc, redirect = asyncio.run(fetch(runtime, "/redoc", "/docs/oauth2-redirect"))
    assert redoc.status_code == 404  # it would load its script from a CDN
    assert redirect.status_code == 200
    assert not re.search(r"https?://", redirect.text)
