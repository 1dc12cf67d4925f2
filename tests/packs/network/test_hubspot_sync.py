"""The HubSpot contact sync against a local HubSpot over HTTP, through the outbound client."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pydantic import SecretStr

from notionhub.errors import ConfigurationError, EventNotUsable, OutboundRejected
from notionhub.notion.connection import open_notion
from notionhub.outbound import OutboundClients, find_record
from notionhub.packs.network.hubspot_sync import (
    SERVICE,
    UPSERT_PATH,
    HubspotTarget,
    contact_properties,
    sync_contact,
    sync_lead,
)
from notionhub.packs.network.settings import NetworkSettings
from notionhub.packs.pack import FlowContext
from notionhub.settings import Settings
from tests.packs.network.fake_hubspot import FakeHubspot
from tests.servers import serving

TOKEN = "pat-na1-0c9d3f4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
START = 1_773_500_000.0


@dataclass
class FakeTime:
    """A clock that moves only when something sleeps; the sleeps are recorded."""

    now: float = START
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@dataclass
class HubspotServer:
    base_url: str
    fake: FakeHubspot


@pytest.fixture(scope="module")
def server() -> Iterator[HubspotServer]:
    fake = FakeHubspot(token=TOKEN)
    with serving(fake.app()) as url:
        yield HubspotServer(url, fake)


@pytest.fixture
def hubspot(server: HubspotServer) -> FakeHubspot:
    server.fake.reset()
    return server.fake


@pytest.fixture
def target(server: HubspotServer) -> HubspotTarget:
    return HubspotTarget.of(TOKEN, server.base_url)


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def context(tmp_path: Path, fake_time: FakeTime) -> Iterator[FlowContext]:
    """A flow context over a fresh hub database; its Notion is never called here."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        notionhub_home=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'hub.sqlite3'}",
        notion_base_url="http://127.0.0.1:9",
    )
    connection = open_notion(settings)
    clients = OutboundClients(connection.engine, clock=fake_time.clock, sleep=fake_time.sleep)
    yield FlowContext(
        records=connection.records(),
        gateway=connection.gateway,
        engine=connection.engine,
        settings=settings,
        outbound_clients=clients,
    )
    clients.close()
    connection.close()


def test_the_documented_request_is_sent(
    context: FlowContext, target: HubspotTarget, hubspot: FakeHubspot
) -> None:
    account = sync_contact(context, target, " Jane.Doe@Example.com ", name="Jane van Doe")

    assert account == "hubspot contact jane.doe@example.com created (id 501)"
    [call] = hubspot.calls
    assert (call.method, call.path) == ("POST", UPSERT_PATH)
    assert call.headers["authorization"] == f"Bearer {TOKEN}"
    assert call.headers["content-type"] == "application/json"
    assert call.headers["idempotency-key"].startswith("contact-upsert:jane.doe@example.com:")
    assert call.body == {
        "inputs": [
            {
                "idProperty": "email",
                "id": "jane.doe@example.com",
                "properties": {
                    "email": "jane.doe@example.com",
                    "firstname": "Jane",
                    "lastname": "van Doe",
                },
            }
        ]
    }


def test_the_same_content_is_sent_once_and_new_content_again(
    context: FlowContext, target: HubspotTarget, hubspot: FakeHubspot
) -> None:
    first = sync_contact(context, target, "sam@northwind.example", first_name="Sam")
    again = sync_contact(context, target, "SAM@northwind.example", first_name="Sam")

    assert again == f"{first}, as recorded before"
    assert len(hubspot.calls) == 1
    key = hubspot.calls[0].headers["idempotency-key"]
    assert find_record(context.engine, SERVICE, key) is not None

    changed = sync_contact(
        context, target, "sam@northwind.example", first_name="Sam", last_name="Lee"
    )

    assert changed == "hubspot contact sam@northwind.example updated (id 501)"
    assert len(hubspot.calls) == 2
    assert hubspot.contacts["sam@northwind.example"]["properties"]["lastname"] == "Lee"


def test_a_429_waits_its_retry_after_then_succeeds(
    context: FlowContext, target: HubspotTarget, hubspot: FakeHubspot, fake_time: FakeTime
) -> None:
    hubspot.rate_limit_once(7)

    account = sync_contact(context, target, "kim@contoso.example", name="Kim")

    assert account == "hubspot contact kim@contoso.example created (id 501)"
    assert fake_time.sleeps == [7.0]
    assert len(hubspot.calls) == 2
    assert hubspot.calls[0].body == hubspot.calls[1].body


