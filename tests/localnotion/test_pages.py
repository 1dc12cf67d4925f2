"""Pages through notion-client: create under a page or a data source, update, trash, properties."""

from __future__ import annotations

from typing import Any

import pytest
from notion_client import APIResponseError, Client
from notion_client.helpers import collect_paginated_api

from tests.localnotion.conftest import title

FULL_VALUES = {
    "Name": {"title": title("Ada Lovelace")},
    "Email": {"email": "ada@example.com"},
    "Price": {"number": 120.5},
    "Stage": {"select": {"name": "Won"}},
    "Tags": {"multi_select": [{"name": "vip"}, {"name": "new-tag"}]},
    "Due": {
        "date": {"start": "2026-03-01T10:00:00.000+01:00", "end": "2026-03-01T11:00:00.000+01:00"}
    },
    "Done": {"checkbox": True},
    "Notes": {
        "rich_text": [
            {"text": {"content": "likes "}},
            {"text": {"content": "tea"}, "annotations": {"bold": True}},
        ]
    },
    "Site": {"url": "https://example.com"},
    "Phone": {"phone_number": "+44 20 7946 0000"},
}


def test_create_page_in_data_source_with_every_common_type(
    notion: Client, crm: dict[str, str]
) -> None:
    page = notion.pages.create(
        parent={"data_source_id": crm["data_source_id"]}, properties=FULL_VALUES
    )
    assert page["object"] == "page"
    assert page["parent"]["type"] == "data_source_id"
    assert page["parent"]["data_source_id"] == crm["data_source_id"]
    assert page["parent"]["database_id"] == crm["database_id"]
    props = notion.pages.retrieve(page_id=page["id"])["properties"]
    assert props["Name"]["title"][0]["plain_text"] == "Ada Lovelace"
    assert props["Email"]["email"] == "ada@example.com"
    assert props["Price"]["number"] == 120.5
    assert props["Stage"]["select"]["name"] == "Won"
    assert props["Stage"]["select"]["color"] == "green"
    assert [o["name"] for o in props["Tags"]["multi_select"]] == ["vip", "new-tag"]
    assert props["Due"]["date"]["start"].startswith("2026-03-01T10:00")
    assert props["Done"]["checkbox"] is True
    assert "".join(t["plain_text"] for t in props["Notes"]["rich_text"]) == "likes tea"
    assert props["Notes"]["rich_text"][1]["annotations"]["bold"] is True
    assert props["Site"]["url"] == "https://example.com"
    assert props["Phone"]["phone_number"] == "+44 20 7946 0000"
    # A new multi_select option is added to the schema, as Notion does.
    schema = notion.data_sources.retrieve(data_source_id=crm["data_source_id"])["properties"]
    assert "new-tag" in [o["name"] for o in schema["Tags"]["multi_select"]["options"]]


def test_create_page_under_database_id_with_one_data_source(
    notion: Client, crm: dict[str, str]
) -> None:
    page = notion.pages.create(
        parent={"database_id": crm["database_id"]}, properties={"Name": {"title": title("x")}}
    )
    assert page["parent"]["data_source_id"] == crm["data_source_id"]


def test_create_child_page_with_content(notion: Client, root_page_id: str) -> None:
    page = notion.pages.create(
        parent={"page_id": root_page_id},
        properties={"title": {"title": title("Weekly report")}},
        children=[{"paragraph": {"rich_text": title("Hello")}}],
    )
    assert page["parent"] == {"type": "page_id", "page_id": root_page_id}
    assert page["properties"]["title"]["title"][0]["plain_text"] == "Weekly report"
    children = notion.blocks.children.list(block_id=page["id"])["results"]
    assert [c["type"] for c in children] == ["paragraph"]
    # The root page is the session's: other tests' pages may fill its first page of children.
    listed = collect_paginated_api(notion.blocks.children.list, block_id=root_page_id)
    assert any(b["type"] == "child_page" and b["id"] == page["id"] for b in listed)


def test_update_only_given_properties(notion: Client, crm: dict[str, str]) -> None:
    page = notion.pages.create(
        parent={"data_source_id": crm["data_source_id"]}, properties=FULL_VALUES
    )
    updated = notion.pages.update(
        page_id=page["id"], properties={"Price": {"number": 99}, "Stage": {"select": None}}
    )
    assert updated["properties"]["Price"]["number"] == 99
    assert updated["properties"]["Stage"]["select"] is None
    assert updated["properties"]["Email"]["email"] == "ada@example.com"
    assert updated["last_edited_time"] >= page["last_edited_time"]


