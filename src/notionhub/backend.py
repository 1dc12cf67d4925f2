"""The choice of Notion backend, made once at the top of the program.

With no ``NOTION_TOKEN`` and no ``NOTION_BASE_URL`` of its own, the hub embeds the local Notion
server: one app over the data folder, which the hub mounts at ``/notion`` for people and other
clients, and which the gateway calls in-process through the same app. Everything below talks to
Notion through ``notion/`` and never imports ``localnotion/``.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from starlette.types import ASGIApp

from notionhub.localnotion.app import LocalNotionConfig, create_app
from notionhub.localnotion.in_process import InProcessTransport
from notionhub.localnotion.workspace import ROOT_PAGE_TITLE
from notionhub.notion.connection import NotionBackend
from notionhub.settings import Settings

IN_PROCESS_BASE_URL = "http://local-notion.invalid"


@dataclass(frozen=True)
class EmbeddedNotion:
    """The embedded local Notion: its ASGI app (to mount) and the backend over that same app."""

    app: ASGIApp
    backend: NotionBackend


def open_backend(settings: Settings, public_url: str | None = None) -> EmbeddedNotion | None:
    """The embedded local Notion when the settings call for it, else None (Notion over HTTP).

    ``public_url``: where people reach it (the hub's URL + ``/notion``), used in page URLs.
    """
    if not settings.embeds_local_notion:
        return None
    token = settings.local_notion_token.get_secret_value()
    app = create_app(
        LocalNotionConfig(
            data_dir=settings.local_notion_dir,
            tokens=(token,),
            public_url=public_url or IN_PROCESS_BASE_URL,
        )
    )
    http = httpx.Client(transport=InProcessTransport(app))
    return EmbeddedNotion(app, NotionBackend(http, IN_PROCESS_BASE_URL, ROOT_PAGE_TITLE))
