"""Views and view queries (``views.*``, ``views.queries.*``), and the lists this server answers
empty: templates, custom emojis, meeting notes; async tasks."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from notion_client import APIResponseError, Client

from notionhub.localnotion.app import API_VERSION, DEFAULT_TOKEN
from tests.conftest import RunningServer
from tests.localnotion.conftest import title

HEADERS = {"Authorization": f"Bearer {DEFAULT_TOKEN}", "Notion-Version": API_VERSION}


def _deals(notion: Client, crm: dict[str, str], count: int) -> list[str]:
    return [
        notion.pages.create(
            parent={"data_source_id": crm["data_source_id"]},
            properties={"Name": {"title": title(f"deal {n}")}, "Price": {"number": n}},
        )["id"]
        for n in range(count)
    ]


def test_a_view_is_made_read_changed_listed_and_deleted(
    notion: Client, crm: dict[str, str]
) -> None:
    view = notion.views.create(
        database_id=crm["database_id"],
        data_source_id=crm["data_source_id"],
        name="Big deals",
        type="table",
        filter={"property": "Price", "number": {"greater_than_or_equal_to": 2}},
        sorts=[{"property": "Price", "direction": "descending"}],
    )
    assert view["object"] == "view" and view["type"] == "table" and view["name"] == "Big deals"
    assert view["parent"] == {"type": "database_id", "database_id": crm["database_id"]}
    assert view["data_source_id"] == crm["data_source_id"]
    assert notion.views.retrieve(view_id=view["id"]) == view

    renamed = notion.views.update(view_id=view["id"], name="Deals ≥ 2", sorts=None)
    assert renamed["name"] == "Deals ≥ 2" and renamed["sorts"] is None
    assert renamed["filter"] == view["filter"]

    board = notion.views.create(
        database_id=crm["database_id"], data_source_id=crm["data_source_id"], name="B", type="board"
    )
    listed = notion.views.list(database_id=crm["database_id"])
    assert [v["id"] for v in listed["results"]] == [view["id"], board["id"]]
    by_source = notion.views.list(data_source_id=crm["data_source_id"], page_size=1)
    assert [v["id"] for v in by_source["results"]] == [view["id"]] and by_source["has_more"]

    assert notion.views.delete(view_id=board["id"])["id"] == board["id"]
    with pytest.raises(APIResponseError) as raised:
        notion.views.retrieve(view_id=board["id"])
    assert raised.value.status == 404 and raised.value.code == "object_not_found"


def test_a_view_query_keeps_its_answer_and_pages_through_it(
    notion: Client, crm: dict[str, str]
) -> None:
    deals = _deals(notion, crm, 5)
    view = notion.views.create(
        database_id=crm["database_id"],
        data_source_id=crm["data_source_id"],
        name="Sorted",
        type="list",
        filter={"property": "Price", "number": {"greater_than_or_equal_to": 1}},
        sorts=[{"property": "Price", "direction": "ascending"}],
    )
    made = notion.views.queries.create(view_id=view["id"], page_size=3)
    assert made["object"] == "view_query" and made["view_id"] == view["id"]
    assert made["total_count"] == 4 and made["expires_at"]
    assert [r["id"] for r in made["results"]] == deals[1:4] and made["has_more"]
    assert made["results"][0] == {"object": "page", "id": deals[1]}

    notion.pages.update(page_id=deals[4], in_trash=True)  # the kept answer does not change
    rest = notion.views.queries.results(
        view_id=view["id"], query_id=made["id"], start_cursor=made["next_cursor"]
    )
    assert rest["object"] == "list" and rest["type"] == "page"
    assert [r["id"] for r in rest["results"]] == [deals[4]] and not rest["has_more"]

    deleted = notion.views.queries.delete(view_id=view["id"], query_id=made["id"])
    assert deleted == {"object": "view_query", "id": made["id"], "deleted": True}
    again = notion.views.queries.delete(view_id=view["id"], query_id=made["id"])
    assert again["deleted"] is True  # idempotent
    with pytest.raises(APIResponseError) as raised:
        notion.views.queries.results(view_id=view["id"], query_id=made["id"])
    assert raised.value.status == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "x", "type": "table"}, "exactly one of `database_id`, `view_id` or"),
        ({"database_id": "D", "view_id": "V", "name": "x", "type": "table"}, "exactly one of"),
        ({"database_id": "D", "name": "x", "type": "grid"}, "body.type should be one of"),
        ({"database_id": "D", "type": "table"}, "body.name should be a string"),
        ({"create_database": {"parent": {}}, "name": "x", "type": "table"}, "create_database"),
        (
            {
                "database_id": "D",
                "data_source_id": "S",
                "name": "x",
                "type": "table",
                "filter": {"property": "Nope", "number": {"equals": 1}},
            },
            "Nope",
        ),
        (
            {"database_id": "D", "data_source_id": "S", "name": "x", "type": "table", "sorts": {}},
            "body.sorts should be an array",
        ),
        (
            {"database_id": "D", "data_source_id": "OTHER", "name": "x", "type": "table"},
            "is not a data source of database",
        ),
    ],
)
def test_create_errors(
    notion: Client, crm: dict[str, str], root_page_id: str, body: dict[str, Any], message: str
) -> None:
    other = notion.databases.create(
        parent={"page_id": root_page_id},
        title=title("Other"),
        initial_data_source={"properties": {"Name": {"title": {}}}},
    )
    ids = {
        "D": crm["database_id"],
        "S": crm["data_source_id"],
        "V": crm["database_id"],
        "OTHER": other["data_sources"][0]["id"],
    }
    filled = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    with pytest.raises(APIResponseError) as raised:
        notion.views.create(**filled)
    assert raised.value.status == 400 and raised.value.code == "validation_error"
    assert message in str(raised.value)


def test_view_errors_and_not_found(
    notion: Client, notion_server: RunningServer, crm: dict[str, str]
) -> None:
    missing = "8" * 32
    for call in (
        lambda: notion.views.retrieve(view_id=missing),
        lambda: notion.views.update(view_id=missing, name="x"),
        lambda: notion.views.queries.create(view_id=missing),
        lambda: notion.views.create(
            database_id=missing, data_source_id=missing, name="x", type="table"
        ),
    ):
        with pytest.raises(APIResponseError) as raised:
            call()
        assert raised.value.status == 404 and raised.value.code == "object_not_found"
    with pytest.raises(APIResponseError) as raised:
        notion.views.list()
    assert "exactly one of `database_id` or `data_source_id`" in str(raised.value)
    view = notion.views.create(
        database_id=crm["database_id"], data_source_id=crm["data_source_id"], name="v", type="table"
    )
    changed = httpx.patch(
        f"{notion_server.base_url}/v1/views/{view['id']}", json={"type": "board"}, headers=HEADERS
    )
    assert changed.status_code == 400 and "body.type cannot be changed" in changed.json()["message"]
    with pytest.raises(APIResponseError) as raised:
        notion.views.queries.create(view_id=view["id"], page_size=101)
    assert raised.value.code == "validation_error" and "page_size" in str(raised.value)


def test_lists_that_start_empty(
    notion: Client, notion_server: RunningServer, crm: dict[str, str]
) -> None:
    templates = notion.data_sources.list_templates(data_source_id=crm["data_source_id"])
    assert templates == {"templates": [], "has_more": False, "next_cursor": None}
    with pytest.raises(APIResponseError) as raised:
        notion.data_sources.list_templates(data_source_id="6" * 32)
    assert raised.value.status == 404
    emojis = notion.custom_emojis.list()
    assert (
        emojis["object"] == "list" and emojis["type"] == "custom_emoji" and emojis["results"] == []
    )
    notes = notion.blocks.meeting_notes.query()
    assert notes["results"] == [] and notes["type"] == "block"
    with pytest.raises(APIResponseError) as raised:
        notion.blocks.meeting_notes.query(limit=0)
    assert raised.value.code == "validation_error" and "body.limit" in str(raised.value)
    task = httpx.get(f"{notion_server.base_url}/v1/async_tasks/{'2' * 32}", headers=HEADERS)
    assert task.status_code == 404 and task.json()["code"] == "object_not_found"
    bad = httpx.get(f"{notion_server.base_url}/v1/async_tasks/nope", headers=HEADERS)
    assert bad.status_code == 400 and bad.json()["code"] == "validation_error"