def test_trash_and_restore(notion: Client, crm: dict[str, str]) -> None:
    page = notion.pages.create(
        parent={"data_source_id": crm["data_source_id"]}, properties={"Name": {"title": title("t")}}
    )
    assert notion.pages.update(page_id=page["id"], in_trash=True)["in_trash"] is True
    assert notion.pages.retrieve(page_id=page["id"])["archived"] is True
    assert notion.pages.update(page_id=page["id"], in_trash=False)["in_trash"] is False


@pytest.mark.parametrize(
    "edit",
    [
        {"properties": {"Name": {"title": title("changed")}}},
        {"icon": {"type": "emoji", "emoji": "🎯"}},
        {"cover": None},
        {"is_locked": True},
        {"in_trash": True, "is_locked": True},
    ],
)
def test_a_page_in_the_trash_is_edited_only_once_restored(
    notion: Client, crm: dict[str, str], edit: dict[str, Any]
) -> None:
    page = notion.pages.create(
        parent={"data_source_id": crm["data_source_id"]}, properties={"Name": {"title": title("t")}}
    )
    trashed = notion.pages.update(page_id=page["id"], in_trash=True)
    with pytest.raises(APIResponseError) as raised:
        notion.pages.update(page_id=page["id"], **edit)
    assert raised.value.code == "validation_error"
    assert "Restore it first" in str(raised.value)
    assert notion.pages.retrieve(page_id=page["id"]) == trashed
    # Restoring and editing in one request is allowed (docs/local-notion.md).
    restored = notion.pages.update(page_id=page["id"], **{**edit, "in_trash": False})
    assert restored["in_trash"] is False


def test_icon_and_cover(notion: Client, crm: dict[str, str]) -> None:
    page = notion.pages.create(
        parent={"data_source_id": crm["data_source_id"]}, properties={"Name": {"title": title("i")}}
    )
    icon = {"type": "emoji", "emoji": "🎯"}
    cover = {"type": "external", "external": {"url": "https://example.com/c.png"}}
    updated = notion.pages.update(page_id=page["id"], icon=icon, cover=cover)
    assert updated["icon"] == icon
    assert updated["cover"] == cover
    cleared = notion.pages.update(page_id=page["id"], icon=None, cover=None)
    assert (cleared["icon"], cleared["cover"]) == (None, None)
    assert notion.pages.retrieve(page_id=page["id"])["icon"] is None


def test_icon_and_cover_on_create(notion: Client, root_page_id: str) -> None:
    icon = {"type": "external", "external": {"url": "https://example.com/i.svg"}}
    cover = {"type": "external", "external": {"url": "https://example.com/c.png"}}
    page = notion.pages.create(
        parent={"page_id": root_page_id},
        properties={"title": {"title": title("decorated")}},
        icon=icon,
        cover=cover,
    )
    read = notion.pages.retrieve(page_id=page["id"])
    assert (read["icon"], read["cover"]) == (icon, cover)
    # An emoji icon without its type, as Notion also accepts.
    emoji = notion.pages.update(page_id=page["id"], icon={"emoji": "🎯"})
    assert emoji["icon"] == {"type": "emoji", "emoji": "🎯"}


BAD_ICONS_AND_COVERS = [
    pytest.param({"icon": 12345}, "body.icon should be an object", id="icon-number"),
    pytest.param({"icon": {"type": "bogus"}}, "body.icon.type", id="icon-type"),
    pytest.param({"icon": {"type": "emoji"}}, "body.icon.emoji", id="icon-no-emoji"),
    pytest.param({"icon": {"type": "emoji", "emoji": ""}}, "body.icon.emoji", id="icon-empty"),
    pytest.param(
        {"icon": {"type": "external", "external": {"url": "no url"}}},
        "body.icon.external.url",
        id="icon-bad-url",
    ),
    pytest.param({"cover": "https://x.y/c.png"}, "body.cover should be", id="cover-string"),
    pytest.param({"cover": {"type": "bogus"}}, "body.cover.type", id="cover-type"),
    pytest.param({"cover": {"type": "emoji", "emoji": "🎯"}}, "body.cover.type", id="cover-emoji"),
    pytest.param({"cover": {"type": "external"}}, "body.cover.external", id="cover-no-external"),
    pytest.param(
        {"cover": {"type": "external", "external": {"url": "https://x.y/c", "size": 1}}},
        "body.cover.external.size",
        id="cover-extra-key",
    ),
]


