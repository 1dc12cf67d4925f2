"""Through notion-client over HTTP: property types read back, pagination, unknown ids, trash."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from notion_client import APIResponseError, Client

from tests.conftest import RunningServer
from tests.localnotion.conftest import title

UNKNOWN = "00000000-0000-4000-8000-00000000abcd"
HEADERS = {"Authorization": "Bearer local-notion-token", "Notion-Version": "2025-09-03"}


def refused(call: Callable[[], object]) -> APIResponseError:
    with pytest.raises(APIResponseError) as raised:
        call()
    return raised.value


# -- property values written and read back -------------------------------------------------


@pytest.fixture
def kinds_ds(notion: Client, root_page_id: str) -> str:
    """A data source with status, people, files and date properties: its id."""
    db = notion.databases.create(
        parent={"page_id": root_page_id},
        title=title("Kinds"),
        initial_data_source={
            "properties": {
                "Name": {"title": {}},
                "State": {"status": {}},
                "Owner": {"people": {}},
                "Attachments": {"files": {}},
                "When": {"date": {}},
            }
        },
    )
    return str(db["data_sources"][0]["id"])


def test_status_has_notions_default_options_and_groups(notion: Client, kinds_ds: str) -> None:
    status = notion.data_sources.retrieve(data_source_id=kinds_ds)["properties"]["State"]["status"]
    options = {o["name"]: o for o in status["options"]}
    assert [(o["name"], o["color"]) for o in status["options"]] == [
        ("Not started", "default"),
        ("In progress", "blue"),
        ("Done", "green"),
    ]
    groups = [(g["name"], g["color"], g["option_ids"]) for g in status["groups"]]
    assert groups == [
        ("To-do", "gray", [options["Not started"]["id"]]),
        ("In progress", "blue", [options["In progress"]["id"]]),
        ("Complete", "green", [options["Done"]["id"]]),
    ]
    page = notion.pages.create(
        parent={"data_source_id": kinds_ds},
        properties={"State": {"status": {"name": "In progress"}}},
    )
    value = notion.pages.retrieve(page_id=page["id"])["properties"]["State"]["status"]
    assert value == {"id": options["In progress"]["id"], "name": "In progress", "color": "blue"}
    # Status values must name an existing option (docs/local-notion.md).
    error = refused(
        lambda: notion.pages.update(
            page_id=page["id"], properties={"State": {"status": {"name": "Blocked"}}}
        )
    )
    assert error.code == "validation_error"
    assert "State" in str(error)


def test_people_value_holds_the_bot_user(notion: Client, kinds_ds: str) -> None:
    me = notion.users.me()
    page = notion.pages.create(
        parent={"data_source_id": kinds_ds}, properties={"Owner": {"people": [{"id": me["id"]}]}}
    )
    people = notion.pages.retrieve(page_id=page["id"])["properties"]["Owner"]
    assert [(u["object"], u["id"], u["type"]) for u in people["people"]] == [
        ("user", me["id"], "bot")
    ]
    items = notion.pages.properties.retrieve(page_id=page["id"], property_id=people["id"])
    assert [item["people"]["id"] for item in items["results"]] == [me["id"]]
    error = refused(
        lambda: notion.pages.update(
            page_id=page["id"], properties={"Owner": {"people": [{"id": UNKNOWN}]}}
        )
    )
    assert error.code == "validation_error"
    assert "Owner" in str(error)


def test_files_keep_external_urls_and_names(notion: Client, kinds_ds: str) -> None:
    files = [
        {"name": "contract.pdf", "external": {"url": "https://example.com/c.pdf"}},
        {"type": "external", "name": "Logo", "external": {"url": "https://example.com/logo"}},
    ]
    page = notion.pages.create(
        parent={"data_source_id": kinds_ds}, properties={"Attachments": {"files": files}}
    )
    read = notion.pages.retrieve(page_id=page["id"])["properties"]["Attachments"]["files"]
    assert read == [
        {
            "name": "contract.pdf",
            "type": "external",
            "external": {"url": "https://example.com/c.pdf"},
        },
        {"name": "Logo", "type": "external", "external": {"url": "https://example.com/logo"}},
    ]
    # The value read back is accepted unchanged.
    again = notion.pages.update(page_id=page["id"], properties={"Attachments": {"files": read}})
    assert again["properties"]["Attachments"]["files"] == read


def test_date_with_end_and_time_zone(notion: Client, kinds_ds: str) -> None:
    page = notion.pages.create(
        parent={"data_source_id": kinds_ds},
        properties={
            "When": {
                "date": {
                    "start": "2026-03-01T10:00:00",
                    "end": "2026-03-01T11:30:00",
                    "time_zone": "America/New_York",
                }
            }
        },
    )
    when = notion.pages.retrieve(page_id=page["id"])["properties"]["When"]["date"]
    # The zone's offset on that day; time_zone comes back null, as Notion's docs say.
    assert when == {
        "start": "2026-03-01T10:00:00.000-05:00",
        "end": "2026-03-01T11:30:00.000-05:00",
        "time_zone": None,
    }
    days = notion.pages.update(
        page_id=page["id"],
        properties={"When": {"date": {"start": "2026-03-01", "end": "2026-03-05"}}},
    )
    assert days["properties"]["When"]["date"] == {
        "start": "2026-03-01",
        "end": "2026-03-05",
        "time_zone": None,
    }
    error = refused(
        lambda: notion.pages.update(
            page_id=page["id"],
            properties={"When": {"date": {"start": "2026-03-05", "end": "2026-03-01"}}},
        )
    )
    assert error.code == "validation_error"
    assert "When" in str(error)


def test_new_select_option_is_added_to_the_schema(notion: Client, crm: dict[str, str]) -> None:
    page = notion.pages.create(
        parent={"data_source_id": crm["data_source_id"]},
        properties={"Stage": {"select": {"name": "Negotiation"}}},
    )
    value = notion.pages.retrieve(page_id=page["id"])["properties"]["Stage"]["select"]
    schema = notion.data_sources.retrieve(data_source_id=crm["data_source_id"])["properties"]
    options = schema["Stage"]["select"]["options"]
    assert [o["name"] for o in options] == ["Lead", "Won", "Negotiation"]
    assert options[-1]["id"] == value["id"]
    assert options[-1]["color"] == value["color"]
    notion.pages.update(page_id=page["id"], properties={"Stage": {"select": {"name": "Lost"}}})
    schema = notion.data_sources.retrieve(data_source_id=crm["data_source_id"])["properties"]
    assert [o["name"] for o in schema["Stage"]["select"]["options"]][-1] == "Lost"


def test_rollups_average_min_and_max(notion: Client, root_page_id: str) -> None:
    items = notion.databases.create(
        parent={"page_id": root_page_id},
        title=title("Line items"),
        initial_data_source={"properties": {"Name": {"title": {}}, "Amount": {"number": {}}}},
    )
    items_ds = items["data_sources"][0]["id"]
    orders = notion.databases.create(
        parent={"page_id": root_page_id},
        title=title("Invoices"),
        initial_data_source={
            "properties": {
                "Invoice": {"title": {}},
                "Items": {"relation": {"data_source_id": items_ds, "single_property": {}}},
            }
        },
    )
    orders_ds = orders["data_sources"][0]["id"]
    notion.data_sources.update(
        data_source_id=orders_ds,
        properties={
            name: {
                "rollup": {
                    "relation_property_name": "Items",
                    "rollup_property_name": "Amount",
                    "function": function,
                }
            }
            for name, function in (("Avg", "average"), ("Least", "min"), ("Most", "max"))
        },
    )
    ids = [
        notion.pages.create(
            parent={"data_source_id": items_ds}, properties={"Amount": {"number": amount}}
        )["id"]
        for amount in (10, 32.5, 3)
    ]
    order = notion.pages.create(
        parent={"data_source_id": orders_ds},
        properties={"Items": {"relation": [{"id": i} for i in ids]}},
    )
    empty = notion.pages.create(parent={"data_source_id": orders_ds}, properties={})
    props = notion.pages.retrieve(page_id=order["id"])["properties"]
    assert props["Avg"]["rollup"]["type"] == "number"
    assert props["Avg"]["rollup"]["number"] == pytest.approx(45.5 / 3)
    assert props["Least"]["rollup"]["number"] == 3
    assert props["Most"]["rollup"]["number"] == 32.5
    # Average, min and max of nothing are null (docs/local-notion.md).
    nothing = notion.pages.retrieve(page_id=empty["id"])["properties"]
    assert [nothing[name]["rollup"]["number"] for name in ("Avg", "Least", "Most")] == [None] * 3


# -- pagination ----------------------------------------------------------------------------


def walk(list_page: Callable[..., Any], page_size: int) -> tuple[list[Any], list[int]]:
    """Every result of a listing read ``page_size`` at a time, and the size of each page."""
    results: list[Any] = []
    sizes: list[int] = []
    cursor: str | None = None
    while True:
        kwargs: dict[str, Any] = {"page_size": page_size}
        if cursor is not None:
            kwargs["start_cursor"] = cursor
        answer = list_page(**kwargs)
        assert answer["object"] == "list"
        results += answer["results"]
        sizes.append(len(answer["results"]))
        assert answer["has_more"] is (answer["next_cursor"] is not None)
        if not answer["has_more"]:
            return results, sizes
        cursor = answer["next_cursor"]


def test_users_list_pages(notion: Client) -> None:
    everyone = notion.users.list()
    assert everyone["has_more"] is False
    assert everyone["next_cursor"] is None
    first = notion.users.list(page_size=1)
    assert len(first["results"]) == 1
    assert first["has_more"] is True
    users, sizes = walk(notion.users.list, 1)
    assert sizes == [1] * len(everyone["results"])
    assert [u["id"] for u in users] == [u["id"] for u in everyone["results"]]


def test_comments_list_pages(notion: Client, root_page_id: str) -> None:
    page = notion.pages.create(
        parent={"page_id": root_page_id}, properties={"title": {"title": title("Talk")}}
    )
    for i in range(5):
        notion.comments.create(parent={"page_id": page["id"]}, rich_text=title(f"c{i}"))
    comments, sizes = walk(lambda **kw: notion.comments.list(block_id=page["id"], **kw), 2)
    assert sizes == [2, 2, 1]
    assert [c["rich_text"][0]["plain_text"] for c in comments] == [f"c{i}" for i in range(5)]


def test_search_pages(notion: Client, crm: dict[str, str]) -> None:
    marker = f"zz-paging-{uuid.uuid4().hex[:8]}"
    created = [
        notion.pages.create(
            parent={"data_source_id": crm["data_source_id"]},
            properties={"Name": {"title": title(f"{marker} {i}")}},
        )["id"]
        for i in range(5)
    ]
    found, sizes = walk(lambda **kw: notion.search(query=marker, **kw), 2)
    assert sizes == [2, 2, 1]
    assert sorted(p["id"] for p in found) == sorted(created)


LISTINGS: dict[str, Callable[[Client, str, str], Callable[..., Any]]] = {
    "users.list": lambda notion, page, ds: notion.users.list,
    "blocks.children.list": lambda notion, page, ds: (
        lambda **kw: notion.blocks.children.list(block_id=page, **kw)
    ),
    "comments.list": lambda notion, page, ds: (
        lambda **kw: notion.comments.list(block_id=page, **kw)
    ),
    "search": lambda notion, page, ds: notion.search,
    "data_sources.query": lambda notion, page, ds: (
        lambda **kw: notion.data_sources.query(data_source_id=ds, **kw)
    ),
}


@pytest.mark.parametrize("listing", LISTINGS)
@pytest.mark.parametrize(
    ("arguments", "fragments"),
    [
        ({"start_cursor": "not-a-cursor"}, ["start_cursor", "not-a-cursor"]),
        ({"start_cursor": UNKNOWN}, ["start_cursor", UNKNOWN]),
        ({"page_size": 101}, ["page_size", "100", "101"]),
        ({"page_size": 0}, ["page_size", "0"]),
    ],
    ids=["malformed-cursor", "unknown-cursor", "page-size-101", "page-size-0"],
)
def test_bad_pagination_is_a_validation_error(
    notion: Client,
    root_page_id: str,
    crm: dict[str, str],
    listing: str,
    arguments: dict[str, Any],
    fragments: list[str],
) -> None:
    list_page = LISTINGS[listing](notion, root_page_id, crm["data_source_id"])
    error = refused(lambda: list_page(**arguments))
    assert error.status == 400
    assert error.code == "validation_error"
    for fragment in fragments:
        assert fragment in str(error)


def test_page_size_that_is_not_a_number_is_refused(notion_server: RunningServer) -> None:
    answer = httpx.get(
        f"{notion_server.base_url}/v1/users", params={"page_size": "ten"}, headers=HEADERS
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "validation_error"
    expected = 'query.page_size should be a number, instead was `"ten"`.'
    assert answer.json()["message"] == expected


# -- unknown ids ---------------------------------------------------------------------------

UNKNOWN_ID_CALLS: dict[str, tuple[Callable[[Client], object], str]] = {
    "databases.retrieve": (lambda n: n.databases.retrieve(database_id=UNKNOWN), "database"),
    "data_sources.retrieve": (
        lambda n: n.data_sources.retrieve(data_source_id=UNKNOWN),
        "data source",
    ),
    "data_sources.query": (lambda n: n.data_sources.query(data_source_id=UNKNOWN), "data source"),
    "blocks.retrieve": (lambda n: n.blocks.retrieve(block_id=UNKNOWN), "block"),
    "blocks.children.list": (lambda n: n.blocks.children.list(block_id=UNKNOWN), "block"),
    "comments.list": (lambda n: n.comments.list(block_id=UNKNOWN), "block"),
    "pages.properties.retrieve": (
        lambda n: n.pages.properties.retrieve(page_id=UNKNOWN, property_id="title"),
        "page",
    ),
}


@pytest.mark.parametrize("endpoint", UNKNOWN_ID_CALLS)
def test_unknown_id_is_404_object_not_found(notion: Client, endpoint: str) -> None:
    call, noun = UNKNOWN_ID_CALLS[endpoint]
    error = refused(lambda: call(notion))
    assert error.status == 404
    assert error.code == "object_not_found"
    body = json.loads(error.body)
    assert body["object"] == "error"
    assert body["status"] == 404
    assert body["code"] == "object_not_found"
    assert body["message"].startswith(f"Could not find {noun} with ID: {UNKNOWN}.")


def test_unknown_property_of_a_page_is_404(notion: Client, root_page_id: str) -> None:
    error = refused(
        lambda: notion.pages.properties.retrieve(page_id=root_page_id, property_id="nope")
    )
    assert error.status == 404
    assert error.code == "object_not_found"
    assert "nope" in str(error)


# -- writes under a page in the trash ------------------------------------------------------


@pytest.fixture
def trashed_page(notion: Client, root_page_id: str) -> str:
    page = notion.pages.create(
        parent={"page_id": root_page_id}, properties={"title": {"title": title("Old")}}
    )
    notion.pages.update(page_id=page["id"], in_trash=True)
    return str(page["id"])


WRITES_UNDER: dict[str, Callable[[Client, str], object]] = {
    "blocks.children.append": lambda n, page: n.blocks.children.append(
        block_id=page, children=[{"paragraph": {"rich_text": title("x")}}]
    ),
    "comments.create": lambda n, page: n.comments.create(
        parent={"page_id": page}, rich_text=title("x")
    ),
    "databases.create": lambda n, page: n.databases.create(
        parent={"page_id": page}, title=title("x")
    ),
    "pages.create": lambda n, page: n.pages.create(
        parent={"page_id": page}, properties={"title": {"title": title("x")}}
    ),
}


@pytest.mark.parametrize("endpoint", WRITES_UNDER)
def test_write_under_a_trashed_page_is_refused(
    notion: Client, trashed_page: str, endpoint: str
) -> None:
    error = refused(lambda: WRITES_UNDER[endpoint](notion, trashed_page))
    assert error.status == 400
    assert error.code == "validation_error"
    assert "archived" in str(error)
    assert trashed_page in str(error)
    # Nothing was written: once restored, the page is as it was.
    notion.pages.update(page_id=trashed_page, in_trash=False)
    assert notion.blocks.children.list(block_id=trashed_page)["results"] == []
    assert notion.comments.list(block_id=trashed_page)["results"] == []
