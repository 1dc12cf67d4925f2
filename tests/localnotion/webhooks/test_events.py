"""Each write through the API produces the events Notion sends for it, in Notion's shape."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from notion_client import Client

from tests.conftest import RunningServer
from tests.localnotion.conftest import title
from tests.localnotion.webhooks.conftest import (
    Receiver,
    make_crm,
    property_ids,
    subscribe,
    verify_signature,
)

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@pytest.fixture
def token(server: RunningServer, receiver: Receiver) -> str:
    """Subscribe the receiver; its verification token."""
    return str(subscribe(server, receiver)["verification_token"])


def _users(client: Client) -> dict[str, str]:
    """``bot`` and ``person``: the workspace's two users' ids."""
    return {user["type"]: user["id"] for user in client.users.list()["results"]}


def test_every_delivery_is_signed_and_shaped_like_notion_s(
    server: RunningServer, receiver: Receiver, token: str, bot: Client, root: str
) -> None:
    page = bot.pages.create(parent={"page_id": root}, properties={"title": title("Hello")})
    event = receiver.wait_for_event("page.created", page["id"])
    delivered = receiver.requests_of(event["id"])[0]

    assert verify_signature(delivered, token)
    assert not verify_signature(delivered, token + "x")
    assert delivered.headers["content-type"] == "application/json"
    assert list(event) == [
        "id",
        "timestamp",
        "workspace_id",
        "workspace_name",
        "subscription_id",
        "integration_id",
        "type",
        "authors",
        "attempt_number",
        "api_version",
        "entity",
        "data",
    ]
    assert uuid.UUID(event["id"]).version == 4
    assert TIMESTAMP.fullmatch(event["timestamp"])
    assert uuid.UUID(event["workspace_id"])
    assert event["workspace_name"] == "notionhub"
    users = _users(bot)
    assert event["integration_id"] == users["bot"]
    assert event["authors"] == [{"id": users["bot"], "type": "bot"}]
    assert event["attempt_number"] == 1
    assert event["entity"] == {"id": page["id"], "type": "page"}
    assert event["data"] == {"parent": {"id": root, "type": "page"}}


def test_a_page_of_a_data_source_names_its_database_and_data_source(
    receiver: Receiver, token: str, bot: Client, root: str
) -> None:
    crm = make_crm(bot, root)
    page = bot.pages.create(
        parent={"data_source_id": crm["data_source_id"]},
        properties={"Name": {"title": title("Ada")}},
    )
    created = receiver.wait_for_event("page.created", page["id"])
    assert created["data"]["parent"] == {
        "id": crm["database_id"],
        "type": "database",
        "data_source_id": crm["data_source_id"],
    }
    content = receiver.wait_for_event("data_source.content_updated", crm["data_source_id"])
    assert content["entity"] == {"id": crm["data_source_id"], "type": "data_source"}
    assert content["data"] == {
        "parent": {"id": crm["database_id"], "type": "database"},
        "updated_blocks": [{"id": page["id"], "type": "block"}],
    }
    database = receiver.wait_for_event("database.created", crm["database_id"])
    assert database["data"] == {"parent": {"id": root, "type": "page"}}


def test_properties_updated_lists_the_ids_of_the_changed_properties(
    receiver: Receiver, token: str, bot: Client, root: str
) -> None:
    crm = make_crm(bot, root)
    ids = property_ids(bot, crm["data_source_id"])
    page = bot.pages.create(
        parent={"data_source_id": crm["data_source_id"]},
        properties={"Name": {"title": title("Ada")}, "Price": {"number": 1}},
    )
    bot.pages.update(
        page_id=page["id"],
        properties={
            "Name": {"title": title("Ada L.")},
            "Price": {"number": 1},  # the same value: not a change
            "Done": {"checkbox": True},
        },
    )
    event = receiver.wait_for_event("page.properties_updated", page["id"])
    assert sorted(event["data"]["updated_properties"]) == sorted([ids["Name"], ids["Done"]])
    assert ids["Name"] == "title"
    assert event["data"]["parent"]["data_source_id"] == crm["data_source_id"]


def test_a_person_token_writes_as_the_workspace_s_person(
    receiver: Receiver, token: str, bot: Client, person: Client, root: str
) -> None:
    users = _users(bot)
    page = person.pages.create(parent={"page_id": root}, properties={"title": title("Mine")})
    assert page["created_by"]["id"] == users["person"]
    assert page["last_edited_by"]["id"] == users["person"]
    event = receiver.wait_for_event("page.created", page["id"])
    assert event["authors"] == [{"id": users["person"], "type": "person"}]
    assert event["integration_id"] == users["bot"]

    edited = bot.pages.update(page_id=page["id"], properties={"title": title("Ours")})
    assert edited["created_by"]["id"] == users["person"]
    assert edited["last_edited_by"]["id"] == users["bot"]
    update = receiver.wait_for_event("page.properties_updated", page["id"])
    assert update["authors"] == [{"id": users["bot"], "type": "bot"}]
    # Person tokens pass the same check as other tokens, and /users/me is still the bot.
    assert person.users.me()["id"] == users["bot"]


def test_blocks_appended_updated_and_deleted_update_their_page_s_content(
    receiver: Receiver, token: str, bot: Client, root: str
) -> None:
    page = bot.pages.create(parent={"page_id": root}, properties={"title": title("Doc")})
    toggle = bot.blocks.children.append(
        block_id=page["id"],
        children=[
            {"toggle": {"rich_text": title("Toggle")}},
            {"paragraph": {"rich_text": title("Two")}},
        ],
    )["results"]
    appended = receiver.wait_for_event("page.content_updated", page["id"])
    assert appended["data"] == {
        "parent": {"id": root, "type": "page"},
        "updated_blocks": [{"id": block["id"], "type": "block"} for block in toggle],
    }
    nested = bot.blocks.children.append(
        block_id=toggle[0]["id"], children=[{"paragraph": {"rich_text": title("Inside")}}]
    )["results"][0]
    bot.blocks.update(block_id=nested["id"], paragraph={"rich_text": title("Changed")})
    bot.blocks.delete(block_id=toggle[1]["id"])

    def content_events() -> list[dict[str, Any]]:
        return [
            e
            for e in receiver.events()
            if e["type"] == "page.content_updated" and e["entity"]["id"] == page["id"]
        ]

    receiver.wait_for(lambda _: len(content_events()) == 4)
    blocks = [[b["id"] for b in e["data"]["updated_blocks"]] for e in content_events()]
    assert blocks[1:] == [[nested["id"]], [nested["id"]], [toggle[1]["id"]]]


def test_trash_and_restore_send_deleted_then_undeleted(
    receiver: Receiver, token: str, bot: Client, root: str
) -> None:
    crm = make_crm(bot, root)
    page = bot.pages.create(
        parent={"data_source_id": crm["data_source_id"]},
        properties={"Name": {"title": title("Gone")}},
    )
    bot.pages.update(page_id=page["id"], in_trash=True)
    bot.pages.update(page_id=page["id"], in_trash=False)
    undeleted = receiver.wait_for_event("page.undeleted", page["id"])
    kinds = [e["type"] for e in receiver.events() if e["entity"]["id"] == page["id"]]
    assert kinds == ["page.created", "page.deleted", "page.undeleted"]
    assert undeleted["data"]["parent"]["data_source_id"] == crm["data_source_id"]
    # The data source's content changed three times: a page came, went and came back.
    receiver.wait_for(
        lambda _: (
            len(
                [
                    e
                    for e in receiver.events()
                    if e["type"] == "data_source.content_updated"
                    and e["entity"]["id"] == crm["data_source_id"]
                ]
            )
            == 3
        )
    )


def test_a_child_page_trashed_through_the_blocks_endpoint_is_deleted(
    receiver: Receiver, token: str, bot: Client, root: str
) -> None:
    page = bot.pages.create(parent={"page_id": root}, properties={"title": title("Child")})
    bot.blocks.delete(block_id=page["id"])
    deleted = receiver.wait_for_event("page.deleted", page["id"])
    assert deleted["data"] == {"parent": {"id": root, "type": "page"}}


def test_schema_changes_list_what_happened_to_each_property(
    receiver: Receiver, token: str, bot: Client, root: str
) -> None:
    crm = make_crm(bot, root)
    ids = property_ids(bot, crm["data_source_id"])
    bot.data_sources.update(
        data_source_id=crm["data_source_id"],
        properties={"Phone": None, "Notes": {"name": "Remarks"}, "Score": {"number": {}}},
    )
    event = receiver.wait_for_event("data_source.schema_updated", crm["data_source_id"])
    new_ids = property_ids(bot, crm["data_source_id"])
    changes = sorted(event["data"]["updated_properties"], key=lambda c: c["action"])
    assert changes == [
        {"id": new_ids["Score"], "name": "Score", "action": "created"},
        {"id": ids["Phone"], "name": "Phone", "action": "deleted"},
        {"id": ids["Notes"], "name": "Remarks", "action": "updated"},
    ]
    assert event["data"]["parent"] == {"id": crm["database_id"], "type": "database"}


def test_a_new_data_source_and_a_comment_are_told(
    receiver: Receiver, token: str, bot: Client, root: str
) -> None:
    crm = make_crm(bot, root)
    source = bot.data_sources.create(
        parent={"type": "database_id", "database_id": crm["database_id"]},
        title=title("Second"),
        properties={"Name": {"title": {}}},
    )
    created = receiver.wait_for_event("data_source.created", source["id"])
    assert created["entity"] == {"id": source["id"], "type": "data_source"}
    assert created["data"] == {"parent": {"id": crm["database_id"], "type": "database"}}

    page = bot.pages.create(parent={"page_id": root}, properties={"title": title("Talk")})
    comment = bot.comments.create(parent={"page_id": page["id"]}, rich_text=title("Hi"))
    event = receiver.wait_for_event("comment.created", comment["id"])
    assert event["entity"] == {"id": comment["id"], "type": "comment"}
    assert event["data"] == {"page_id": page["id"], "parent": {"id": page["id"], "type": "page"}}


def test_locking_and_a_two_way_relation_tell_each_page(
    receiver: Receiver, token: str, bot: Client, root: str
) -> None:
    crm, people = make_crm(bot, root), make_crm(bot, root)
    bot.data_sources.update(
        data_source_id=crm["data_source_id"],
        properties={
            "Contact": {
                "relation": {
                    "data_source_id": people["data_source_id"],
                    "type": "dual_property",
                    "dual_property": {"synced_property_name": "Deals"},
                }
            }
        },
    )
    deals_id = property_ids(bot, people["data_source_id"])["Deals"]
    synced = receiver.wait_for_event("data_source.schema_updated", people["data_source_id"])
    assert synced["data"]["updated_properties"] == [
        {"id": deals_id, "name": "Deals", "action": "created"}
    ]
    deal = bot.pages.create(
        parent={"data_source_id": crm["data_source_id"]}, properties={"Name": {"title": []}}
    )
    ada = bot.pages.create(
        parent={"data_source_id": people["data_source_id"]}, properties={"Name": {"title": []}}
    )
    bot.pages.update(page_id=deal["id"], properties={"Contact": {"relation": [{"id": ada["id"]}]}})
    echo = receiver.wait_for_event("page.properties_updated", ada["id"])
    assert echo["data"]["updated_properties"] == [deals_id]
    assert echo["data"]["parent"]["data_source_id"] == people["data_source_id"]
    assert bot.pages.retrieve(page_id=ada["id"])["properties"]["Deals"]["relation"] == [
        {"id": deal["id"]}
    ]

    bot.pages.update(page_id=deal["id"], is_locked=True)
    locked = receiver.wait_for_event("page.locked", deal["id"])
    assert locked["data"]["parent"]["data_source_id"] == crm["data_source_id"]


def test_event_types_filter_what_a_subscription_gets(
    server: RunningServer, receiver: Receiver, other_receiver: Receiver, bot: Client, root: str
) -> None:
    subscribe(server, receiver, event_types=["page.properties_updated"])
    subscribe(server, other_receiver)
    page = bot.pages.create(parent={"page_id": root}, properties={"title": title("One")})
    bot.pages.update(page_id=page["id"], properties={"title": title("Two")})
    other_receiver.wait_for_event("page.properties_updated", page["id"])
    receiver.wait_for_event("page.properties_updated", page["id"])
    # Both were enqueued together: the filtered subscription never had the page.created.
    assert [e["type"] for e in receiver.events()] == ["page.properties_updated"]
