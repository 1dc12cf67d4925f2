"""Building the Notion side of the hub from settings: hub database, budgets, gateways, parent pages.

One deployment may write with several integration tokens (several workspaces, or several
integrations of one workspace): ``NOTION_TOKEN_<PACK>`` gives a pack a token of its own, with a
budget of its own, and ``NOTION_PARENT_PAGE_ID_<PACK>`` the page its databases go under. Every
other pack writes with the deployment's token (``NOTION_TOKEN``, or the local server's).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import httpx
from sqlalchemy import Engine

from notionhub.errors import ConfigurationError
from notionhub.hubdb.advisory_locks import one_at_a_time
from notionhub.hubdb.engine import create_hub_engine
from notionhub.metrics import Metrics
from notionhub.notion.budget import BudgetPolicy, NotionBudget
from notionhub.notion.gateway import NotionGateway
from notionhub.notion.key_index import KeyIndex
from notionhub.notion.mirror import PageMirror
from notionhub.notion.provision import Provisioner, ProvisionReport, remembered_data_sources
from notionhub.notion.records import Records
from notionhub.notion.schema import NotionModel
from notionhub.settings import Settings

REAL_NOTION_RATE = 3.0
LOCAL_NOTION_RATE = 50.0
# What a local Notion server (ours, on a port) calls its workspace page.
LOCAL_WORKSPACE_PAGE_TITLE = "notionhub"
# Provisioning on PostgreSQL is one process at a time; a start waits this long for another's
# (creating a few dozen databases at Notion's 3 requests/s takes a minute or two).
PROVISION_LOCK = "provision"
PROVISION_WAIT_SECONDS = 600.0


@dataclass(frozen=True)
class NotionBackend:
    """A Notion the top of the program opened itself (the embedded local server): the transport
    that reaches it, the base URL it answers, and the title of its workspace page."""

    transport: httpx.BaseTransport
    base_url: str
    workspace_page_title: str

    def client(self) -> httpx.Client:
        """A client of this Notion for one token: ``notion-client`` sets its token in its HTTP
        client's headers, so two tokens never share one client."""
        return httpx.Client(transport=self.transport)


@dataclass
class NotionConnection:
    """The hub database and the gateways to Notion (real, local on a port, or in-process): the
    deployment's, and one per token of the packs that have their own."""

    settings: Settings
    engine: Engine
    gateway: NotionGateway
    clock: Callable[[], float] = time.time  # Unix seconds: when the key index was last synced
    # The workspace page of a local Notion, found by this title when no parent page is set.
    workspace_page_title: str | None = None
    # The packs with a token of their own (NOTION_TOKEN_<PACK>), each to its gateway: packs
    # with the same token share one gateway, and so one budget.
    pack_gateways: dict[str, NotionGateway] = field(default_factory=dict)

    def gateway_of(self, pack: str | None) -> NotionGateway:
        """The gateway ``pack`` writes through (None: the deployment's)."""
        return self.pack_gateways.get(pack, self.gateway) if pack is not None else self.gateway

    def workspaces(self, packs: Sequence[str]) -> list[tuple[NotionGateway, list[str]]]:
        """``packs`` grouped by the gateway (the token) they write through, the deployment's
        first; a gateway no pack of ``packs`` uses is left out."""
        groups: dict[int, tuple[NotionGateway, list[str]]] = {id(self.gateway): (self.gateway, [])}
        for pack in packs:
            gateway = self.gateway_of(pack)
            groups.setdefault(id(gateway), (gateway, []))[1].append(pack)
        return [group for group in groups.values() if group[1]]

    def gateways(self) -> list[NotionGateway]:
        """Every gateway, the deployment's first (each token once)."""
        unique = {id(self.gateway): self.gateway}
        for gateway in self.pack_gateways.values():
            unique.setdefault(id(gateway), gateway)
        return list(unique.values())

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

    def parent_page_id(self, pack: str | None = None) -> str:
        """Where databases are created: ``pack``'s NOTION_PARENT_PAGE_ID_<PACK>, else
        NOTION_PARENT_PAGE_ID, else the local workspace page.

        A pack with a token of its own and no page of its own shares the deployment's page,
        which that integration must be able to reach too (two integrations of one workspace).
        """
        if pack is not None:
            own = self.settings.pack_parent_page_id(pack)
            if own:
                return own
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

    def provision(
        self,
        packs: Sequence[tuple[str, Sequence[type[NotionModel]]]],
        *,
        parent: str | None = None,
        fix: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> ProvisionReport:
        """Create, adopt and check the databases of ``packs`` (name, models), each pack's in its
        own workspace: through its gateway, under its parent page (``parent``: one for all)."""
        groups: dict[tuple[int, str], tuple[NotionGateway, list[type[NotionModel]]]] = {}
        for name, models in packs:
            gateway = self.gateway_of(name)
            place = parent or self.parent_page_id(name)
            groups.setdefault((id(gateway), place), (gateway, []))[1].extend(models)
        env = self.settings.database_variables()
        databases = []
        # Processes starting together would each find a database missing and create it.
        with one_at_a_time(self.engine, PROVISION_LOCK, wait_seconds=PROVISION_WAIT_SECONDS):
            for (_, place), (gateway, models) in groups.items():
                provisioner = Provisioner(gateway, self.engine, env, clock=clock)
                databases.extend(provisioner.run(models, place, fix=fix).databases)
        return ProvisionReport(databases)

    def close(self) -> None:
        for gateway in self.gateways():
            gateway.close()
        self.engine.dispose()


def open_notion(
    settings: Settings,
    metrics: Metrics | None = None,
    *,
    clock: Callable[[], float] = time.time,
    backend: NotionBackend | None = None,
    packs: Sequence[str] | None = None,
) -> NotionConnection:
    """Connect as the settings say: NOTION_TOKEN → real Notion; otherwise a local server.

    ``backend``: the Notion the top of the program opened (the embedded local server,
    in-process, see ``notionhub.backend``); None = over HTTP to ``NOTION_BASE_URL``.
    ``packs``: the packs to be served (default NOTIONHUB_PACKS): each one's NOTION_TOKEN_<PACK>
    gets a gateway of its own, on the same Notion as the deployment's token, with the same
    requests per second.
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
            backend.client(),
            backend.base_url,
            backend.workspace_page_title,
        )
    elif settings.notion_token is None:
        workspace_page_title = LOCAL_WORKSPACE_PAGE_TITLE
    policy = BudgetPolicy(rate=settings.notion_requests_per_second or rate)

    def gateway_for(token: str, http: httpx.Client | None) -> NotionGateway:
        budget = NotionBudget(engine, token, policy)  # one bucket per token, in every process
        return NotionGateway(token, budget, base_url=base_url, http=http, metrics=metrics)

    by_token = {token: gateway_for(token, http)}
    pack_gateways: dict[str, NotionGateway] = {}
    for pack in packs if packs is not None else settings.pack_names:
        own = settings.pack_notion_token(pack)
        if own is None:
            continue
        value = own.get_secret_value()
        if value not in by_token:
            by_token[value] = gateway_for(value, backend.client() if backend else None)
        pack_gateways[pack] = by_token[value]
    return NotionConnection(
        settings, engine, by_token[token], clock, workspace_page_title, pack_gateways
    )
