"""Query answers from kept page JSON (``storage.encoded_pages``): the same JSON as rendering afresh.

A page's JSON is reused only while its stored row and its data source are unchanged, so every
write shows at once, even one in the same millisecond (the clock here never moves).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from notionhub.localnotion import databases
from notionhub.localnotion.app import FastJSONResponse
from notionhub.localnotion.index.conditions import _search_pieces
from notionhub.localnotion.pages import writes as pages
from notionhub.localnotion.query import engine as query
from notionhub.localnotion.storage.encoded_pages import EncodedPages
from notionhub.localnotion.storage.store import Storage, StoredObject
from notionhub.localnotion.workspace import Workspace

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
SCHEMA: dict[str, Any] = {
    "Name": {"title": {}},
    "Amount": {"number": {}},
    "Stage": {"select": {"options": [{"name": "Lead"}, {"name": "Won"}]}},
    "Done": {"checkbox": {}},
}
BODIES: list[dict[str, Any]] = [
    {},
    {"sorts": [{"property": "Amount", "direction": "descending"}], "page_size": 7},
    {"filter": {"property": "Done", "checkbox": {"equals": True}}},
    {
        "filter": {"property": "Name", "title": {"contains": "order 1"}},
        "sorts": [{"timestamp": "created_time", "direction": "ascending"}],
    },
    {"filter": {"property": "Stage", "select": {"equals": "Won"}}, "in_trash": True},
]


def _text(content: str) -> list[dict[str, Any]]:
    return [{"text": {"content": content}}]


def _database(ws: Workspace, name: str, properties: dict[str, Any]) -> str:
    db = databases.create_database(
        ws,
        {
            "parent": {"page_id": ws.root_page_id},
            "title": _text(name),
            "initial_data_source": {"properties": properties},
        },
    )
    return str(db.body["data_source_ids"][0])


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    ws = Workspace(Storage(tmp_path / "notion.sqlite3"), clock=lambda: NOW)
    yield ws
    ws.storage.close()


@pytest.fixture
def orders(workspace: Workspace) -> tuple[str, list[str]]:
    """A data source of 30 pages (three of them in the trash): its id and the pages' ids."""
    ds_id = _database(workspace, "Orders", SCHEMA)
    ids = []
    for index in range(30):
        page = pages.create_page(
            workspace,
            {
                "parent": {"data_source_id": ds_id},
                "properties": {
                    "Name": {"title": _text(f"order {index}")},
                    "Amount": {"number": index % 7},
                    "Stage": {"select": {"name": "Won" if index % 3 else "Lead"}},
                    "Done": {"checkbox": index % 2 == 0},
                },
            },
        )
        ids.append(page.id)
    for page_id in ids[::10]:
        pages.update_page(workspace, page_id, {"in_trash": True})
    return ds_id, ids


def _encoded_answer(ws: Workspace, ds_id: str, body: dict[str, Any]) -> Any:
    results, cursor = query.query_data_source_encoded(ws, ds_id, body, [])
    return orjson.loads(orjson.dumps(results)), cursor


def _rendered_answer(ws: Workspace, ds_id: str, body: dict[str, Any]) -> Any:
    return query.query_data_source(ws, ds_id, body, [])


def _assert_answers_agree(ws: Workspace, ds_id: str) -> None:
    for body in BODIES:
        assert _encoded_answer(ws, ds_id, body) == _rendered_answer(ws, ds_id, body), body


def test_encoded_answers_are_the_rendered_ones_across_writes(
    workspace: Workspace, orders: tuple[str, list[str]]
) -> None:
    ds_id, ids = orders
    _assert_answers_agree(workspace, ds_id)
    assert len(workspace.encoded_pages) > 0
    _assert_answers_agree(workspace, ds_id)  # now answered from kept JSON
    # Writes in the very millisecond the pages were kept in: a value, the trash, the schema.
    pages.update_page(workspace, ids[1], {"properties": {"Amount": {"number": 6}}})
    pages.update_page(workspace, ids[2], {"in_trash": True})
    pages.update_page(workspace, ids[10], {"in_trash": False})
    _assert_answers_agree(workspace, ds_id)
    databases.update_data_source(workspace, ds_id, {"properties": {"Amount": {"name": "Total"}}})
    answer, _ = _encoded_answer(workspace, ds_id, {})
    assert all("Total" in page["properties"] for page in answer)
    assert all("Amount" not in page["properties"] for page in answer)
    databases.update_data_source(workspace, ds_id, {"properties": {"Total": {"name": "Amount"}}})
    _assert_answers_agree(workspace, ds_id)