@pytest.mark.parametrize(("fields", "message"), BAD_ICONS_AND_COVERS)
def test_bad_icon_or_cover_on_create_is_refused(
    notion: Client, crm: dict[str, str], fields: dict[str, object], message: str
) -> None:
    with pytest.raises(APIResponseError) as raised:
        notion.pages.create(
            parent={"data_source_id": crm["data_source_id"]},
            properties={"Name": {"title": title("bad")}},
            **fields,
        )
    assert raised.value.status == 400
    assert raised.value.code == "validation_error"
    assert message in str(raised.value)
    found = notion.data_sources.query(data_source_id=crm["data_source_id"])["results"]
    assert found == []


@pytest.mark.parametrize(("fields", "message"), BAD_ICONS_AND_COVERS)
def test_bad_icon_or_cover_on_update_is_refused(
    notion: Client, root_page_id: str, fields: dict[str, object], message: str
) -> None:
    icon = {"type": "emoji", "emoji": "📌"}
    page = notion.pages.create(
        parent={"page_id": root_page_id}, properties={"title": {"title": title("p")}}, icon=icon
    )
    with pytest.raises(APIResponseError) as raised:
        notion.pages.update(page_id=page["id"], **fields)
    assert raised.value.code == "validation_error"
    assert message in str(raised.value)
    read = notion.pages.retrieve(page_id=page["id"])
    assert (read["icon"], read["cover"]) == (icon, None)


@pytest.mark.parametrize(
    ("properties", "fragment"),
    [
        ({"Nope": {"number": 1}}, "Nope"),
        ({"Price": {"number": "abc"}}, "Price"),
        ({"Email": {"email": "x" * 201}}, "Email"),
        ({"Name": {"title": title("x" * 2001)}}, "2000"),
        ({"Done": {"checkbox": "yes"}}, "Done"),
    ],
)
def test_bad_values_are_validation_errors(
    notion: Client, crm: dict[str, str], properties: dict[str, object], fragment: str
) -> None:
    with pytest.raises(APIResponseError) as raised:
        notion.pages.create(parent={"data_source_id": crm["data_source_id"]}, properties=properties)
    assert raised.value.status == 400
    assert raised.value.code == "validation_error"
    assert fragment in str(raised.value)


def test_page_under_trashed_parent_is_refused(notion: Client, crm: dict[str, str]) -> None:
    notion.data_sources.update(data_source_id=crm["data_source_id"], in_trash=True)
    with pytest.raises(APIResponseError) as raised:
        notion.pages.create(
            parent={"data_source_id": crm["data_source_id"]},
            properties={"Name": {"title": title("x")}},
        )
    assert raised.value.code == "validation_error"
    assert "archived" in str(raised.value)


def test_property_item_is_paginated_for_long_titles(notion: Client, crm: dict[str, str]) -> None:
    pieces = [{"text": {"content": f"part{i} "}} for i in range(30)]
    page = notion.pages.create(
        parent={"data_source_id": crm["data_source_id"]},
        properties={"Name": {"title": pieces}, "Price": {"number": 5}},
    )
    first = notion.pages.properties.retrieve(page_id=page["id"], property_id="title", page_size=25)
    assert first["object"] == "list"
    assert len(first["results"]) == 25
    assert first["has_more"] is True
    rest = notion.pages.properties.retrieve(
        page_id=page["id"], property_id="title", start_cursor=first["next_cursor"]
    )
    assert len(rest["results"]) == 5
    assert rest["has_more"] is False
    price_id = page["properties"]["Price"]["id"]
    price = notion.pages.properties.retrieve(page_id=page["id"], property_id=price_id)
    assert price == {"object": "property_item", "id": price_id, "type": "number", "number": 5}


def test_unique_id_and_timestamps(notion: Client, root_page_id: str) -> None:
    db = notion.databases.create(
        parent={"page_id": root_page_id},
        title=title("Tasks"),
        initial_data_source={
            "properties": {
                "Task": {"title": {}},
                "ID": {"unique_id": {"prefix": "TASK"}},
                "Created": {"created_time": {}},
                "Edited": {"last_edited_time": {}},
            }
        },
    )
    ds = db["data_sources"][0]["id"]
    first = notion.pages.create(
        parent={"data_source_id": ds}, properties={"Task": {"title": title("a")}}
    )
    second = notion.pages.create(
        parent={"data_source_id": ds}, properties={"Task": {"title": title("b")}}
    )
    assert first["properties"]["ID"]["unique_id"] == {"prefix": "TASK", "number": 1}
    assert second["properties"]["ID"]["unique_id"] == {"prefix": "TASK", "number": 2}
    assert first["properties"]["Created"]["created_time"] == first["created_time"]
    assert first["properties"]["Edited"]["last_edited_time"] == first["last_edited_time"]
