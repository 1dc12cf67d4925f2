"""Provisioning against the local server: create, remember, adopt, drift, fix, idempotence."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from notion_client import Client
from sqlalchemy import Engine
from typer.testing import CliRunner

from notionhub.cli import app
from notionhub.errors import ConfigurationError
from notionhub.hubdb.engine import create_hub_engine
from notionhub.localnotion.app import DEFAULT_TOKEN
from notionhub.notion.gateway import NotionGateway
from notionhub.notion.provision import Provisioner
from tests.conftest import RunningServer, start_server
from tests.notion.conftest import GatewayFactory
from tests.notion.models import MODELS


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    running = start_server(tmp_path / "notion")
    yield running
    running.stop()


@pytest.fixture
def gateway(make_gateway: GatewayFactory, server: RunningServer) -> NotionGateway:
    return make_gateway(server)


@pytest.fixture
def client(server: RunningServer) -> Iterator[Client]:
    notion = Client(auth=DEFAULT_TOKEN, base_url=server.base_url, retry=False)
    yield notion
    notion.close()


def root(gateway: NotionGateway) -> str:
    return str(next(gateway.search({"query": "notionhub"}))["id"])


def creates(server: RunningServer) -> int:
    return int(server.admin("GET", "/_admin/stats").json()["by_route"].get("POST /v1/databases", 0))


def test_first_run_creates_with_two_way_relations_second_changes_nothing(
    gateway: NotionGateway, server: RunningServer, hub_engine: Engine, client: Client
) -> None:
    first = Provisioner(gateway, hub_engine, {}).run(MODELS, root(gateway))
    assert [(r.name, r.action, r.drift) for r in first.databases] == [
        ("Customers", "created", []),
        ("Orders", "created", []),
    ]
    customers = client.data_sources.retrieve(
        data_source_id=first.ids()["Customers"]["data_source_id"]
    )
    assert (
        customers["properties"]["Orders"]["relation"]["dual_property"]["synced_property_name"]
        == "Customer"
    )
    assert customers["properties"]["Total"]["rollup"]["function"] == "sum"

    server.admin("POST", "/_admin/reset-stats")
    second = Provisioner(gateway, hub_engine, {}).run(MODELS, root(gateway))
    assert [r.action for r in second.databases] == ["unchanged", "unchanged"]
    assert not second.changed
    assert second.ids() == first.ids()
    stats = server.admin("GET", "/_admin/stats").json()["by_route"]
    assert not [route for route in stats if route.startswith(("POST /v1/databases", "PATCH"))]


def test_adopts_by_title_and_by_environment(
    gateway: NotionGateway, hub_engine: Engine, server: RunningServer, tmp_path: Path
) -> None:
    first = Provisioner(gateway, hub_engine, {}).run(MODELS, root(gateway))
    # A hub that remembers nothing finds the databases by their exact title under the parent.
    other = create_hub_engine(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    server.admin("POST", "/_admin/reset-stats")
    by_title = Provisioner(gateway, other, {}).run(MODELS, root(gateway))
    assert [r.action for r in by_title.databases] == ["adopted", "adopted"]
    assert by_title.ids() == first.ids()
    assert creates(server) == 0
    # An id in the environment wins: a database id or a data source id.
    third = create_hub_engine(f"sqlite:///{tmp_path / 'third.sqlite3'}")
    env = {
        "NOTION_CUSTOMERS_DB": first.ids()["Customers"]["database_id"],
        "NOTION_ORDERS_DB": first.ids()["Orders"]["data_source_id"],
    }
    by_env = Provisioner(gateway, third, env).run(MODELS, root(gateway))
    assert by_env.ids() == first.ids()
    with pytest.raises(ConfigurationError, match="NOTION_ORDERS_DB"):
        Provisioner(
            gateway, third, {"NOTION_ORDERS_DB": "00000000-0000-4000-8000-000000000000"}
        ).run(MODELS, root(gateway))
    other.dispose()
    third.dispose()


def test_drift_is_reported_and_fix_adds_without_deleting(
    gateway: NotionGateway, hub_engine: Engine, client: Client
) -> None:
    first = Provisioner(gateway, hub_engine, {}).run(MODELS, root(gateway))
    orders = first.ids()["Orders"]["data_source_id"]
    customers = first.ids()["Customers"]["data_source_id"]
    client.data_sources.update(
        data_source_id=orders,
        properties={"Paid": None, "Amount": {"rich_text": {}}, "Mine": {"number": {}}},
    )
    client.data_sources.update(
        data_source_id=customers, properties={"Tier": {"select": {"options": [{"name": "Free"}]}}}
    )
    report = Provisioner(gateway, hub_engine, {}).run(MODELS, root(gateway))
    drift = {(r.name, d.property, d.kind) for r in report.databases for d in r.drift}
    assert drift == {
        ("Orders", "Paid", "missing_property"),
        ("Orders", "Amount", "wrong_type"),
        ("Customers", "Tier", "missing_option"),
    }
    fixed = Provisioner(gateway, hub_engine, {}).run(MODELS, root(gateway), fix=True)
    assert {(r.name, d.property) for r in fixed.databases for d in r.fixed} == {
        ("Orders", "Paid"),
        ("Customers", "Tier"),
    }
    assert [(d.property, d.kind) for r in fixed.databases for d in r.drift] == [
        ("Amount", "wrong_type")
    ]
    props = client.data_sources.retrieve(data_source_id=orders)["properties"]
    assert props["Mine"]["type"] == "number"  # a user's own column is never removed
    assert props["Amount"]["type"] == "rich_text"  # nor retyped
    options = client.data_sources.retrieve(data_source_id=customers)["properties"]["Tier"][
        "select"
    ]["options"]
    assert {o["name"] for o in options} == {"Free", "Pro"}


def test_cli_provision_json_then_nothing_to_do(
    server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NOTION_TOKEN", raising=False)
    monkeypatch.setenv("NOTION_BASE_URL", server.base_url)
    monkeypatch.setenv("NOTIONHUB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("NOTIONHUB_PACKS", "echo")
    runner = CliRunner()
    first = runner.invoke(app, ["provision", "--json"])
    assert first.exit_code == 0, first.output
    assert '"Event Log"' in first.output and '"data_source_id"' in first.output
    second = runner.invoke(app, ["provision"])
    assert second.exit_code == 0, second.output
    assert "Nothing to do" in second.output
    unknown = runner.invoke(app, ["provision", "--pack", "nope"])
    assert unknown.exit_code == 2
    assert "Unknown pack 'nope'" in unknown.output
