"""The coaching pack against the local Notion server over HTTP: provisioned under a fresh page."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from notion_client import Client
from notion_client.helpers import collect_paginated_api

from notionhub.hubdb.pack_tables import migrate_pack_tables
from notionhub.ingest.event import Event
from notionhub.notion.connection import NotionConnection, open_notion
from notionhub.notion.provision import Provisioner
from notionhub.notion.schema import NotionModel, from_page, key_value
from notionhub.packs import FlowContext
from notionhub.packs.coaching import PACK as COACHING
from notionhub.packs.coaching.flows import keep_rows, refresh_dashboard
from notionhub.packs.coaching.models import (
    MODELS,
    DashboardMetric,
    Invoice,
    Package,
    Session,
)
from notionhub.packs.coaching.models import Client as ClientRow
from notionhub.packs.coaching.settings import CoachingSettings
from notionhub.settings import Settings
from tests.conftest import RunningServer
from tests.packs.coaching.scenario import Delivery

# The month the scenarios happen in, as the pack's clock sees it.
NOW = datetime(2026, 11, 28, 18, 0, tzinfo=UTC)
PACKAGES = (
    Package(name="Single session", price=150, sessions_included=1, event_type="coaching-session"),
    Package(name="Clarity 5-pack", price=450, sessions_included=5, stripe_price_id="price_5pack"),
    Package(name="Discovery", price=0, sessions_included=1, event_type="discovery-call"),
)


def coaching_settings(home: Path, server: RunningServer, parent: str, **values: Any) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        notionhub_home=home,
        notion_token=None,
        notion_base_url=server.base_url,
        notion_parent_page_id=parent,
        notion_requests_per_second=1000,
        notionhub_packs="coaching",
        **values,
    )


def fresh_page(notion: Client, root_page_id: str, title: str) -> str:
    page = notion.pages.create(
        parent={"page_id": root_page_id},
        properties={"title": {"title": [{"text": {"content": title}}]}},
    )
    return str(page["id"])  # type: ignore[index]


@dataclass
class Coaching:
    """The pack's flows run directly (no queue), and its databases read back with notion-client."""

    connection: NotionConnection
    notion: Client
    data_sources: dict[str, str]
    now: Callable[[], datetime] = field(default=lambda: NOW)
    pack_settings: CoachingSettings = field(
        default_factory=lambda: CoachingSettings(_env_file=None)  # type: ignore[call-arg]
    )

    def context(self) -> FlowContext:
        return FlowContext(
            records=self.connection.records(),
            gateway=self.connection.gateway,
            engine=self.connection.engine,
            settings=self.connection.settings,
            now=self.now,
            pack_settings=self.pack_settings,
        )

    def receive(self, delivery: Delivery | Event) -> str:
        event = delivery.event() if isinstance(delivery, Delivery) else delivery
        return keep_rows(event, self.context())

    def upkeep(self) -> str:
        return refresh_dashboard(self.context())

    def pages(self, database: str) -> list[dict[str, Any]]:
        """Every page of a database, as notion-client reads it (trashed pages are not listed)."""
        query = self.notion.data_sources.query
        return list(collect_paginated_api(query, data_source_id=self.data_sources[database]))

    def rows(self, model: type[NotionModel]) -> list[Any]:
        return [from_page(model, page) for page in self.pages(model.__database__.name)]

    def state(self) -> dict[str, Any]:
        """Every row the pack keeps, comparable between two workspaces: page ids replaced by
        the key of the row they point to, and a metric's time of writing left out."""
        keys: dict[str, str] = {}
        rows: dict[str, list[NotionModel]] = {}
        for model in (ClientRow, Session, Invoice, Package, DashboardMetric):
            rows[model.__name__] = sorted(self.rows(model), key=lambda r: str(key_value(r)))
            keys.update({str(r.page_id): str(key_value(r)) for r in rows[model.__name__]})
        state: dict[str, Any] = {}
        for name, records in rows.items():
            dumped = []
            for record in records:
                values = record.model_dump(exclude={"page_id", "updated"})
                for field_name, value in values.items():
                    if isinstance(value, list):
                        values[field_name] = sorted(keys.get(item, item) for item in value)
                dumped.append(values)
            state[name] = dumped
        return state


@contextmanager
def open_coaching(
    home: Path, server: RunningServer, notion: Client, root_page_id: str
) -> Iterator[Coaching]:
    """The pack's five databases, new, under a new page; a hub database under ``home``."""
    parent = fresh_page(notion, root_page_id, f"Coaching {home.name}")
    connection = open_notion(coaching_settings(home / ".notionhub", server, parent))
    assert COACHING.migrations is not None
    migrate_pack_tables(connection.engine, COACHING.name, COACHING.migrations)
    try:
        report = Provisioner(connection.gateway, connection.engine, os.environ).run(MODELS, parent)
        records = connection.records()
        for package in PACKAGES:
            records.upsert(package)
        yield Coaching(connection, notion, report.data_source_ids())
    finally:
        connection.close()


@pytest.fixture
def coaching(
    tmp_path: Path, notion_server: RunningServer, notion: Client, root_page_id: str
) -> Iterator[Coaching]:
    with open_coaching(tmp_path, notion_server, notion, root_page_id) as opened:
        yield opened
