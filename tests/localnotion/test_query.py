"""Data source queries over HTTP: filters, sorts, pagination, and the index planner."""

from __future__ import annotations

from typing import Any

import pytest
from notion_client import APIResponseError, Client

from tests.localnotion.conftest import title

ROWS = [
    ("Ada", 120, "Won", ["vip"], "2026-01-10", True),
    ("Bob", 80, "Lead", [], "2026-02-01", False),
    ("Cy", 200, "Won", ["vip", "eu"], None, False),
    ("Di", None, None, ["eu"], "2026-03-05", True),
]


@pytest.fixture
def filled(notion: Client, crm: dict[str, str]) -> str:
    for name, price, stage, tags, due, done in ROWS:
        props: dict[str, Any] = {
            "Name": {"title": title(name)},
            "Price": {"number": price},
            "Tags": {"multi_select": [{"name": t} for t in tags]},
            "Done": {"checkbox": done},
        }
        if stage:
            props["Stage"] = {"select": {"name": stage}}
        if due:
            props["Due"] = {"date": {"start": due}}
        notion.pages.create(parent={"data_source_id": crm["data_source_id"]}, properties=props)
    return crm["data_source_id"]


def names(answer: dict[str, Any]) -> list[str]:
    return [p["properties"]["Name"]["title"][0]["plain_text"] for p in answer["results"]]


def test_compound_filter_and_sort(notion: Client, filled: str) -> None:
    answer = notion.data_sources.query(
        data_source_id=filled,
        filter={
            "and": [
                {"property": "Stage", "select": {"equals": "Won"}},
                {"property": "Price", "number": {"greater_than": 100}},
            ]
        },
        sorts=[{"property": "Price", "direction": "descending"}],
    )
    assert names(answer) == ["Cy", "Ada"]


@pytest.mark.parametrize(
    ("query_filter", "expected"),
    [
        ({"property": "Tags", "multi_select": {"contains": "eu"}}, {"Cy", "Di"}),
        ({"property": "Done", "checkbox": {"equals": True}}, {"Ada", "Di"}),
        ({"property": "Done", "checkbox": {"equals": False}}, {"Bob", "Cy"}),
        ({"property": "Price", "number": {"is_empty": True}}, {"Di"}),
        ({"property": "Due", "date": {"on_or_after": "2026-02-01"}}, {"Bob", "Di"}),
        ({"property": "Name", "title": {"starts_with": "B"}}, {"Bob"}),
        (
            {
                "or": [
                    {"property": "Stage", "select": {"equals": "Lead"}},
                    {"property": "Tags", "multi_select": {"contains": "vip"}},
                ]
            },
            {"Ada", "Bob", "Cy"},
        ),
        (
            {
                "or": [
                    {"property": "Price", "number": {"less_than": 100}},
                    {
                        "and": [
                            {"property": "Done", "checkbox": {"equals": True}},
                            {"property": "Price", "number": {"is_empty": True}},
                        ]
                    },
                ]
            },
            {"Bob", "Di"},
        ),
        (
            {"timestamp": "created_time", "created_time": {"past_week": {}}},
            {"Ada", "Bob", "Cy", "Di"},
        ),
    ],
)
def test_filters(
    notion: Client, filled: str, query_filter: dict[str, Any], expected: set[str]
) -> None:
    assert (
        set(names(notion.data_sources.query(data_source_id=filled, filter=query_filter)))
        == expected
    )


def test_pagination_through_query(notion: Client, filled: str) -> None:
    first = notion.data_sources.query(
        data_source_id=filled, page_size=3, sorts=[{"property": "Name", "direction": "ascending"}]
    )
    assert names(first) == ["Ada", "Bob", "Cy"]
    assert first["has_more"] is True
    rest = notion.data_sources.query(
        data_source_id=filled,
        page_size=3,
        start_cursor=first["next_cursor"],
        sorts=[{"property": "Name", "direction": "ascending"}],
    )
    assert names(rest) == ["Di"]
    assert rest["has_more"] is False and rest["next_cursor"] is None


def test_page_size_over_100_is_refused(notion: Client, filled: str) -> None:
    with pytest.raises(APIResponseError) as raised:
        notion.data_sources.query(data_source_id=filled, page_size=101)
    assert raised.value.code == "validation_error"
    assert "page_size" in str(raised.value)


def test_unknown_property_in_filter_is_refused(notion: Client, filled: str) -> None:
    with pytest.raises(APIResponseError) as raised:
        notion.data_sources.query(
            data_source_id=filled, filter={"property": "Nope", "number": {"equals": 1}}
        )
    assert raised.value.code == "validation_error"
    assert "Nope" in str(raised.value)


def test_trashed_pages_leave_query_results(notion: Client, filled: str) -> None:
    ada = notion.data_sources.query(
        data_source_id=filled, filter={"property": "Name", "title": {"equals": "Ada"}}
    )["results"][0]
    notion.pages.update(page_id=ada["id"], in_trash=True)
    assert "Ada" not in names(notion.data_sources.query(data_source_id=filled))
    assert names(
        notion.data_sources.query(
            data_source_id=filled, filter={"property": "Stage", "select": {"equals": "Won"}}
        )
    ) == ["Cy"]
