"""Databases and data sources through notion-client: create, retrieve, update, schema changes."""

from __future__ import annotations

import pytest
from notion_client import APIResponseError, Client

from tests.localnotion.conftest import title


def test_create_database_with_initial_data_source(notion: Client, root_page_id: str) -> None:
    db = notion.databases.create(
        parent={"type": "page_id", "page_id": root_page_id},
        title=title("Clients"),
        initial_data_source={
            "properties": {"Client Name": {"title": {}}, "Paid": {"number": {"format": "euro"}}}
        },
    )
    assert db["object"] == "database"
    assert db["title"][0]["plain_text"] == "Clients"
    assert db["parent"] == {"type": "page_id", "page_id": root_page_id}
    assert db["in_trash"] is False
    assert len(db["data_sources"]) == 1
    assert db["data_sources"][0]["name"] == "Clients"

    ds = notion.data_sources.retrieve(data_source_id=db["data_sources"][0]["id"])
    assert ds["object"] == "data_source"
    assert ds["parent"] == {"type": "database_id", "database_id": db["id"]}
    assert ds["properties"]["Client Name"]["type"] == "title"
    assert ds["properties"]["Client Name"]["id"] == "title"
    assert ds["properties"]["Paid"]["number"] == {"format": "euro"}
    assert notion.databases.retrieve(database_id=db["id"])["id"] == db["id"]


def test_database_without_title_property_is_refused(notion: Client, root_page_id: str) -> None:
    with pytest.raises(APIResponseError) as raised:
        notion.databases.create(
            parent={"type": "page_id", "page_id": root_page_id},
            title=title("Bad"),
            initial_data_source={"properties": {"Paid": {"number": {}}}},
        )
    assert raised.value.code == "validation_error"
    assert "title" in str(raised.value)


def test_update_database_title_and_trash(notion: Client, crm: dict[str, str]) -> None:
    db = notion.databases.update(database_id=crm["database_id"], title=title("Renamed CRM"))
    assert db["title"][0]["plain_text"] == "Renamed CRM"
    trashed = notion.databases.update(database_id=crm["database_id"], in_trash=True)
    assert trashed["in_trash"] is True


def test_add_rename_and_remove_properties(notion: Client, crm: dict[str, str]) -> None:
    ds_id = crm["data_source_id"]
    page = notion.pages.create(
        parent={"data_source_id": ds_id},
        properties={"Name": {"title": title("Ada")}, "Price": {"number": 12}},
    )
    ds = notion.data_sources.update(
        data_source_id=ds_id,
        properties={
            "Price": {"name": "Amount"},
            "Site": None,
            "Score": {"number": {"format": "percent"}},
        },
    )
    assert "Amount" in ds["properties"] and "Price" not in ds["properties"]
    assert "Site" not in ds["properties"]
    assert ds["properties"]["Score"]["type"] == "number"
    # Values follow the renamed property; the removed one is gone; the new one is empty.
    read = notion.pages.retrieve(page_id=page["id"])
    assert read["properties"]["Amount"]["number"] == 12
    assert "Site" not in read["properties"]
    assert read["properties"]["Score"]["number"] is None


