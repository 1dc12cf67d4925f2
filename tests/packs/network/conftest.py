"""The network pack against the local Notion server over HTTP: its sixteen databases provisioned
and seeded under a fresh page; flows run directly (no queue), rows read back with notion-client.

``Network.deliver(provider, body)`` parses the body with the provider's real parser (signature
checks are the ingest tests' job) and runs every flow of the pack that handles the event, as the
hub's ``apply`` step does. ``Network.person_edits(model, key, **values)`` changes a row as a
person would in Notion and runs the pack's reactions to it, as the hub's ``observe`` step does.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from notion_client import Client
from notion_client.helpers import collect_paginated_api
from starlette.datastructures import Headers

from notionhub.hubdb.pack_tables import migrate_pack_tables
from notionhub.ingest.event import Event, WebhookRequest
from notionhub.ingest.provider import Provider
from notionhub.ingest.registry import get_provider
from notionhub.localnotion.app import DEFAULT_TOKEN
from notionhub.notion.changes import Change
from notionhub.notion.connection import NotionConnection, open_notion
from notionhub.notion.provision import Provisioner
from notionhub.notion.schema import NotionModel, from_page, key_value
from notionhub.notion.schema.convert import to_properties
from notionhub.outbound import OutboundClients
from notionhub.packs import FlowContext
from notionhub.packs.network import PACK as NETWORK
from notionhub.packs.network.machines import MACHINES
from notionhub.packs.network.models import MODELS
from notionhub.packs.network.settings import NetworkSettings
from notionhub.packs.network.snovio import PROVIDER as SNOVIO
from notionhub.packs.state_machine import Instance, MachineStore
from notionhub.settings import Settings
from tests.conftest import RunningServer, start_server
from tests.packs.coaching.conftest import fresh_page
from tests.packs.network.fake_hubspot import FakeHubspot
from tests.servers import serving

NOW = datetime(2026, 11, 28, 18, 0, tzinfo=UTC)
M = TypeVar("M", bound=NotionModel)


def network_settings(home: Path, server: RunningServer, parent: str, **values: Any) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        notionhub_home=home,
        notion_token=None,
        notion_base_url=server.base_url,
        notion_parent_page_id=parent,
        notion_requests_per_second=1000,
        notionhub_packs="network",
        **values,
    )


def provider_named(name: str) -> Provider:
    return SNOVIO if name == "snovio" else get_provider(name)


@dataclass
class Network:
    """The pack's flows and reactions run directly, its databases read back with notion-client."""

    connection: NotionConnection
    notion: Client
    data_sources: dict[str, str]
    machines: MachineStore
    outbound: OutboundClients
    now: Callable[[], datetime] = field(default=lambda: NOW)
    pack_settings: NetworkSettings = field(
        default_factory=lambda: NetworkSettings(_env_file=None)  # type: ignore[call-arg]
    )

    def context(self) -> FlowContext:
        return FlowContext(
            records=self.connection.records(),
            gateway=self.connection.gateway,
            engine=self.connection.engine,
            settings=self.connection.settings,
            now=self.now,
            pack_settings=self.pack_settings,
            machines=self.machines,
            outbound_clients=self.outbound,
        )

    def event(self, provider: str, body: dict[str, Any], *, url: str = "") -> Event:
        request = WebhookRequest(
            method="POST",
            url=url or f"http://127.0.0.1/hooks/{provider}",
            headers=Headers({"content-type": "application/json"}),
            body=json.dumps(body).encode(),
            received_at=self.now(),
        )
        event = provider_named(provider).parse(request, "secret")
        assert isinstance(event, Event)
        return event

    def deliver(self, provider: str, body: dict[str, Any]) -> list[str]:
        """Parse ``body`` as ``provider`` would send it and run every flow that handles it."""
        return self.run(self.event(provider, body))

    def run(self, event: Event) -> list[str]:
        context = self.context()
        flows = NETWORK.flows_for(event)
        assert flows, f"no network flow handles {event.provider}:{event.type}"
        return [flow(event, context) or "done" for _agent, flow in flows]

    def person_edits(self, model: type[M], key: str, **values: Any) -> list[str]:
        """Change the row of ``key`` in Notion as a person would, then run the pack's
        reactions to the change (the mirror updated first, as the hub's observe step does)."""
        records = self.connection.records()
        before = records.mirrored(model, key)
        assert before is not None and before.page_id is not None, f"no {model.__name__} {key}"
        after = before.model_copy(update=values)
        properties = to_properties(after, only=list(values))
        self.notion.pages.update(page_id=before.page_id, properties=properties)
        records.mirror.merge(before.page_id, records.data_source_of(model), properties)
        change = Change(
            model=model,
            page_id=before.page_id,
            kind="updated",
            changed=frozenset(values),
            before=before,
            after=after,
            by_person=True,
            seen_at=self.now(),
        )
        context = self.context()
        return [
            reaction.run(change, context) or "done"
            for agent in NETWORK.agents
            for reaction in agent.reactions
            if reaction.model is model
            and (not reaction.fields or set(reaction.fields) & set(values))
        ]

    def upkeep(self) -> str:
        """The pack's upkeep (figures recomputed after events), as the hub runs it."""
        assert NETWORK.upkeep is not None
        return NETWORK.upkeep(self.context()) or "done"

    def pages(self, database: str) -> list[dict[str, Any]]:
        query = self.notion.data_sources.query
        return list(collect_paginated_api(query, data_source_id=self.data_sources[database]))

    def rows(self, model: type[NotionModel]) -> list[Any]:
        return [from_page(model, page) for page in self.pages(model.__database__.name)]

    def row(self, model: type[NotionModel], key: str) -> Any:
        found = [row for row in self.rows(model) if key_value(row) == key]
        assert len(found) == 1, f"{len(found)} {model.__name__} rows with key {key!r}"
        return found[0]

    def instance(self, instance_id: str) -> Instance:
        found = self.machines.get(instance_id, with_history=True)
        assert found is not None, f"no instance {instance_id}"
        return found


