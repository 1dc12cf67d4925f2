"""The query sort engine: each type's order, empties last, priority, stability, validation,
and a hypothesis comparison with a plain comparator written here."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notionhub.errors import ValidationFailed
from notionhub.localnotion.filters.sorts import compile_sorts


def _options(*names: str) -> dict[str, Any]:
    return {"options": [{"id": n.lower(), "name": n, "color": "default"} for n in names]}


SCHEMA_TYPES: dict[str, tuple[str, dict[str, Any]]] = {
    "Name": ("title", {}),
    "Notes": ("rich_text", {}),
    "Price": ("number", {}),
    "Done": ("checkbox", {}),
    "Kind": ("select", _options("C", "A", "B")),  # option order is not alphabetical
    "Stage": ("status", _options("Todo", "Doing", "Done")),
    "Tags": ("multi_select", _options("z", "x", "y")),
    "Due": ("date", {}),
    "Created": ("created_time", {}),
    "Owner": ("people", {}),
    "Creator": ("created_by", {}),
    "Related": ("relation", {}),
    "Attachments": ("files", {}),
    "Ticket": ("unique_id", {"prefix": None}),
    "Calc": ("formula", {"expression": "1"}),
    "Roll": ("rollup", {"function": "sum"}),
}
SCHEMA = {
    name: {"id": f"p{i}", "name": name, "type": t, t: cfg}
    for i, (name, (t, cfg)) in enumerate(SCHEMA_TYPES.items())
}


def rt(text: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": {"content": text, "link": None}, "plain_text": text}]


def opt(name: str) -> dict[str, Any]:
    return {"id": name.lower(), "name": name, "color": "default"}


def page(
    pid: str, created: str = "2025-01-01T00:00:00.000Z", edited: str | None = None, **payloads: Any
) -> dict[str, Any]:
    """A rendered page with the given property payloads (others are absent)."""
    props = {
        name: {"id": SCHEMA[name]["id"], "type": SCHEMA[name]["type"], SCHEMA[name]["type"]: v}
        for name, v in payloads.items()
    }
    return {"object": "page", "id": pid, "created_time": created,
            "last_edited_time": edited or created, "properties": props}  # fmt: skip


def order(sorts: object, pages: list[dict[str, Any]]) -> list[str]:
    return [p["id"] for p in compile_sorts(sorts, SCHEMA)(pages)]


def by(prop: str, direction: str = "ascending") -> list[dict[str, str]]:
    return [{"property": prop, "direction": direction}]


# (property, payloads in ascending order, empty payloads) -- empties go last both ways.
ORDERS: list[tuple[str, list[Any], list[Any]]] = [
    ("Name", [rt("apple"), rt("Banana"), rt("cherry")], [[]]),
    ("Notes", [rt("a"), rt("B")], [rt("")]),
    ("Price", [-2, 0, 1.5, 10], [None]),
    ("Done", [False, True], []),
    ("Kind", [opt("C"), opt("A"), opt("B"), opt("Unknown")], [None]),
    ("Stage", [opt("Todo"), opt("Doing"), opt("Done")], [None]),
    ("Tags", [[opt("z")], [opt("z"), opt("y")], [opt("x"), opt("z")], [opt("y")]], [[]]),
    ("Due", [{"start": "2025-01-01"}, {"start": "2025-01-01T10:00:00.000+00:00"},
             {"start": "2025-01-01T09:00:00.000-05:00"}, {"start": "2025-01-02"}], [None]),
    ("Created", ["2024-12-31T23:59:59.000Z", "2025-01-01T00:00:00.000Z"], []),
    ("Owner", [[{"id": "u2", "name": "ann"}], [{"id": "u1", "name": "Bob"}], [{"id": "u0"}]], [[]]),
    ("Creator", [{"id": "u2", "name": "Ann"}, {"id": "u1", "name": "bob"}], []),
    ("Related", [[{"id": "a1"}], [{"id": "b2"}]], [[]]),
    ("Attachments", [[{"name": "a.png"}], [{"name": "B.png"}]], [[]]),
    ("Ticket", [{"prefix": None, "number": 2}, {"prefix": None, "number": 10}], []),
    ("Calc", [{"type": "number", "number": 1}, {"type": "number", "number": 2}],
     [{"type": "number", "number": None}]),
    ("Calc", [{"type": "string", "string": "a"}, {"type": "string", "string": "B"}],
     [{"type": "string", "string": None}]),
    ("Calc", [{"type": "boolean", "boolean": False}, {"type": "boolean", "boolean": True}], []),
    ("Calc", [{"type": "date", "date": {"start": "2025-01-01"}},
              {"type": "date", "date": {"start": "2025-02-01"}}], [{"type": "date", "date": None}]),
    ("Roll", [{"type": "number", "number": 1}, {"type": "number", "number": 5}],
     [{"type": "number", "number": None}]),
    ("Roll", [{"type": "array", "array": [{"type": "number", "number": 1}]},
              {"type": "array", "array": [{"type": "number", "number": 1},
                                          {"type": "number", "number": 0}]},
              {"type": "array", "array": [{"type": "number", "number": 2}]}],
     [{"type": "array", "array": []}]),
]  # fmt: skip


@pytest.mark.parametrize(("prop", "ascending", "empties"), ORDERS)
def test_each_type_orders_with_empties_last(
    prop: str, ascending: list[Any], empties: list[Any]
) -> None:
    ids = [f"v{i}" for i in range(len(ascending))]
    empty_ids = [f"e{i}" for i in range(len(empties))]
    mixed = [page(f"e{i}", **{prop: v}) for i, v in enumerate(empties)]
    mixed += [page(f"v{i}", **{prop: v}) for i, v in reversed(list(enumerate(ascending)))]
    mixed.insert(1, mixed.pop())  # interleave so empties aren't already in place
    assert order(by(prop), mixed) == ids + empty_ids
    assert order(by(prop, "descending"), mixed) == ids[::-1] + empty_ids


def test_a_missing_property_value_sorts_as_empty() -> None:
    pages = [page("none"), page("two", Price=2), page("one", Price=1)]
    assert order(by("Price", "descending"), pages) == ["two", "one", "none"]


def test_no_sorts_means_newest_created_first() -> None:
    pages = [page("old", "2025-01-01T00:00:00.000Z"), page("new", "2025-03-01T00:00:00.000Z"),
             page("mid", "2025-02-01T00:00:00.000Z")]  # fmt: skip
    assert order(None, pages) == order([], pages) == ["new", "mid", "old"]


def test_timestamp_sorts() -> None:
    pages = [page("a", "2025-01-02T00:00:00.000Z", "2025-01-03T00:00:00.000Z"),
             page("b", "2025-01-01T00:00:00.000Z", "2025-01-04T00:00:00.000Z")]  # fmt: skip
    assert order([{"timestamp": "created_time", "direction": "ascending"}], pages) == ["b", "a"]
    assert order([{"timestamp": "last_edited_time", "direction": "ascending"}], pages) == ["a", "b"]


def test_earlier_sorts_take_precedence_and_ties_keep_input_order() -> None:
    pages = [page("1", Kind=opt("A"), Price=1), page("2", Kind=opt("C"), Price=1),
             page("3", Kind=opt("A"), Price=2), page("4", Kind=opt("A"), Price=1)]  # fmt: skip
    sorts = [{"property": "Kind", "direction": "ascending"},
             {"property": "Price", "direction": "descending"}]  # fmt: skip
    assert order(sorts, pages) == ["2", "3", "1", "4"]
    assert order(by("Kind", "descending"), pages) == ["1", "3", "4", "2"]


def test_properties_are_found_by_id() -> None:
    pages = [page("b", Price=2), page("a", Price=1)]
    assert order(by(SCHEMA["Price"]["id"]), pages) == ["a", "b"]


@pytest.mark.parametrize(
    ("sorts", "expected"),
    [
        ({"property": "Price"}, "body.sorts should be an array"),
        (["Price"], 'body.sorts[0] should be an object, instead was "Price".'),
        (by("Foo"), "Could not find sort property with name or id: Foo"),
        ([{"property": "Price", "direction": "up"}],
         'body.sorts[0].direction should be `ascending` or `descending`, instead was "up".'),
        ([{"property": "Price"}], "body.sorts[0].direction should be"),
        ([{"direction": "ascending"}], "body.sorts[0] should have exactly one of"),
        ([{"property": "Price", "timestamp": "created_time", "direction": "ascending"}],
         "body.sorts[0] should have exactly one of"),
        ([*by("Price"), {"timestamp": "edited", "direction": "ascending"}],
         "body.sorts[1].timestamp"),
        ([{"property": 3, "direction": "ascending"}], "body.sorts[0].property should be a string"),
        ([{"property": "Price", "direction": "ascending", "x": 1}], "body.sorts[0].x should"),
    ],
)  # fmt: skip
def test_wrong_shapes_fail_naming_the_path(sorts: object, expected: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        compile_sorts(sorts, SCHEMA)
    assert (info.value.status, info.value.code) == (400, "validation_error")
    assert expected in info.value.message


# ---- property test against a plain comparator ------------------------------------------

KIND_ORDER = ["C", "A", "B"]
DUES = ["2025-01-01", "2025-01-02", "2025-01-01T12:00:00.000+00:00", "2025-01-01T00:00:00.000Z",
        "2025-01-02T01:00:00.000+02:00"]  # fmt: skip


@st.composite
def random_pages(draw: st.DrawFn) -> list[dict[str, Any]]:
    count = draw(st.integers(0, 8))
    result = []
    for i in range(count):
        due = draw(st.none() | st.sampled_from(DUES))
        result.append(page(
            f"p{i}",
            created=f"2025-01-0{draw(st.integers(1, 3))}T00:00:00.000Z",
            Price=draw(st.none() | st.integers(-2, 2)),
            Notes=rt(draw(st.text(alphabet="aAb", max_size=2))),
            Kind=draw(st.none() | st.sampled_from(KIND_ORDER).map(opt)),
            Done=draw(st.booleans()),
            Due=None if due is None else {"start": due, "end": None, "time_zone": None},
        ))  # fmt: skip
    return result


SORT_ITEMS = st.builds(
    lambda target, direction: {**target, "direction": direction},
    st.sampled_from([{"property": p} for p in ("Price", "Notes", "Kind", "Done", "Due")]
                    + [{"timestamp": "created_time"}]),
    st.sampled_from(["ascending", "descending"]),
)  # fmt: skip


def reference_value(p: dict[str, Any], sort: dict[str, str]) -> Any:
    """The plain value a sort compares, or None when empty."""
    if "timestamp" in sort:
        return datetime.fromisoformat(p["created_time"])
    name = sort["property"]
    raw = p["properties"][name][SCHEMA[name]["type"]]
    if name == "Notes":
        return "".join(item["plain_text"] for item in raw).lower() or None
    if name == "Kind":
        return None if raw is None else KIND_ORDER.index(raw["name"])
    if name == "Due":
        if raw is None:
            return None
        start = raw["start"]
        if "T" not in start:
            return datetime.fromisoformat(start + "T00:00:00+00:00")
        return datetime.fromisoformat(start).astimezone(UTC)
    return raw


def reference_order(sorts: list[dict[str, str]], pages: list[dict[str, Any]]) -> list[str]:
    def compare(a: tuple[int, dict[str, Any]], b: tuple[int, dict[str, Any]]) -> int:
        for sort in sorts:
            x, y = reference_value(a[1], sort), reference_value(b[1], sort)
            if x is None or y is None:
                if (x is None) != (y is None):
                    return 1 if x is None else -1  # empties last either way
                continue
            if x != y:
                result = -1 if x < y else 1
                return -result if sort["direction"] == "descending" else result
        return a[0] - b[0]  # ties keep input order

    ranked = sorted(enumerate(pages), key=functools.cmp_to_key(compare))
    return [p["id"] for _, p in ranked]


@settings(max_examples=200, deadline=None)
@given(sorts=st.lists(SORT_ITEMS, min_size=1, max_size=3), pages=random_pages())
def test_engine_agrees_with_the_reference_comparator(
    sorts: list[dict[str, str]], pages: list[dict[str, Any]]
) -> None:
    assert order(sorts, pages) == reference_order(sorts, pages)
