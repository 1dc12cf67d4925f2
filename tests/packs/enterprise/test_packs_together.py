"""Packs side by side: the coaching and enterprise packs both have a database titled "Clients"
(named "Clients" and "Enterprise Clients"): each gets its own, provisioning again adopts them,
and a hub that lost its memory adopts each by title and schema, never the other's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import APIRouter

from notionhub.errors import ConfigurationError
from notionhub.hubdb.engine import create_hub_engine, create_tables
from notionhub.hubdb.tables import metadata
from notionhub.notion.provision import Provisioner
from notionhub.packs.coaching import PACK as COACHING
from notionhub.packs.discovery import check_database_names, load_packs
from notionhub.packs.enterprise import PACK as ENTERPRISE
from notionhub.packs.pack import Pack
from notionhub.queue.processor import EventProcessor
from tests.hub_server import Hub, serve_hub
from tests.packs.enterprise.conftest import NOW, MovableClock, start_enterprise_hub


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory, processor: EventProcessor) -> Iterator[Hub]:
    home = tmp_path_factory.mktemp("together") / ".notionhub"
    runtime = start_enterprise_hub(home, processor, MovableClock(NOW), packs="coaching,enterprise")
    with serve_hub(runtime) as client:
        yield client


def title_of(hub: Hub, database_id: str) -> str:
    assert hub.runtime.notion is not None
    database = hub.runtime.notion.gateway.retrieve_database(database_id)
    return "".join(part["plain_text"] for part in database["title"])


def test_two_clients_databases_one_title_each_packs_own(both: Hub, tmp_path: Path) -> None:
    report = both.runtime.provision_report
    assert report is not None
    ids = {d.name: d.database_id for d in report.databases}
    assert ids["Clients"] != ids["Enterprise Clients"]
    assert title_of(both, ids["Clients"]) == title_of(both, ids["Enterprise Clients"]) == "Clients"

    notion = both.runtime.notion
    assert notion is not None
    models = [*COACHING.models, *ENTERPRISE.models]
    again = Provisioner(notion.gateway, notion.engine, {}).run(models, notion.parent_page_id())
    assert {d.name: (d.database_id, d.source) for d in again.databases if "Clients" in d.name} == {
        "Clients": (ids["Clients"], "remembered"),
        "Enterprise Clients": (ids["Enterprise Clients"], "remembered"),
    }

    # A hub database of its own (nothing remembered): adopted by title, each by its schema,
    # whichever pack comes first.
    for order in (models, [*ENTERPRISE.models, *COACHING.models]):
        engine = create_hub_engine(
            f"sqlite:///{tmp_path / f'fresh-{len(order)}-{order[0].__name__}.db'}"
        )
        create_tables(engine, metadata)
        fresh = Provisioner(notion.gateway, engine, {}).run(order, notion.parent_page_id())
        found = {d.name: (d.database_id, d.source) for d in fresh.databases}
        assert found["Clients"] == (ids["Clients"], "title")
        assert found["Enterprise Clients"] == (ids["Enterprise Clients"], "title")
        assert all(source == "title" for _, source in found.values())
        engine.dispose()


def test_two_packs_may_not_name_a_database_alike() -> None:
    copycat = Pack(
        name="copycat",
        description="Names a database as the coaching pack does.",
        models=(COACHING.models[0],),
        router=APIRouter(),
    )
    with pytest.raises(ConfigurationError, match="both declare a database named 'Clients'"):
        check_database_names([COACHING, copycat])
    assert [p.name for p in load_packs("coaching,network,enterprise")] == [
        "coaching",
        "network",
        "enterprise",
    ]
