"""Blocks through notion-client: append (nested), list with pagination, update, delete."""

from __future__ import annotations

from typing import Any

import pytest
from notion_client import APIResponseError, Client

from tests.localnotion.conftest import title


@pytest.fixture
def page_id(notion: Client, root_page_id: str) -> str:
    page = notion.pages.create(
        parent={"page_id": root_page_id}, properties={"title": {"title": title("Doc")}}
    )
    return str(page["id"])


def paragraph(text: str) -> dict[str, Any]:
    return {"object": "block", "type": "paragraph", "paragraph": {"rich_text": title(text)}}


def test_append_nested_children_and_list(notion: Client, page_id: str) -> None:
    appended = notion.blocks.children.append(
        block_id=page_id,
        children=[
            {"heading_2": {"rich_text": title("Agenda")}},
            {"bulleted_list_item": {"rich_text": title("one"), "children": [paragraph("detail")]}},
            {"to_do": {"rich_text": title("call"), "checked": False}},
        ],
    )
    assert [b["type"] for b in appended["results"]] == ["heading_2", "bulleted_list_item", "to_do"]
    listed = notion.blocks.children.list(block_id=page_id)["results"]
    assert [b["id"] for b in listed] == [b["id"] for b in appended["results"]]
    assert listed[1]["has_children"] is True
    nested = notion.blocks.children.list(block_id=listed[1]["id"])["results"]
    assert nested[0]["paragraph"]["rich_text"][0]["plain_text"] == "detail"
    assert nested[0]["parent"] == {"type": "block_id", "block_id": listed[1]["id"]}


def test_children_pagination(notion: Client, page_id: str) -> None:
    notion.blocks.children.append(
        block_id=page_id, children=[paragraph(str(i)) for i in range(100)]
    )
    notion.blocks.children.append(
        block_id=page_id, children=[paragraph(str(i)) for i in range(100, 130)]
    )
    seen: list[str] = []
    cursor = None
    while True:
        kwargs: dict[str, Any] = {"block_id": page_id, "page_size": 50}
        if cursor:
            kwargs["start_cursor"] = cursor
        answer = notion.blocks.children.list(**kwargs)
        seen += [b["paragraph"]["rich_text"][0]["plain_text"] for b in answer["results"]]
        if not answer["has_more"]:
            break
        cursor = answer["next_cursor"]
    assert seen == [str(i) for i in range(130)]


def test_append_after_a_block(notion: Client, page_id: str) -> None:
    first = notion.blocks.children.append(
        block_id=page_id, children=[paragraph("a"), paragraph("c")]
    )["results"]
    notion.blocks.children.append(block_id=page_id, children=[paragraph("b")], after=first[0]["id"])
    texts = [
        b["paragraph"]["rich_text"][0]["plain_text"]
        for b in notion.blocks.children.list(block_id=page_id)["results"]
    ]
    assert texts == ["a", "b", "c"]


def test_more_than_100_children_is_refused(notion: Client, page_id: str) -> None:
    with pytest.raises(APIResponseError) as raised:
        notion.blocks.children.append(block_id=page_id, children=[paragraph("x")] * 101)
    assert raised.value.code == "validation_error"
    assert "100" in str(raised.value)


def test_update_and_delete_block(notion: Client, page_id: str) -> None:
    block = notion.blocks.children.append(
        block_id=page_id, children=[{"to_do": {"rich_text": title("x")}}]
    )["results"][0]
    updated = notion.blocks.update(block_id=block["id"], to_do={"checked": True})
    assert updated["to_do"]["checked"] is True
    assert updated["to_do"]["rich_text"][0]["plain_text"] == "x"
    assert notion.blocks.retrieve(block_id=block["id"])["to_do"]["checked"] is True
    deleted = notion.blocks.delete(block_id=block["id"])
    assert deleted["in_trash"] is True
    assert notion.blocks.children.list(block_id=page_id)["results"] == []


def test_changing_block_type_is_refused(notion: Client, page_id: str) -> None:
    block = notion.blocks.children.append(block_id=page_id, children=[paragraph("x")])["results"][0]
    with pytest.raises(APIResponseError) as raised:
        notion.blocks.update(block_id=block["id"], heading_1={"rich_text": title("y")})
    assert raised.value.code == "validation_error"


def test_table_with_rows(notion: Client, page_id: str) -> None:
    row = {"table_row": {"cells": [title("a"), title("b")]}}
    table = notion.blocks.children.append(
        block_id=page_id,
        children=[{"table": {"table_width": 2, "has_column_header": True, "children": [row, row]}}],
    )["results"][0]
    rows = notion.blocks.children.list(block_id=table["id"])["results"]
    assert [r["type"] for r in rows] == ["table_row", "table_row"]
