"""``POST /v1/pages/{id}/move`` through ``notion-client`` (``pages.move``)."""

from __future__ import annotations

import httpx
import pytest
from notion_client import APIResponseError, Client

from notionhub.localnotion.app import API_VERSION, DEFAULT_TOKEN
from tests.conftest import RunningServer
from tests.localnotion.conftest import title


def _page(notion: Client, parent_id: str, name: str) -> str:
    page = notion.pages.create(
        parent={"page_id": parent_id}, properties={"title": {"title": title(name)}}
    )
    return str(page["id"])


def _error(call: object) -> APIResponseError:
    assert isinstance(call, APIResponseError)
    return call


def test_a_page_moves_under_another_page_with_its_content(
    notion: Client, root_page_id: str
) -> None:
    source, target = _page(notion, root_page_id, "from"), _page(notion, root_page_id, "to")
    page = _page(notion, source, "moving")
    notion.blocks.children.append(
        block_id=page, children=[{"paragraph": {"rich_text": title("body")}}]
    )

    moved = notion.pages.move(page_id=page, parent={"type": "page_id", "page_id": target})

    assert moved["object"] == "page" and moved["id"] == page
    assert moved["parent"] == {"type": "page_id", "page_id": target}
    assert moved["properties"]["title"]["title"][0]["plain_text"] == "moving"
    assert [b["id"] for b in notion.blocks.children.list(block_id=target)["results"]] == [page]
    assert notion.blocks.children.list(block_id=source)["results"] == []
    body = notion.blocks.children.list(block_id=page)["results"]
    assert body[0]["paragraph"]["rich_text"][0]["plain_text"] == "body"


def test_a_page_moves_into_a_data_source_and_between_data_sources(
    notion: Client, root_page_id: str, crm: dict[str, str]
) -> None:
    page = _page(notion, root_page_id, "Acme")
    into = notion.pages.move(
        page_id=page, parent={"type": "data_source_id", "data_source_id": crm["data_source_id"]}
    )
    assert into["parent"] == {
        "type": "data_source_id",
        "data_source_id": crm["data_source_id"],
        "database_id": crm["database_id"],
    }
    assert into["properties"]["Name"]["title"][0]["plain_text"] == "Acme"
    notion.pages.update(
        page_id=page, properties={"Price": {"number": 5}, "Done": {"checkbox": True}}
    )
    found = notion.data_sources.query(
        data_source_id=crm["data_source_id"], filter={"property": "Price", "number": {"equals": 5}}
    )
    assert [p["id"] for p in found["results"]] == [page]

    other = notion.databases.create(
        parent={"type": "page_id", "page_id": root_page_id},
        title=title("Other"),
        initial_data_source={"properties": {"Title": {"title": {}}, "Price": {"number": {}}}},
    )
    moved = notion.pages.move(
        page_id=page, parent={"type": "database_id", "database_id": other["id"]}
    )
    assert moved["properties"]["Title"]["title"][0]["plain_text"] == "Acme"
    assert moved["properties"]["Price"]["number"] == 5  # same name, same type: kept
    left = notion.data_sources.query(
        data_source_id=crm["data_source_id"], filter={"property": "Price", "number": {"equals": 5}}
    )
    assert left["results"] == []

    stay = notion.pages.move(page_id=page, parent={"database_id": other["id"]})
    assert stay["last_edited_time"] == moved["last_edited_time"]  # already there: no change

    back = notion.pages.move(page_id=page, parent={"page_id": root_page_id})
    assert back["parent"] == {"type": "page_id", "page_id": root_page_id}
    assert list(back["properties"]) == ["title"]


@pytest.mark.parametrize(
    ("parent", "code", "message"),
    [
        ({"type": "workspace", "workspace": True}, "validation_error", "top level"),
        ({"type": "block_id", "block_id": "0" * 32}, "validation_error", "page_id"),
        ("nope", "validation_error", "body.parent should be an object"),
        ({"page_id": "not-an-id"}, "validation_error", "body.parent.page_id"),
        ({"page_id": "7" * 32}, "object_not_found", "Could not find page"),
    ],
)
def test_bad_parents_are_refused_like_notion(
    notion: Client, root_page_id: str, parent: object, code: str, message: str
) -> None:
    page = _page(notion, root_page_id, "stays")
    with pytest.raises(APIResponseError) as raised:
        notion.pages.move(page_id=page, parent=parent)
    assert raised.value.code == code
    assert message in str(raised.value)
    assert raised.value.status == (404 if code == "object_not_found" else 400)


def test_a_page_cannot_go_under_itself_its_descendants_or_the_trash(
    notion: Client, root_page_id: str
) -> None:
    page = _page(notion, root_page_id, "parent")
    child = _page(notion, page, "child")
    for target in (page, child):
        with pytest.raises(APIResponseError) as raised:
            notion.pages.move(page_id=page, parent={"page_id": target})
        assert raised.value.code == "validation_error"
        assert "under itself or one of its descendants" in str(raised.value)
    trashed = _page(notion, root_page_id, "trashed")
    notion.pages.update(page_id=trashed, in_trash=True)
    with pytest.raises(APIResponseError) as raised:
        notion.pages.move(page_id=page, parent={"page_id": trashed})
    assert "archived" in str(raised.value)
    with pytest.raises(APIResponseError) as raised:
        notion.pages.move(page_id=trashed, parent={"page_id": page})
    assert "archived" in str(raised.value)


def test_move_needs_a_parent_and_a_page(notion_server: RunningServer, notion: Client) -> None:
    headers = {"Authorization": f"Bearer {DEFAULT_TOKEN}", "Notion-Version": API_VERSION}
    root = notion.search(query="notionhub")["results"][0]["id"]
    answer = httpx.post(f"{notion_server.base_url}/v1/pages/{root}/move", json={}, headers=headers)
    assert answer.status_code == 400
    assert answer.json()["code"] == "validation_error"
    assert "body.parent" in answer.json()["message"]
    db = notion.databases.create(
        parent={"page_id": root},
        title=title("D"),
        initial_data_source={"properties": {"Name": {"title": {}}}},
    )
    answer = httpx.post(
        f"{notion_server.base_url}/v1/pages/{db['id']}/move",
        json={"parent": {"page_id": root}},
        headers=headers,
    )
    assert answer.status_code == 404 and answer.json()["code"] == "object_not_found"