def test_pages_follow_renamed_and_removed_options(notion: Client, root_page_id: str) -> None:
    db = notion.databases.create(
        parent={"page_id": root_page_id},
        title=title("Deals"),
        initial_data_source={
            "properties": {
                "Name": {"title": {}},
                "Stage": {"select": {"options": [{"name": "Lead"}, {"name": "Won"}]}},
                "Tags": {"multi_select": {"options": [{"name": "vip"}, {"name": "eu"}]}},
                "State": {"status": {}},
            }
        },
    )
    ds_id = db["data_sources"][0]["id"]
    made = {
        name: notion.pages.create(
            parent={"data_source_id": ds_id},
            properties={
                "Name": {"title": title(name)},
                "Stage": {"select": {"name": stage}},
                "Tags": {"multi_select": [{"name": tag} for tag in tags]},
                "State": {"status": {"name": "Done"}},
            },
        )
        for name, stage, tags in (("Ada", "Won", ["vip", "eu"]), ("Bob", "Lead", ["eu"]))
    }
    schema = notion.data_sources.retrieve(data_source_id=ds_id)["properties"]
    won = next(o for o in schema["Stage"]["select"]["options"] if o["name"] == "Won")
    vip = next(o for o in schema["Tags"]["multi_select"]["options"] if o["name"] == "vip")
    done = next(o for o in schema["State"]["status"]["options"] if o["name"] == "Done")
    notion.data_sources.update(
        data_source_id=ds_id,
        properties={  # Won renamed, Lead dropped; vip renamed, eu dropped; Done renamed
            "Stage": {"select": {"options": [{"id": won["id"], "name": "Closed"}]}},
            "Tags": {"multi_select": {"options": [{"id": vip["id"], "name": "VIP"}]}},
            "State": {"status": {"options": [{"id": done["id"], "name": "Shipped"}]}},
        },
    )

    def shown(name: str) -> tuple[object, list[str], object, str]:
        page = notion.pages.retrieve(page_id=made[name]["id"])
        props = page["properties"]
        stage = props["Stage"]["select"]
        return (
            stage and (stage["id"], stage["name"]),
            [tag["name"] for tag in props["Tags"]["multi_select"]],
            props["State"]["status"]["name"],
            page["last_edited_time"],
        )

    assert shown("Ada") == (
        (won["id"], "Closed"),
        ["VIP"],
        "Shipped",
        made["Ada"]["last_edited_time"],
    )
    assert shown("Bob") == (None, [], "Shipped", made["Bob"]["last_edited_time"])

    def names(condition: dict[str, object]) -> list[str]:
        found = notion.data_sources.query(data_source_id=ds_id, filter=condition)["results"]
        return sorted(p["properties"]["Name"]["title"][0]["plain_text"] for p in found)

    assert names({"property": "Stage", "select": {"equals": "Closed"}}) == ["Ada"]
    assert names({"property": "Stage", "select": {"equals": "Won"}}) == []
    assert names({"property": "Stage", "select": {"is_empty": True}}) == ["Bob"]
    assert names({"property": "Tags", "multi_select": {"contains": "VIP"}}) == ["Ada"]
    assert names({"property": "Tags", "multi_select": {"contains": "eu"}}) == []
    assert names({"property": "State", "status": {"equals": "Shipped"}}) == ["Ada", "Bob"]


def test_second_data_source_in_a_database(notion: Client, crm: dict[str, str]) -> None:
    ds = notion.data_sources.create(
        parent={"type": "database_id", "database_id": crm["database_id"]},
        title=title("Archive"),
        properties={"Title": {"title": {}}},
    )
    db = notion.databases.retrieve(database_id=crm["database_id"])
    assert [s["id"] for s in db["data_sources"]][-1] == ds["id"]
    assert len(db["data_sources"]) == 2


