"""Building the Notion side of the hub from settings: hub database, budget, gateway, parent page."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from sqlalchemy import Engine

from notionhub.errors import ConfigurationError
from notionhub.hubdb.engine import create_hub_engine
from notionhub.localnotion.app import LocalNotionConfig, create_app
from notionhub.localnotion.in_process import InProcessTransport
from notionhub.localnotion.workspace import ROOT_PAGE_TITLE
from notionhub.metrics import Metrics
from notionhub.notion.budget import BudgetPolicy, NotionBudget
from notionhub.notion.gateway import NotionGateway
from notionhub.notion.key_index import KeyIndex
from notionhub.notion.mirror import PageMirror
from notionhub.notion.provision import remembered_data_sources
from notionhub.notion.records import Records
from notionhub.settings import Settings

REAL_NOTION_RATE = 3.0
LOCAL_NOTION_RATE = 50.0
IN_PROCESS_BASE_URL = "http://local-notion.invalid"


@dataclass
class NotionConnection:
    """The hub database and one gateway to Notion (real, local on a port, or in-process)."""

    settings: Settings
    engine: Engine
    gateway: NotionGateway

    def records(self, worker: str | None = None, gateway: NotionGateway | None = None) -> Records:
        """Typed upserts and reads, bound to every database provisioned so far.

        ``worker``: the hub's worker id, named in the key leases it takes (a command-line run
        passes none, so a worker's restart never frees the leases of a command still running).
        ``gateway``: another view of this connection's gateway (one that observes requests).
        """
        return Records(
            gateway or self.gateway,
            KeyIndex(self.engine, worker=worker),
            PageMirror(self.engine),
            remembered_data_sources(self.engine),
        )

    def parent_page_id(self) -> str:
        """Where databases are created: NOTION_PARENT_PAGE_ID, or the local workspace page."""
        if self.settings.notion_parent_page_id:
            return self.settings.notion_parent_page_id
        if self.settings.notion_token is not None:
            raise ConfigurationError(
                "Set NOTION_PARENT_PAGE_ID to the id of a page shared with the integration:"
                " notionhub creates its databases under it."
            )
        for page in self.gateway.search(
            {"query": ROOT_PAGE_TITLE, "filter": {"property": "object", "value": "page"}}
        ):
            if page.get("parent", {}).get("type") == "workspace":
                return str(page["id"])
        raise ConfigurationError("The local Notion server has no workspace page.")

    def close(self) -> None:
        self.gateway.close()
        self.engine.dispose()


def open_notion(settings: Settings, metrics: Metrics | None = None) -> NotionConnection:
    """Connect as the settings say: NOTION_TOKEN → real Notion; otherwise the local server."""
    engine = create_hub_engine(settings.hub_database_url)
    http: httpx.Client | None = None
    if settings.notion_token is not None:
        token = settings.notion_token.get_secret_value()
        base_url = settings.notion_base_url
        rate = REAL_NOTION_RATE
    else:
        token = settings.local_notion_token.get_secret_value()
        base_url = settings.notion_base_url
        rate = LOCAL_NOTION_RATE
        if settings.embeds_local_notion:
            app = create_app(
                LocalNotionConfig(
                    data_dir=settings.local_notion_dir,
                    tokens=(token,),
                    public_url=IN_PROCESS_BASE_URL,
                )
            )
            http = httpx.Client(transport=InProcessTransport(app))
            base_url = IN_PROCESS_BASE_URL
    policy = BudgetPolicy(rate=settings.notion_requests_per_second or rate)
    gateway = NotionGateway(
        token, NotionBudget(engine, token, policy), base_url=base_url, http=http, metrics=metrics
    )
    return NotionConnection(settings, engine, gateway)
