"""The hub's HTTP app. Today: health and, on embedded defaults, the local Notion server.

Ingest, the event log and the console are added by the issues that build them; this module is
where their routers are included.
"""

from __future__ import annotations

from fastapi import FastAPI

from notionhub import __version__
from notionhub.localnotion.app import LocalNotionConfig, create_app
from notionhub.settings import Settings

LOCAL_NOTION_MOUNT = "/notion"


def create_hub_app(settings: Settings, public_url: str) -> FastAPI:
    """The hub; with no ``NOTION_TOKEN`` it also serves a local Notion at ``/notion``."""
    app = FastAPI(title="notionhub", version=__version__)
    notion_url = settings.notion_base_url
    if settings.uses_local_notion:
        notion_url = public_url.rstrip("/") + LOCAL_NOTION_MOUNT
        local = create_app(
            LocalNotionConfig(
                data_dir=settings.local_notion_dir,
                tokens=(settings.local_notion_token.get_secret_value(),),
                public_url=notion_url,
            )
        )
        app.mount(LOCAL_NOTION_MOUNT, local)

    @app.get("/health")
    def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok", "version": __version__, "notion": notion_url}

    return app