def test_pages_with_rollups_are_rendered_afresh(workspace: Workspace) -> None:
    """A rollup reads other pages: a change there changes the page, whose row stays the same."""
    items_ds = _database(workspace, "Items", {"Name": {"title": {}}, "Amount": {"number": {}}})
    relation = {"relation": {"data_source_id": items_ds, "single_property": {}}}
    orders_ds = _database(workspace, "Orders", {"Order": {"title": {}}, "Items": relation})
    rollup = {
        "relation_property_name": "Items",
        "rollup_property_name": "Amount",
        "function": "sum",
    }
    databases.update_data_source(
        workspace, orders_ds, {"properties": {"Total": {"rollup": rollup}}}
    )
    item = pages.create_page(
        workspace,
        {"parent": {"data_source_id": items_ds}, "properties": {"Amount": {"number": 10}}},
    )
    pages.create_page(
        workspace,
        {
            "parent": {"data_source_id": orders_ds},
            "properties": {"Items": {"relation": [{"id": item.id}]}},
        },
    )

    def total() -> Any:
        answer, _ = _encoded_answer(workspace, orders_ds, {})
        return answer[0]["properties"]["Total"]["rollup"]["number"]

    assert total() == 10
    pages.update_page(workspace, item.id, {"properties": {"Amount": {"number": 32}}})
    assert total() == 32


def test_a_page_orjson_cannot_encode_makes_every_page_an_object(
    workspace: Workspace, orders: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Then the standard encoder answers (``FastJSONResponse``): it knows no kept JSON."""
    ds_id, _ = orders
    kept_first, _ = query.query_data_source_encoded(workspace, ds_id, {"page_size": 3}, [])
    assert all(isinstance(page, orjson.Fragment) for page in kept_first)
    render_page = query.render_page

    def too_big(*args: Any, **kwargs: Any) -> dict[str, Any]:
        return {**render_page(*args, **kwargs), "huge": 2**70}

    monkeypatch.setattr(query, "render_page", too_big)
    results, cursor = query.query_data_source_encoded(workspace, ds_id, {"page_size": 5}, [])
    assert all(isinstance(page, dict) for page in results)
    assert [page.get("huge") for page in results] == [None] * 3 + [2**70] * 2
    response = FastJSONResponse({"results": results, "next_cursor": cursor})
    assert json.loads(response.body)["results"] == results


def _stored(page_id: str, body: bytes = b"{}", edited: str = "t1") -> tuple[Any, ...]:
    return (page_id, "page", "ds", "ds", 0, "t0", edited, body)


def _data_source() -> StoredObject:
    return StoredObject("ds", "data_source", None, None, False, "t0", "t0", {"properties": {}})


def test_kept_json_is_reused_only_for_the_same_row_and_data_source() -> None:
    kept = EncodedPages()
    ds = _data_source()
    kept.keep(_stored("a"), ds, b'{"id":"a"}')
    assert kept.get(_stored("a"), ds) == b'{"id":"a"}'
    assert kept.get(_stored("a", body=b'{"x":1}'), ds) is None
    assert kept.get(_stored("a", edited="t2"), ds) is None
    assert kept.get(_stored("a"), _data_source()) is None  # another schema object
    assert kept.get(_stored("b"), ds) is None


def test_kept_json_stays_within_its_budget_least_recently_used_first() -> None:
    ds = _data_source()
    one = len(b"{}") + len(b"x" * 100) + 1024
    kept = EncodedPages(budget=3 * one)
    for page_id in "abc":
        kept.keep(_stored(page_id), ds, b"x" * 100)
    assert kept.get(_stored("a"), ds) is not None  # "a" is now the most recently used
    kept.keep(_stored("d"), ds, b"x" * 100)
    assert [kept.get(_stored(p), ds) is not None for p in "abcd"] == [True, False, True, True]
    assert len(kept) == 3
    assert kept.size == 3 * one
    kept.keep(_stored("huge"), ds, b"x" * (4 * one))  # over the whole budget: not kept
    assert kept.get(_stored("huge"), ds) is None
    assert len(kept) == 3


@pytest.mark.parametrize("text", ["ab", "abc", "abcd", "harbor florist", "x" * 40 + "yz"])
def test_search_pieces_are_few_pieces_of_the_text_from_its_start_to_its_end(text: str) -> None:
    pieces = _search_pieces(text)
    if len(text) < 3:
        assert pieces == ()
        return
    assert 1 <= len(pieces) <= 4
    assert all(len(piece) == 3 and piece in text for piece in pieces)
    assert pieces[0] == text[:3]
    assert text[-3:] in pieces
