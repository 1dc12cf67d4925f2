"""Changes people make in Notion, read by the hub: against the local server over HTTP.

People edit with their own token (the server's person token), as a coach in Notion would; the
events given to the observer have the shape Notion's webhooks send.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import pytest
from notion_client import Client
from sqlalchemy import Engine

from notionhub.notion.changes import BotIdentity, Change, ChangeObserver
from notionhub.notion.gateway import NotionGateway
from notionhub.notion.key_index import KeyIndex
from notionhub.notion.mirror import PageMirror
from notionhub.notion.provision import Provisioner
from notionhub.notion.records import Records
from notionhub.notion.schema import (
    DatabaseSpec,
    Key,
    NotionModel,
    Option,
    Owned,
    RichText,
    Select,
    Title,
)
from tests.conftest import RunningServer, start_server
from tests.notion.conftest import GatewayFactory

PERSON_TOKEN = "person-token-for-tests"
_clock = itertools.count(1_000_000)


class Ticket(NotionModel):
    __database__ = DatabaseSpec("Tickets", env="NOTION_TICKETS_DB")

    title: Annotated[str, Title("Ticket")]
    ref: Annotated[str, RichText("Ref"), Key(), Owned("both")]
    status: Annotated[
        str | None, Select("Status", options=[Option("Open"), Option("Closed")]), Owned("both")
    ] = None
    summary: Annotated[str, RichText("Summary")] = ""  # the hub's
    notes: Annotated[str, RichText("Notes"), Owned("person")] = ""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    running = start_server(
        tmp_path / "notion", person_tokens=(PERSON_TOKEN,), webhook_aggregation_seconds=0.0
    )
    yield running
    running.stop()


@pytest.fixture
def person(server: RunningServer) -> Iterator[Client]:
    client = Client(auth=PERSON_TOKEN, base_url=server.base_url)
    yield client
    client.close()


@pytest.fixture
def gateway(make_gateway: GatewayFactory, server: RunningServer) -> NotionGateway:
    return make_gateway(server)


@pytest.fixture
def records(gateway: NotionGateway, hub_engine: Engine) -> Records:
    root = str(next(gateway.search({"query": "notionhub"}))["id"])
    report = Provisioner(gateway, hub_engine, {}).run([Ticket], root)
    return Records(gateway, KeyIndex(hub_engine), PageMirror(hub_engine), report.data_source_ids())


@pytest.fixture
def observer(records: Records, hub_engine: Engine) -> ChangeObserver:
    return ChangeObserver(
        records,
        [Ticket],
        hub_engine,
        clock=lambda: float(next(_clock)),
        bot_id=BotIdentity(records.gateway.me),
    )


def page_event(page_id: str, kind: str, *authors: dict[str, str]) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": kind,
        "timestamp": "2026-12-05T12:00:00.000Z",
        "authors": list(authors),
        "entity": {"id": page_id, "type": "page"},
        "data": {},
    }


def author(user_id: str, kind: str = "person") -> dict[str, str]:
    return {"id": user_id, "type": kind}


def person_id(person: Client) -> str:
    return str(person.users.me()["id"])


def counted(server: RunningServer) -> int:
    total: int = server.admin("GET", "/_admin/stats").json()["total"]
    return total


def text(value: str) -> dict[str, Any]:
    return {"rich_text": [{"text": {"content": value}}]}


def test_a_persons_edit_is_read_once_and_given_with_old_and_new_values(
    records: Records, observer: ChangeObserver, person: Client, server: RunningServer
) -> None:
    written = records.upsert(Ticket(title="Printer", ref="T-1", status="Open", summary="jammed"))
    person.pages.update(
        page_id=written.page_id, properties={"Status": {"select": {"name": "Closed"}}}
    )
    event = page_event(written.page_id, "page.properties_updated", author(person_id(person)))

    seen = observer.observe(event, received_at=0.0)

    assert seen.change is not None and seen.read
    assert seen.change.kind == "updated" and seen.change.changed == ("Status",)
    assert seen.change.by_person
    typed = Change.of(Ticket, seen.change)
    assert typed.changed == {"status"}
    assert typed.before is not None and typed.before.status == "Open"
    assert typed.after is not None and typed.after.status == "Closed"
    assert records.mirrored(Ticket, "T-1") == typed.after.model_copy(
        update={"page_id": written.page_id}
    )
    # The same event again, or another received before that read: no second read.
    before = counted(server)
    again = observer.observe(event, received_at=0.0)
    assert again.change is None and not again.read
    assert "already read" in again.note
    assert counted(server) == before


def test_the_hubs_own_edits_cost_nothing(
    records: Records, observer: ChangeObserver, server: RunningServer
) -> None:
    written = records.upsert(Ticket(title="Screen", ref="T-2"))
    bot = observer.bot_id()
    before = counted(server)

    seen = observer.observe(
        page_event(written.page_id, "page.created", author(bot, "bot")), received_at=9e12
    )

    assert seen.change is None and seen.note == "the hub's own edit"
    assert counted(server) == before


def test_a_persons_edit_of_a_hub_property_is_put_back(
    records: Records, observer: ChangeObserver, person: Client, gateway: NotionGateway
) -> None:
    written = records.upsert(Ticket(title="Desk", ref="T-3", summary="wobbly leg"))
    person.pages.update(
        page_id=written.page_id,
        properties={"Summary": text("fixed!"), "Notes": text("called facilities")},
    )

    seen = observer.observe(
        page_event(written.page_id, "page.properties_updated", author(person_id(person))), 0.0
    )

    assert seen.change is not None
    assert seen.change.restored == ("Summary",) and seen.change.changed == ("Notes",)
    page = gateway.retrieve_page(written.page_id)
    assert page["properties"]["Summary"]["rich_text"][0]["plain_text"] == "wobbly leg"
    assert page["properties"]["Notes"]["rich_text"][0]["plain_text"] == "called facilities"


def test_a_hub_write_not_yet_in_the_mirror_is_not_undone_when_no_author_is_named(
    records: Records, observer: ChangeObserver, gateway: NotionGateway
) -> None:
    """A poll (no author named: the hub edited last) runs between the hub's write to Notion
    and its mirror's update. One CI run's Dashboard Metrics page had its new values put back
    to the old ones that way."""
    written = records.upsert(Ticket(title="Lamp", ref="T-9", summary="old"))
    gateway.update_page(written.page_id, {"properties": {"Summary": text("new")}})  # in flight

    seen = observer.observe(page_event(written.page_id, "page.properties_updated"), 0.0)

    assert seen.change is not None
    assert seen.change.restored == () and seen.change.changed == ("Summary",)
    page = gateway.retrieve_page(written.page_id)
    assert page["properties"]["Summary"]["rich_text"][0]["plain_text"] == "new"
    mirrored = records.mirrored(Ticket, "T-9")
    assert mirrored is not None and mirrored.summary == "new"  # what Notion holds


def test_the_hub_never_overwrites_a_persons_property_on_an_existing_page(
    records: Records, observer: ChangeObserver, person: Client, gateway: NotionGateway
) -> None:
    written = records.upsert(Ticket(title="Chair", ref="T-4", notes="from the form"))
    person.pages.update(page_id=written.page_id, properties={"Notes": text("mine now")})
    observer.observe(
        page_event(written.page_id, "page.properties_updated", author(person_id(person))), 0.0
    )

    again = records.upsert(Ticket(title="Chair", ref="T-4", notes="from the form, again"))

    assert again.action == "unchanged"
    page = gateway.retrieve_page(written.page_id)
    assert page["properties"]["Notes"]["rich_text"][0]["plain_text"] == "mine now"


def test_a_page_a_person_creates_then_renames_then_deletes(
    records: Records, observer: ChangeObserver, person: Client
) -> None:
    who = author(person_id(person))
    data_source = records.data_source_of(Ticket)
    page = person.pages.create(
        parent={"data_source_id": data_source},
        properties={"Ticket": {"title": [{"text": {"content": "Lamp"}}]}, "Ref": text("T-5")},
    )

    created = observer.observe(page_event(page["id"], "page.created", who), 0.0)
    assert created.change is not None and created.change.kind == "created"
    assert records.index.page_id(data_source, "T-5") == page["id"]

    person.pages.update(page_id=page["id"], properties={"Ref": text("T-6")})
    renamed = observer.observe(page_event(page["id"], "page.properties_updated", who), 9e12)
    assert renamed.change is not None and renamed.change.restored == ()
    assert records.index.page_id(data_source, "T-5") is None
    assert records.index.page_id(data_source, "T-6") == page["id"]

    person.pages.update(page_id=page["id"], in_trash=True)
    deleted = observer.observe(page_event(page["id"], "page.deleted", who), 9e13)
    assert deleted.change is not None and deleted.change.kind == "deleted"
    assert records.index.page_id(data_source, "T-6") is None
    assert records.mirrored(Ticket, "T-6") is None


def test_pages_outside_the_packs_databases_are_not_read(
    observer: ChangeObserver, server: RunningServer
) -> None:
    event = page_event(str(uuid.uuid4()), "page.properties_updated", author(str(uuid.uuid4())))
    event["data"] = {
        "parent": {"id": str(uuid.uuid4()), "type": "database", "data_source_id": str(uuid.uuid4())}
    }
    observer.bot_id()  # asked once per process
    before = counted(server)

    seen = observer.observe(event, 0.0)

    assert seen.change is None and not seen.read
    assert counted(server) == before


def test_a_content_edit_changes_no_property(
    records: Records, observer: ChangeObserver, person: Client
) -> None:
    written = records.upsert(Ticket(title="Phone", ref="T-7"))
    person.blocks.children.append(
        block_id=written.page_id,
        children=[{"paragraph": {"rich_text": [{"text": {"content": "a note"}}]}}],
    )

    seen = observer.observe(
        page_event(written.page_id, "page.content_updated", author(person_id(person))), 0.0
    )

    assert seen.change is None and seen.note == "no property of the model changed"
