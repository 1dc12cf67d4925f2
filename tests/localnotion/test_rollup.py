"""Rollups: every function on sample related values."""

from __future__ import annotations

from typing import Any

import pytest

from notionhub.localnotion.properties.rollup import ROLLUP_FUNCTIONS, atoms, compute_rollup


def number(n: float | None) -> dict[str, Any]:
    return {"id": "p", "type": "number", "number": n}


def checkbox(b: bool) -> dict[str, Any]:
    return {"id": "p", "type": "checkbox", "checkbox": b}


def date(start: str | None, end: str | None = None) -> dict[str, Any]:
    inner = None if start is None else {"start": start, "end": end, "time_zone": None}
    return {"id": "p", "type": "date", "date": inner}


def tags(*names: str) -> dict[str, Any]:
    options = [{"id": n, "name": n, "color": "red"} for n in names]
    return {"id": "p", "type": "multi_select", "multi_select": options}


def title(text: str) -> dict[str, Any]:
    items = [
        {"type": "text", "text": {"content": text, "link": None}, "plain_text": text, "href": None}
    ]
    return {"id": "title", "type": "title", "title": items if text else []}


def roll(function: str, values: list[dict[str, Any]]) -> dict[str, Any]:
    return compute_rollup({"function": function, "relation_property_id": "r"}, values)


NUMBERS = [number(3), number(None), number(1), number(8)]


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        ("sum", 12),
        ("average", 4.0),
        ("median", 3),
        ("min", 1),
        ("max", 8),
        ("range", 7),
        ("count", 4),
        ("count_values", 3),
        ("empty", 1),
        ("not_empty", 3),
        ("unique", 3),
        ("percent_empty", 0.25),
        ("percent_not_empty", 0.75),
    ],
)
def test_number_functions(function: str, expected: float) -> None:
    assert roll(function, NUMBERS) == {"type": "number", "number": expected, "function": function}


@pytest.mark.parametrize("function", ["average", "median", "min", "max", "range"])
def test_number_functions_of_nothing_are_null(function: str) -> None:
    assert roll(function, [number(None)])["number"] is None
    assert roll(function, [])["number"] is None


def test_sum_of_nothing_is_zero_and_percentages_of_nothing_are_zero() -> None:
    assert roll("sum", [])["number"] == 0
    assert roll("percent_empty", [])["number"] == 0
    assert roll("percent_checked", [])["number"] == 0


def test_multi_values_count_each_value_for_count_values_and_unique() -> None:
    values = [tags("a", "b"), tags("b", "c"), tags()]
    assert roll("count", values)["number"] == 3
    assert roll("count_values", values)["number"] == 4
    assert roll("unique", values)["number"] == 3
    assert roll("empty", values)["number"] == 1
    assert roll("not_empty", values)["number"] == 2


def test_text_values_count_by_plain_text() -> None:
    values = [title("x"), title("x"), title(""), title("y")]
    assert roll("unique", values)["number"] == 2
    assert roll("empty", values)["number"] == 1


@pytest.mark.parametrize(
    ("function", "expected"),
    [("checked", 2), ("unchecked", 1), ("percent_checked", 2 / 3), ("percent_unchecked", 1 / 3)],
)
def test_checkbox_functions(function: str, expected: float) -> None:
    values = [checkbox(True), checkbox(False), checkbox(True)]
    assert roll(function, values) == {"type": "number", "number": expected, "function": function}


DATES = [
    date("2025-03-01"),
    date("2025-01-02T10:00:00.000+02:00", "2025-05-01"),
    date(None),
    date("2025-01-02T09:00:00.000+00:00"),
]


def test_earliest_latest_and_range_of_dates() -> None:
    assert roll("earliest_date", DATES) == {
        "type": "date",
        "date": {"start": "2025-01-02T10:00:00.000+02:00", "end": None, "time_zone": None},
        "function": "earliest_date",
    }
    assert roll("latest_date", DATES)["date"] == {
        "start": "2025-05-01",
        "end": None,
        "time_zone": None,
    }
    assert roll("date_range", DATES)["date"] == {
        "start": "2025-01-02T10:00:00.000+02:00",
        "end": "2025-05-01",
        "time_zone": None,
    }
    assert roll("earliest_date", [date(None)]) == {
        "type": "date",
        "date": None,
        "function": "earliest_date",
    }
    assert roll("date_range", [])["date"] is None


def test_timestamps_and_formula_results_roll_up_too() -> None:
    created = {"id": "c", "type": "created_time", "created_time": "2025-01-02T10:03:00.000Z"}
    formula_num = {"id": "f", "type": "formula", "formula": {"type": "number", "number": 5}}
    formula_bool = {"id": "f", "type": "formula", "formula": {"type": "boolean", "boolean": True}}
    assert roll("latest_date", [created])["date"]["start"] == "2025-01-02T10:03:00.000Z"
    assert roll("sum", [formula_num, number(1)])["number"] == 6
    assert roll("checked", [formula_bool, checkbox(False)])["number"] == 1


def test_show_original_lists_the_values_without_their_ids() -> None:
    result = roll("show_original", [number(1), tags("a")])
    assert result == {
        "type": "array",
        "array": [
            {"type": "number", "number": 1},
            {"type": "multi_select", "multi_select": [{"id": "a", "name": "a", "color": "red"}]},
        ],
        "function": "show_original",
    }


def test_show_unique_drops_repeated_and_empty_values() -> None:
    result = roll("show_unique", [number(1), number(1), number(None), number(2)])
    assert result["type"] == "array"
    assert result["array"] == [{"type": "number", "number": 1}, {"type": "number", "number": 2}]


@pytest.mark.parametrize("function", ["count_per_group", "percent_per_group"])
def test_group_functions_are_unsupported_like_notion_answers(function: str) -> None:
    assert roll(function, NUMBERS) == {
        "type": "unsupported",
        "unsupported": {},
        "function": function,
    }


def test_every_documented_function_has_an_answer() -> None:
    from notionhub.localnotion.properties.types.catalog import ROLLUP_FUNCTIONS as DOCUMENTED

    computed = set(ROLLUP_FUNCTIONS) | {"count_per_group", "percent_per_group"}
    assert computed == set(DOCUMENTED)


def test_atoms_of_nested_rollup_arrays_are_flattened() -> None:
    nested = {
        "id": "r",
        "type": "rollup",
        "rollup": {
            "type": "array",
            "array": [tags("a", "b"), number(2)],
            "function": "show_original",
        },
    }
    assert atoms(nested) == ["a", "b", 2]
    assert atoms({"type": "people", "people": [{"object": "user", "id": "u1"}]}) == ["u1"]
    assert atoms({"type": "unique_id", "unique_id": {"prefix": "T", "number": 4}}) == [("T", 4)]