@dataclass(frozen=True)
class NetworkTemplate:
    """A local Notion data folder and a hub folder with the pack provisioned and seeded, once."""

    notion_dir: Path
    home: Path
    parent: str
    data_sources: dict[str, str]  # database name → data source id, the same in every copy


@pytest.fixture(scope="session")
def network_template(tmp_path_factory: pytest.TempPathFactory) -> NetworkTemplate:
    """The sixteen databases provisioned and seeded once a session (about 2 s); each test
    starts from a copy of both folders, as if it had provisioned and seeded them itself."""
    root = tmp_path_factory.mktemp("network-template")
    server = start_server(root / "notion")
    notion = Client(auth=DEFAULT_TOKEN, base_url=server.base_url, retry=False)
    try:
        found = notion.search(query="notionhub", filter={"property": "object", "value": "page"})
        parent = fresh_page(notion, str(found["results"][0]["id"]), "Network")  # type: ignore[index]
        connection = open_notion(network_settings(root / ".notionhub", server, parent))
        try:
            assert NETWORK.migrations is not None
            migrate_pack_tables(connection.engine, NETWORK.name, NETWORK.migrations)
            report = Provisioner(connection.gateway, connection.engine, os.environ).run(
                MODELS, parent
            )
            seeding = Network(
                connection,
                notion,
                report.data_source_ids(),
                MachineStore(connection.engine, MACHINES, clock=NOW.timestamp),
                OutboundClients(connection.engine, clock=time.time, sleep=time.sleep),
            )
            assert NETWORK.seed is not None
            NETWORK.seed(seeding.context())
            seeding.outbound.close()
        finally:
            connection.close()
    finally:
        notion.close()
        server.stop()
    return NetworkTemplate(root / "notion", root / ".notionhub", parent, seeding.data_sources)


@pytest.fixture
def network_server(tmp_path: Path, network_template: NetworkTemplate) -> Iterator[RunningServer]:
    """This test's own local Notion server, holding the provisioned and seeded databases."""
    shutil.copytree(network_template.notion_dir, tmp_path / "notion")
    server = start_server(tmp_path / "notion")
    yield server
    server.stop()


@pytest.fixture
def network(
    tmp_path: Path, network_template: NetworkTemplate, network_server: RunningServer
) -> Iterator[Network]:
    home = tmp_path / ".notionhub"
    shutil.copytree(network_template.home, home)
    notion = Client(auth=DEFAULT_TOKEN, base_url=network_server.base_url, retry=False)
    connection = open_notion(network_settings(home, network_server, network_template.parent))
    try:
        opened = Network(
            connection,
            notion,
            dict(network_template.data_sources),
            MachineStore(connection.engine, MACHINES, clock=NOW.timestamp),
            OutboundClients(connection.engine, clock=time.time, sleep=time.sleep),
        )
        yield opened
        opened.outbound.close()
    finally:
        connection.close()
        notion.close()


HUBSPOT_TOKEN = "pat-na1-11111111-2222-4333-8444-555555555555"


@dataclass
class LocalHubspot:
    """The local HubSpot (``fake_hubspot.py``) served over HTTP."""

    base_url: str
    fake: FakeHubspot


@pytest.fixture
def hubspot_server() -> Iterator[LocalHubspot]:
    fake = FakeHubspot(token=HUBSPOT_TOKEN)
    with serving(fake.app()) as url:
        yield LocalHubspot(url, fake)