def test_a_wrong_token_is_rejected_for_good(
    context: FlowContext, server: HubspotServer, hubspot: FakeHubspot
) -> None:
    wrong = HubspotTarget.of("pat-na1-revoked", server.base_url)

    with pytest.raises(OutboundRejected) as refused:
        sync_contact(context, wrong, "kim@contoso.example")

    assert refused.value.status_code == 401
    assert str(refused.value).startswith(f"hubspot refused POST {UPSERT_PATH} with 401: ")
    assert "INVALID_AUTHENTICATION" in str(refused.value)
    assert len(hubspot.calls) == 1  # a 4xx is not retried


def test_a_custom_property_must_exist_and_is_asked_again_once_it_does(
    context: FlowContext, server: HubspotServer, hubspot: FakeHubspot
) -> None:
    target = HubspotTarget.of(
        TOKEN, server.base_url, lead_source_property="lead_source", tags_property="lead_tags"
    )

    def sync() -> str:
        return sync_contact(
            context, target, "ana@example.org", name="Ana", lead_source="Snov.io",
            tags=["retreat", " founders ", "retreat", ""],
        )  # fmt: skip

    with pytest.raises(OutboundRejected, match='Property \\\\"lead_source\\\\" does not exist'):
        sync()
    assert len(hubspot.calls) == 1

    hubspot.custom_properties.update({"lead_source", "lead_tags"})
    assert sync() == "hubspot contact ana@example.org created (id 501)"  # a refusal is not kept

    assert len(hubspot.calls) == 2
    sent = hubspot.calls[1].body["inputs"][0]["properties"]
    assert (sent["lead_source"], sent["lead_tags"]) == ("Snov.io", "retreat;founders")


def test_an_option_hubspot_does_not_have_is_rejected(
    context: FlowContext, target: HubspotTarget, hubspot: FakeHubspot
) -> None:
    with pytest.raises(OutboundRejected, match="allowed options of hs_lead_status") as refused:
        sync_contact(context, target, "ana@example.org", lead_status="HOT")
    assert refused.value.status_code == 400

    account = sync_contact(
        context, target, "ana@example.org", lead_status="NEW", lifecycle_stage="lead"
    )
    assert account.endswith("created (id 501)")
    assert hubspot.contacts["ana@example.org"]["properties"]["lifecyclestage"] == "lead"


def test_a_207_for_the_one_input_is_rejected(
    context: FlowContext, target: HubspotTarget, hubspot: FakeHubspot
) -> None:
    hubspot.failing_emails.add("lee@example.net")

    with pytest.raises(OutboundRejected, match="could not be upserted") as refused:
        sync_contact(context, target, "lee@example.net")

    assert refused.value.status_code == 207


def test_properties_hold_only_what_is_known() -> None:
    bare = HubspotTarget(base_url="http://hubspot.test", token=TOKEN)
    assert contact_properties(bare, "A@B.example", lead_source="Snov.io", tags=["x"]) == {
        "email": "a@b.example"
    }
    named = contact_properties(bare, "a@b.example", first_name="Al", name="Ignored Name")
    assert named == {"email": "a@b.example", "firstname": "Al"}
    assert contact_properties(bare, "a@b.example", name="Cher")["firstname"] == "Cher"
    with pytest.raises(EventNotUsable, match="not an email address"):
        contact_properties(bare, "no address")


def test_a_target_needs_a_token_and_does_not_show_it() -> None:
    for missing in (None, "", "  "):
        with pytest.raises(ConfigurationError, match="NETWORK_HUBSPOT_TOKEN"):
            HubspotTarget.of(missing)
    assert TOKEN not in repr(HubspotTarget.of(TOKEN))


def test_the_lead_capture_agent_syncs_with_the_pack_settings(
    context: FlowContext, server: HubspotServer, hubspot: FakeHubspot
) -> None:
    settings = NetworkSettings(
        _env_file=None,  # type: ignore[call-arg]
        hubspot_sync=True,
        hubspot_token=SecretStr(TOKEN),
        hubspot_base_url=server.base_url,
    )

    account = sync_lead(context, settings, "Jane@Example.com", "Jane Doe", "Snov.io", ["x"])

    assert account == "hubspot contact jane@example.com created (id 501)"
    assert hubspot.calls[0].body["inputs"][0]["properties"] == {
        "email": "jane@example.com",
        "firstname": "Jane",
        "lastname": "Doe",
    }
    with pytest.raises(ConfigurationError, match="NETWORK_HUBSPOT_TOKEN"):
        sync_lead(context, NetworkSettings(_env_file=None), "a@b.c", "", None, [])  # type: ignore[call-arg]
