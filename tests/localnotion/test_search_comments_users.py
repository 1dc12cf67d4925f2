"""Search, comments and users through notion-client."""

from __future__ import annotations

import pytest
from notion_client import APIResponseError, Client

from tests.localnotion.conftest import title


def test_root_page_is_found_by_search(notion: Client) -> None:
    found = notion.search(query="notionhub", filter={"property": "object", "value": "page"})
    assert found["results"][0]["properties"]["title"]["title"][0]["plain_text"] == "notionhub"
    assert found["results"][0]["parent"] == {"type": "workspace", "workspace": True}


def test_search_filters_by_object_and_sorts(notion: Client, crm: dict[str, str]) -> None:
    sources = notion.search(query="CRM", filter={"property": "object", "value": "data_source"})[
        "results"
    ]
    assert crm["data_source_id"] in [s["id"] for s in sources]
    assert all(s["object"] == "data_source" for s in sources)
    a = notion.pages.create(
        parent={"data_source_id": crm["data_source_id"]},
        properties={"Name": {"title": title("zz-search-a")}},
    )
    b = notion.pages.create(
        parent={"data_source_id": crm["data_source_id"]},
        properties={"Name": {"title": title("zz-search-b")}},
    )
    newest_first = notion.search(
        query="zz-search", sort={"timestamp": "last_edited_time", "direction": "descending"}
    )
    assert [p["id"] for p in newest_first["results"]][:2] == [b["id"], a["id"]]
    oldest_first = notion.search(
        query="ZZ-SEARCH", sort={"timestamp": "last_edited_time", "direction": "ascending"}
    )
    assert [p["id"] for p in oldest_first["results"]][-2:] == [a["id"], b["id"]]


def test_search_filter_value_is_validated(notion: Client) -> None:
    with pytest.raises(APIResponseError) as raised:
        notion.search(filter={"property": "object", "value": "database"})
    assert raised.value.code == "validation_error"


def test_comments_create_reply_and_list(notion: Client, root_page_id: str) -> None:
    page = notion.pages.create(
        parent={"page_id": root_page_id}, properties={"title": {"title": title("c")}}
    )
    first = notion.comments.create(parent={"page_id": page["id"]}, rich_text=title("Looks good"))
    assert first["object"] == "comment"
    assert first["parent"] == {"type": "page_id", "page_id": page["id"]}
    reply = notion.comments.create(discussion_id=first["discussion_id"], rich_text=title("Thanks"))
    assert reply["discussion_id"] == first["discussion_id"]
    listed = notion.comments.list(block_id=page["id"])
    assert [c["rich_text"][0]["plain_text"] for c in listed["results"]] == ["Looks good", "Thanks"]


def test_users(notion: Client) -> None:
    me = notion.users.me()
    assert me["type"] == "bot"
    everyone = notion.users.list()["results"]
    assert me["id"] in [u["id"] for u in everyone]
    person = next(u for u in everyone if u["type"] == "person")
    assert notion.users.retrieve(user_id=person["id"])["person"]["email"] == "owner@localhost"
    with pytest.raises(APIResponseError) as raised:
        notion.users.retrieve(user_id="00000000-0000-4000-8000-00000000000f")
    assert raised.value.code == "object_not_found"