def test_two_way_relation_creates_synced_property(notion: Client, root_page_id: str) -> None:
    clients = notion.databases.create(
        parent={"page_id": root_page_id},
        title=title("Clients"),
        initial_data_source={"properties": {"Name": {"title": {}}}},
    )
    clients_ds = clients["data_sources"][0]["id"]
    sessions = notion.databases.create(
        parent={"page_id": root_page_id},
        title=title("Sessions"),
        initial_data_source={
            "properties": {
                "Session": {"title": {}},
                "Client": {
                    "relation": {
                        "data_source_id": clients_ds,
                        "dual_property": {"synced_property_name": "Sessions"},
                    }
                },
            }
        },
    )
    sessions_ds = sessions["data_sources"][0]["id"]
    relation = notion.data_sources.retrieve(data_source_id=sessions_ds)["properties"]["Client"][
        "relation"
    ]
    assert relation["data_source_id"] == clients_ds
    assert relation["type"] == "dual_property"
    assert relation["dual_property"]["synced_property_name"] == "Sessions"
    synced = notion.data_sources.retrieve(data_source_id=clients_ds)["properties"]["Sessions"]
    assert synced["type"] == "relation"
    assert synced["relation"]["data_source_id"] == sessions_ds

    ada = notion.pages.create(
        parent={"data_source_id": clients_ds}, properties={"Name": {"title": title("Ada")}}
    )
    first = notion.pages.create(
        parent={"data_source_id": sessions_ds},
        properties={
            "Session": {"title": title("Intro")},
            "Client": {"relation": [{"id": ada["id"]}]},
        },
    )
    back = notion.pages.retrieve(page_id=ada["id"])["properties"]["Sessions"]["relation"]
    assert back == [{"id": first["id"]}]
    notion.pages.update(page_id=first["id"], properties={"Client": {"relation": []}})
    assert notion.pages.retrieve(page_id=ada["id"])["properties"]["Sessions"]["relation"] == []


def test_relation_to_unknown_data_source_is_404(notion: Client, root_page_id: str) -> None:
    with pytest.raises(APIResponseError) as raised:
        notion.databases.create(
            parent={"page_id": root_page_id},
            title=title("X"),
            initial_data_source={
                "properties": {
                    "Name": {"title": {}},
                    "R": {
                        "relation": {
                            "data_source_id": "00000000-0000-4000-8000-000000000001",
                            "single_property": {},
                        }
                    },
                }
            },
        )
    assert raised.value.code == "object_not_found"


def test_rollup_and_formula_are_computed(notion: Client, root_page_id: str) -> None:
    items = notion.databases.create(
        parent={"page_id": root_page_id},
        title=title("Items"),
        initial_data_source={"properties": {"Name": {"title": {}}, "Amount": {"number": {}}}},
    )
    items_ds = items["data_sources"][0]["id"]
    orders = notion.databases.create(
        parent={"page_id": root_page_id},
        title=title("Orders"),
        initial_data_source={
            "properties": {
                "Order": {"title": {}},
                "Items": {"relation": {"data_source_id": items_ds, "single_property": {}}},
                "Qty": {"number": {}},
            }
        },
    )
    orders_ds = orders["data_sources"][0]["id"]
    notion.data_sources.update(
        data_source_id=orders_ds,
        properties={
            "Total": {
                "rollup": {
                    "relation_property_name": "Items",
                    "rollup_property_name": "Amount",
                    "function": "sum",
                }
            },
            "Count": {
                "rollup": {
                    "relation_property_name": "Items",
                    "rollup_property_name": "Amount",
                    "function": "count",
                }
            },
            "Double": {"formula": {"expression": 'prop("Qty") * 2'}},
        },
    )
    ids = [
        notion.pages.create(
            parent={"data_source_id": items_ds},
            properties={"Name": {"title": title(n)}, "Amount": {"number": a}},
        )["id"]
        for n, a in (("a", 10), ("b", 32.5))
    ]
    order = notion.pages.create(
        parent={"data_source_id": orders_ds},
        properties={
            "Order": {"title": title("O-1")},
            "Items": {"relation": [{"id": i} for i in ids]},
            "Qty": {"number": 4},
        },
    )
    props = notion.pages.retrieve(page_id=order["id"])["properties"]
    assert props["Total"]["rollup"]["type"] == "number"
    assert props["Total"]["rollup"]["number"] == 42.5
    assert props["Count"]["rollup"]["number"] == 2
    assert props["Double"]["formula"] == {"type": "number", "number": 8}


EMOJI = {"type": "emoji", "emoji": "📇"}
PICTURE = {"type": "external", "external": {"url": "https://example.com/picture.png"}}


