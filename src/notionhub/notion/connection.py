"""Building the Notion side of the hub from settings: hub database, budget, gateway, parent page."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from sqlalchemy import Engine

from notionhub.errors import ConfigurationError
from notionhub.hubdb.engine import create_hub_engine
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
# What a local Notion server (ours, on a port) calls its workspace page.
LOCAL_WORKSPACE_PAGE_TITLE = "notionhub"


@dataclass(frozen=True)
class NotionBackend:
    """A Notion the top of the program opened itself (the embedded local server): an HTTP client
    of it, the base URL that client answers, and the title of its workspace page."""

    http: httpx.Client
    base_url: str
    workspace_page_title: str


@dataclass
class NotionConnection:
    """The hub database and one gateway to Notion (real, local on a port, or in-process)."""

    settings: Settings
    engine: Engine
    gateway: NotionGateway
    clock: Callable[[], float] = time.time  # Unix seconds: when the key index was last synced
    # The workspace page of a local Notion, found by this title when no parent page is set.
    workspace_page_title: str | None = None

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
            clock=self.clock,
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
        title = self.workspace_page_title
        if title is None:
            raise ConfigurationError(
                "Set NOTION_PARENT_PAGE_ID to the id of the page under which notionhub creates"
                " its databases."
            )
        for page in self.gateway.search(
            {"query": title, "filter": {"property": "object", "value": "page"}}
        ):
            if page.get("parent", {}).get("type") == "workspace":
                return str(page["id"])
        raise ConfigurationError("The local Notion server has no workspace page.")

    def close(self) -> None:
        self.gateway.close()
        self.engine.dispose()


def open_notion(
    settings: Settings,
    metrics: Metrics | None = None,
    *,
    clock: Callable[[], float] = time.time,
    backend: NotionBackend | None = None,
) -> NotionConnection:
    """Connect as the settings say: NOTION_TOKEN → real Notion; otherwise a local server.

    ``backend``: the Notion the top of the program opened (the embedded local server,
    in-process, see ``notionhub.backend``); None = over HTTP to ``NOTION_BASE_URL``.
    """
    if backend is None and settings.embeds_local_notion:
        raise ConfigurationError(
            "No Notion to talk to: set NOTION_TOKEN (real Notion) or NOTION_BASE_URL (a local"
            " Notion server), or open the embedded one (notionhub.backend.open_backend)."
        )
    engine = create_hub_engine(settings.hub_database_url)
    http: httpx.Client | None = None
    workspace_page_title: str | None = None
    if settings.notion_token is not None:
        token = settings.notion_token.get_secret_value()
        base_url = settings.notion_base_url
        rate = REAL_NOTION_RATE
    else:
        token = settings.local_notion_token.get_secret_value()
        base_url = settings.notion_base_url
        rate = LOCAL_NOTION_RATE
    if backend is not None:
        http, base_url, workspace_page_title = (
            backend.http,
            backend.base_url,
            backend.workspace_page_title,
        )
    elif settings.notion_token is None:
        workspace_page_title = LOCAL_WORKSPACE_PAGE_TITLE
    policy = BudgetPolicy(rate=settings.notion_requests_per_second or rate)
    gateway = NotionGateway(
        token, NotionBudget(engine, token, policy), base_url=base_url, http=http, metrics=metrics
    )
    return NotionConnection(settings, engine, gateway, clock, workspace_page_title)