def test_database_icon_and_cover(notion: Client, root_page_id: str) -> None:
    db = notion.databases.create(
        parent={"page_id": root_page_id}, title=title("Decorated"), icon=EMOJI, cover=PICTURE
    )
    assert (db["icon"], db["cover"]) == (EMOJI, PICTURE)
    # The first data source takes the database's icon.
    ds = notion.data_sources.retrieve(data_source_id=db["data_sources"][0]["id"])
    assert ds["icon"] == EMOJI
    swapped = notion.databases.update(database_id=db["id"], icon=PICTURE, cover=None)
    assert (swapped["icon"], swapped["cover"]) == (PICTURE, None)
    read = notion.databases.retrieve(database_id=db["id"])
    assert (read["icon"], read["cover"]) == (PICTURE, None)
    assert notion.databases.update(database_id=db["id"], icon=None)["icon"] is None


def test_data_source_icon(notion: Client, crm: dict[str, str]) -> None:
    ds = notion.data_sources.create(
        parent={"database_id": crm["database_id"]},
        title=title("Second"),
        properties={"Title": {"title": {}}},
        icon=PICTURE,
    )
    assert ds["icon"] == PICTURE
    assert notion.data_sources.update(data_source_id=ds["id"], icon=EMOJI)["icon"] == EMOJI
    assert notion.data_sources.update(data_source_id=ds["id"], icon=None)["icon"] is None
    assert notion.data_sources.retrieve(data_source_id=ds["id"])["icon"] is None


BAD_DECORATIONS = [
    pytest.param({"icon": 12345}, "body.icon should be an object", id="icon-number"),
    pytest.param({"icon": {"type": "bogus"}}, "body.icon.type", id="icon-type"),
    pytest.param(
        {"icon": {"type": "external", "external": {}}}, "body.icon.external.url", id="icon-no-url"
    ),
    pytest.param({"cover": {"type": "bogus"}}, "body.cover.type", id="cover-type"),
    pytest.param(
        {"cover": {"type": "external", "external": {"url": 7}}},
        "body.cover.external.url",
        id="cover-url-number",
    ),
]


@pytest.mark.parametrize(("fields", "message"), BAD_DECORATIONS)
def test_bad_database_icon_or_cover_is_refused(
    notion: Client, crm: dict[str, str], root_page_id: str, fields: dict[str, object], message: str
) -> None:
    for write in (
        lambda: notion.databases.create(parent={"page_id": root_page_id}, title=[], **fields),
        lambda: notion.databases.update(database_id=crm["database_id"], **fields),
    ):
        with pytest.raises(APIResponseError) as raised:
            write()
        assert raised.value.status == 400
        assert raised.value.code == "validation_error"
        assert message in str(raised.value)
    read = notion.databases.retrieve(database_id=crm["database_id"])
    assert (read["icon"], read["cover"]) == (None, None)


@pytest.mark.parametrize(
    ("icon", "message"),
    [
        pytest.param("📇", "body.icon should be an object", id="string"),
        pytest.param({"type": "emoji", "emoji": None}, "body.icon.emoji", id="emoji-null"),
        pytest.param(
            {"type": "file", "file": {"url": "https://x.y"}},
            "body.icon.file.url: a Notion-hosted `file` can only be one this server serves",
            id="file",
        ),
    ],
)
def test_bad_data_source_icon_is_refused(
    notion: Client, crm: dict[str, str], icon: object, message: str
) -> None:
    for write in (
        lambda: notion.data_sources.create(
            parent={"database_id": crm["database_id"]},
            properties={"Title": {"title": {}}},
            icon=icon,
        ),
        lambda: notion.data_sources.update(data_source_id=crm["data_source_id"], icon=icon),
    ):
        with pytest.raises(APIResponseError) as raised:
            write()
        assert raised.value.code == "validation_error"
        assert message in str(raised.value)
    db = notion.databases.retrieve(database_id=crm["database_id"])
    assert len(db["data_sources"]) == 1
    assert notion.data_sources.retrieve(data_source_id=crm["data_source_id"])["icon"] is None
