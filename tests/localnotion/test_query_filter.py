"""The query filter engine: every operator of every type, compounds, validation, and a
hypothesis comparison with a plain reference evaluator written here."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notionhub.errors import ValidationFailed
from notionhub.localnotion.filters.grammar import compile_filter

NOW = datetime(2025, 6, 18, 12, 0, tzinfo=UTC)  # a Wednesday; its week is Sun 15 .. Sat 21
U1 = "11111111-1111-1111-1111-111111111111"
U2 = "22222222-2222-2222-2222-222222222222"
P1 = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"


def _options(*names: str) -> dict[str, Any]:
    return {"options": [{"id": n.lower(), "name": n, "color": "default"} for n in names]}


SCHEMA_TYPES: dict[str, tuple[str, dict[str, Any]]] = {
    "Name": ("title", {}),
    "Notes": ("rich_text", {}),
    "Link": ("url", {}),
    "Mail": ("email", {}),
    "Phone": ("phone_number", {}),
    "Price": ("number", {"format": "dollar"}),
    "Done": ("checkbox", {}),
    "Kind": ("select", _options("A", "B", "C")),
    "Stage": ("status", _options("Todo", "Doing", "Done")),
    "Tags": ("multi_select", _options("x", "y", "z")),
    "Due": ("date", {}),
    "Created": ("created_time", {}),
    "Edited": ("last_edited_time", {}),
    "Owner": ("people", {}),
    "Creator": ("created_by", {}),
    "Editor": ("last_edited_by", {}),
    "Related": ("relation", {"data_source_id": P1, "type": "single_property"}),
    "Attachments": ("files", {}),
    "Ticket": ("unique_id", {"prefix": "T"}),
    "Calc": ("formula", {"expression": "1"}),
    "Roll": ("rollup", {"function": "show_original"}),
}
SCHEMA = {
    name: {"id": f"id%3F{i}", "name": name, "type": t, t: cfg}
    for i, (name, (t, cfg)) in enumerate(SCHEMA_TYPES.items())
}
EMPTY: dict[str, Any] = {
    "title": [], "rich_text": [], "url": None, "email": None, "phone_number": None,
    "number": None, "checkbox": False, "select": None, "status": None, "multi_select": [],
    "date": None, "created_time": "2025-01-01T00:00:00.000Z",
    "last_edited_time": "2025-01-01T00:00:00.000Z", "people": [],
    "created_by": {"object": "user", "id": U1}, "last_edited_by": {"object": "user", "id": U1},
    "relation": [], "files": [], "unique_id": {"prefix": "T", "number": 1},
    "formula": {"type": "string", "string": None},
    "rollup": {"type": "array", "array": [], "function": "show_original"},
}  # fmt: skip


def rt(text: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": {"content": text, "link": None}, "annotations": {},
             "plain_text": text, "href": None}]  # fmt: skip


def opt(name: str) -> dict[str, Any]:
    return {"id": name.lower(), "name": name, "color": "default"}


def user(uid: str) -> dict[str, Any]:
    return {"object": "user", "id": uid}


def day(start: str, tz: str | None = None) -> dict[str, Any]:
    return {"start": start, "end": None, "time_zone": tz}


def make_page(
    created: str = "2025-01-01T00:00:00.000Z", edited: str | None = None, **payloads: Any
) -> dict[str, Any]:
    """A rendered page; ``payloads`` maps property name -> payload, others are empty."""
    props = {
        name: {"id": p["id"], "type": p["type"], p["type"]: payloads.get(name, EMPTY[p["type"]])}
        for name, p in SCHEMA.items()
    }
    return {"object": "page", "id": P1, "created_time": created,
            "last_edited_time": edited or created, "created_by": user(U1),
            "last_edited_by": user(U1), "properties": props}  # fmt: skip


def matches(filter_json: object, page: dict[str, Any]) -> bool:
    return compile_filter(filter_json, SCHEMA, now=NOW).matches(page)


# (property, condition, payloads that match, payloads that don't)
TEXT_CASES = [
    ({"equals": "hello"}, ["hello", "HeLLo"], ["hello!", ""]),
    ({"does_not_equal": "hello"}, ["help", ""], ["HELLO"]),
    ({"contains": "ell"}, ["hello", "ELLA"], ["helo", ""]),
    ({"does_not_contain": "ell"}, ["helo", ""], ["bELL"]),
    ({"starts_with": "he"}, ["hello", "Hey"], ["the", ""]),
    ({"ends_with": "lo"}, ["hello", "LO"], ["low", ""]),
    ({"is_empty": True}, [""], ["a"]),
    ({"is_not_empty": True}, ["a"], [""]),
]
NUMBER_CASES = [
    ({"equals": 3}, [3, 3.0], [4, None]),
    ({"does_not_equal": 3}, [4, None], [3]),
    ({"greater_than": 3}, [3.5], [3, None]),
    ({"less_than": 3}, [-1], [3, None]),
    ({"greater_than_or_equal_to": 3}, [3, 4], [2.9, None]),
    ({"less_than_or_equal_to": 3}, [3, 2], [3.1, None]),
    ({"is_empty": True}, [None], [0]),
    ({"is_not_empty": True}, [0], [None]),
]
DATE_CASES = [
    ({"equals": "2025-01-02"},
     [day("2025-01-02"), day("2025-01-02T23:59:59.999+00:00"),
      day("2025-01-03T01:00:00.000+02:00"), day("2025-01-01T20:00:00.000", "America/New_York")],
     [day("2025-01-03"), day("2025-01-01T23:59:59.999Z"), day("2025-01-02T22:00:00.000-05:00"),
      None]),
    ({"equals": "2025-01-02T10:00:00Z"},
     [day("2025-01-02T12:00:00.000+02:00"), day("2025-01-02")],
     [day("2025-01-02T10:00:00.001+00:00"), day("2025-01-03")]),
    ({"equals": "2025-01-02T10:00:00"}, [day("2025-01-02T10:00:00.000Z")],
     [day("2025-01-02T10:00:00.000+01:00")]),
    ({"before": "2025-01-02"}, [day("2025-01-01"), day("2025-01-01T23:59:59.999Z")],
     [day("2025-01-02"), day("2025-01-02T00:00:00.000Z"), None]),
    ({"after": "2025-01-02"}, [day("2025-01-03"), day("2025-01-03T00:00:00Z")],
     [day("2025-01-02T23:59:59.999Z"), day("2025-01-02"), None]),
    ({"on_or_before": "2025-01-02"}, [day("2025-01-02T23:59:59Z"), day("2025-01-02")],
     [day("2025-01-03T00:00:00Z"), None]),
    ({"on_or_after": "2025-01-02"}, [day("2025-01-02T00:00:00Z"), day("2025-01-02")],
     [day("2025-01-01T23:59:59Z"), None]),
    ({"before": "2025-01-02T10:00:00Z"}, [day("2025-01-01"), day("2025-01-02T09:59:59Z")],
     [day("2025-01-02"), day("2025-01-02T10:00:00Z")]),
    ({"is_empty": True}, [None], [day("2025-01-02")]),
    ({"is_not_empty": True}, [day("2025-01-02")], [None]),
    ({"past_week": {}}, [day("2025-06-11"), day("2025-06-18T23:00:00Z")],
     [day("2025-06-10T23:59:59Z"), day("2025-06-19"), None]),
    ({"past_month": {}}, [day("2025-05-18"), day("2025-06-01")], [day("2025-05-17"), None]),
    ({"past_year": {}}, [day("2024-06-18"), day("2025-01-01")], [day("2024-06-17"), None]),
    ({"this_week": {}}, [day("2025-06-15"), day("2025-06-21T23:59:59Z")],
     [day("2025-06-14"), day("2025-06-22"), None]),
    ({"next_week": {}}, [day("2025-06-18"), day("2025-06-25")], [day("2025-06-26"), None]),
    ({"next_month": {}}, [day("2025-07-18")], [day("2025-07-19"), day("2025-06-17"), None]),
    ({"next_year": {}}, [day("2026-06-18")], [day("2026-06-19"), None]),
]  # fmt: skip


def _stamp(value: dict[str, Any] | None) -> bool:
    """Whether a date value could be a created/edited time: a datetime with an offset."""
    return bool(value and "T" in value["start"] and not value["time_zone"])


SELECT_CASES = [
    ({"equals": "A"}, [opt("A")], [opt("B"), opt("a"), None]),
    ({"does_not_equal": "A"}, [opt("B"), None], [opt("A")]),
    ({"is_empty": True}, [None], [opt("A")]),
    ({"is_not_empty": True}, [opt("A")], [None]),
]
IDS_CASES = [
    ({"contains": U2.replace("-", "")}, [[user(U1), user(U2)]], [[user(U1)], []]),
    ({"does_not_contain": U2}, [[user(U1)], []], [[user(U2)]]),
    ({"is_empty": True}, [[]], [[user(U1)]]),
    ({"is_not_empty": True}, [[user(U1)]], [[]]),
]
CASES: list[tuple[str, dict[str, Any], list[Any], list[Any]]] = [
    *[(p, c, [rt(t) for t in y], [rt(t) for t in n]) for p in ("Name", "Notes")
      for c, y, n in TEXT_CASES],
    *[(p, c, y, [v or None for v in n]) for p in ("Link", "Mail", "Phone")
      for c, y, n in TEXT_CASES],
    *[("Price", c, y, n) for c, y, n in NUMBER_CASES],
    *[("Ticket", c, [{"prefix": "T", "number": v} for v in y],
       [None if v is None else {"prefix": "T", "number": v} for v in n])
      for c, y, n in NUMBER_CASES],
    ("Done", {"equals": True}, [True], [False]),
    ("Done", {"does_not_equal": True}, [False], [True]),
    *[("Kind", c, y, n) for c, y, n in SELECT_CASES],
    ("Stage", {"equals": "Doing"}, [opt("Doing")], [opt("doing"), opt("Done"), None]),
    ("Stage", {"does_not_equal": "Doing"}, [opt("Done"), None], [opt("Doing")]),
    ("Stage", {"is_empty": True}, [None], [opt("Todo")]),
    ("Stage", {"is_not_empty": True}, [opt("Todo")], [None]),
    ("Tags", {"contains": "y"}, [[opt("x"), opt("y")]], [[opt("x")], []]),
    ("Tags", {"does_not_contain": "y"}, [[opt("x")], []], [[opt("y")]]),
    ("Tags", {"is_empty": True}, [[]], [[opt("x")]]),
    ("Tags", {"is_not_empty": True}, [[opt("x")]], [[]]),
    *[("Due", c, y, n) for c, y, n in DATE_CASES],
    *[(p, c, [v["start"] for v in y if _stamp(v)], [v["start"] for v in n if _stamp(v)])
      for p in ("Created", "Edited") for c, y, n in DATE_CASES],
    *[("Owner", c, y, n) for c, y, n in IDS_CASES],
    *[(p, c, [v[-1] for v in y if v], [v[-1] for v in n if v])
      for p in ("Creator", "Editor") for c, y, n in IDS_CASES if "contain" in str(c)],
    *[("Related", c, [[{"id": u["id"]} for u in v] for v in y],
       [[{"id": u["id"]} for u in v] for v in n]) for c, y, n in IDS_CASES],
    ("Attachments", {"is_empty": True}, [[]], [[{"name": "a", "type": "external"}]]),
    ("Attachments", {"is_not_empty": True}, [[{"name": "a", "type": "external"}]], [[]]),
]  # fmt: skip


@pytest.mark.parametrize(("prop", "condition", "yes", "no"), CASES)
def test_every_operator_of_every_type(
    prop: str, condition: dict[str, Any], yes: list[Any], no: list[Any]
) -> None:
    type_ = SCHEMA[prop]["type"]
    filter_json = {"property": prop, type_: condition}
    assert [matches(filter_json, make_page(**{prop: v})) for v in yes] == [True] * len(yes)
    assert [matches(filter_json, make_page(**{prop: v})) for v in no] == [False] * len(no)


EXPECTED_OPERATORS = {
    "title": "equals does_not_equal contains does_not_contain starts_with ends_with is_empty "
    "is_not_empty",
    "number": "equals does_not_equal greater_than less_than greater_than_or_equal_to "
    "less_than_or_equal_to is_empty is_not_empty",
    "checkbox": "equals does_not_equal",
    "select": "equals does_not_equal is_empty is_not_empty",
    "multi_select": "contains does_not_contain is_empty is_not_empty",
    "date": "equals before after on_or_before on_or_after is_empty is_not_empty past_week "
    "past_month past_year this_week next_week next_month next_year",
    "people": "contains does_not_contain is_empty is_not_empty",
    "files": "is_empty is_not_empty",
}
SAME_AS = {"rich_text": "title", "url": "title", "email": "title", "phone_number": "title",
           "status": "select", "relation": "people", "unique_id": "number"}  # fmt: skip


def test_the_table_covers_every_operator_of_every_type() -> None:
    covered: dict[str, set[str]] = {}
    for prop, condition, _, _ in CASES:
        covered.setdefault(SCHEMA[prop]["type"], set()).update(condition)
    for type_ in [*EXPECTED_OPERATORS, *SAME_AS]:
        assert covered[type_] == set(EXPECTED_OPERATORS[SAME_AS.get(type_, type_)].split())
    assert covered["created_by"] == {"contains", "does_not_contain"}
    assert {"equals", "before", "after"} <= covered["created_time"]


def test_properties_are_found_by_name_or_id_encoded_or_not() -> None:
    page = make_page(Price=5)
    for ref in ("Price", "id%3F5", "id?5"):
        assert matches({"property": ref, "number": {"equals": 5}}, page)


def test_formula_conditions_apply_to_their_result_type_only() -> None:
    text = make_page(Calc={"type": "string", "string": "Alpha"})
    num = make_page(Calc={"type": "number", "number": 7})
    flag = make_page(Calc={"type": "boolean", "boolean": True})
    when = make_page(Calc={"type": "date", "date": day("2025-01-02")})
    cases = [
        ({"string": {"contains": "alp"}}, text, num),
        ({"number": {"greater_than": 6}}, num, text),
        ({"checkbox": {"equals": True}}, flag, num),
        ({"date": {"on_or_after": "2025-01-02"}}, when, flag),
    ]
    for condition, yes, no in cases:
        assert matches({"property": "Calc", "formula": condition}, yes)
        assert not matches({"property": "Calc", "formula": condition}, no)


def _roll(*elements: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "array": list(elements), "function": "show_original"}


def test_rollup_any_every_none_over_arrays_and_scalar_rollups() -> None:
    nums = make_page(Roll=_roll({"type": "number", "number": 1}, {"type": "number", "number": 5}))
    titles = make_page(Roll=_roll({"type": "title", "title": rt("Take Fig")}))
    empty = make_page(Roll=_roll())

    def f(quantifier: str, condition: dict[str, Any]) -> dict[str, Any]:
        return {"property": "Roll", "rollup": {quantifier: condition}}

    assert matches(f("any", {"number": {"greater_than": 4}}), nums)
    assert not matches(f("every", {"number": {"greater_than": 4}}), nums)
    assert matches(f("every", {"number": {"greater_than": 0}}), nums)
    assert matches(f("none", {"number": {"greater_than": 5}}), nums)
    assert not matches(f("none", {"number": {"equals": 5}}), nums)
    assert matches(f("any", {"rich_text": {"contains": "fig"}}), titles)
    assert not matches(f("any", {"number": {"is_not_empty": True}}), titles)
    assert matches(f("every", {"number": {"equals": 9}}), empty)
    assert not matches(f("any", {"number": {"equals": 9}}), empty)
    total = make_page(Roll={"type": "number", "number": 6, "function": "sum"})
    latest = make_page(Roll={"type": "date", "date": day("2025-01-02"), "function": "latest_date"})
    assert matches(f("number", {"greater_than_or_equal_to": 6}), total)
    assert not matches(f("number", {"less_than": 6}), total)
    assert not matches(f("number", {"is_empty": True}), nums)
    assert matches(f("date", {"before": "2025-01-03"}), latest)


def test_timestamp_filters_read_the_page_timestamps() -> None:
    page = make_page(created="2025-06-17T08:00:00.000Z")
    for field in ("created_time", "last_edited_time"):
        assert matches({"timestamp": field, field: {"past_week": {}}}, page)
        assert not matches({"timestamp": field, field: {"after": "2025-06-17"}}, page)


def test_compounds_nest_two_levels() -> None:
    cheap_a = {"and": [{"property": "Price", "number": {"less_than": 10}},
                       {"property": "Kind", "select": {"equals": "A"}}]}  # fmt: skip
    done = {"property": "Done", "checkbox": {"equals": True}}
    tree = {"or": [cheap_a, done]}
    assert matches(tree, make_page(Price=5, Kind=opt("A")))
    assert matches(tree, make_page(Price=50, Done=True))
    assert not matches(tree, make_page(Price=50, Kind=opt("A")))
    assert matches({"and": [{"or": [done]}, cheap_a["and"][0]]}, make_page(Price=1, Done=True))


def test_empty_filters_match_everything() -> None:
    page = make_page()
    for empty in (None, {}, {"and": []}, {"or": []}):
        assert matches(empty, page)


def _message(filter_json: object) -> str:
    with pytest.raises(ValidationFailed) as info:
        compile_filter(filter_json, SCHEMA, now=NOW)
    assert (info.value.status, info.value.code) == (400, "validation_error")
    return info.value.message


PRICE_OK = {"property": "Price", "number": {"greater_than": 3}}


@pytest.mark.parametrize(
    ("filter_json", "expected"),
    [
        ({"and": [PRICE_OK, {"property": "Price", "number": {"greater_than": "x"}}]},
         'body.filter.and[1].number.greater_than should be a number, instead was "x".'),
        ({"property": "Foo", "number": {"equals": 1}},
         "Could not find property with name or id: Foo"),
        ({"property": "Price", "number": {"bigger": 1}}, "body.filter.number.bigger "),
        ({"property": "Price", "number": {"equals": 1, "less_than": 2}}, "body.filter.number "),
        ({"property": "Price", "number": {}}, "body.filter.number should be an object with"),
        ({"property": "Price", "rich_text": {"equals": "1"}}, "body.filter.number should be"),
        ({"property": "Price", "type": "rich_text", "number": {"equals": 1}}, "body.filter.type"),
        ({"property": "Price"}, "body.filter.number should be defined"),
        ({"property": "Price", "number": {"is_empty": False}}, "body.filter.number.is_empty"),
        ({"property": "Done", "checkbox": {"equals": "true"}}, "body.filter.checkbox.equals"),
        ({"property": "Name", "title": {"contains": 3}}, "body.filter.title.contains"),
        ({"property": "Owner", "people": {"contains": "bob"}},
         'body.filter.people.contains should be a valid uuid, instead was "bob".'),
        ({"property": "Due", "date": {"after": "tomorrow"}}, "body.filter.date.after"),
        ({"property": "Due", "date": {"past_week": {"x": 1}}}, "body.filter.date.past_week"),
        ({"property": "Calc", "formula": {"text": {"equals": "a"}}}, "body.filter.formula.text"),
        ({"property": "Roll", "rollup": {"any": {"title": {}}}}, "body.filter.rollup.any.title"),
        ({"property": "Roll", "rollup": {"every": {"number": {"equals": None}}}},
         "body.filter.rollup.every.number.equals should be a number, instead was null."),
        ({"timestamp": "deleted_time", "deleted_time": {}}, "body.filter.timestamp"),
        ({"timestamp": "created_time", "created_time": {"equals": 3}},
         "body.filter.created_time.equals"),
        ({"or": [{"and": [{"or": [PRICE_OK]}]}]}, "body.filter.or[0].and[0].or is nested too"),
        ({"and": [PRICE_OK], "or": []}, "body.filter should have only the key `and`"),
        ({"and": PRICE_OK}, "body.filter.and should be an array"),
        ({"and": [{}]}, "body.filter.and[0] should have one of"),
        ({"or": ["x"]}, 'body.filter.or[0] should be an object, instead was "x".'),
        ({"property": 3, "number": {}}, "body.filter.property should be a string"),
        ([PRICE_OK], "body.filter should be an object"),
    ],
)  # fmt: skip
def test_wrong_shapes_fail_naming_the_path(filter_json: object, expected: str) -> None:
    assert expected in _message(filter_json)


# ---- property test against a plain reference evaluator ---------------------------------

KINDS = ["A", "B", "C"]
STAGES = ["Todo", "Doing", "Done"]
TAGS = ["x", "y", "z"]
P2 = "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb"
OFFSETS = ["+00:00", "+02:00", "-05:00"]
# The instants relative dates count from: a plain Wednesday, days whose month or year ranges
# end on a shorter month (Feb 29, the 31st), a week that began the year before, and an
# instant given in +02:00 that is still the day before in UTC.
NOWS = [
    NOW,
    datetime(2024, 3, 31, 23, 30, tzinfo=UTC),  # a Sunday; a month back is Feb 29
    datetime(2025, 12, 31, 0, 15, tzinfo=UTC),  # a month on is Jan 31, a month back Nov 30
    datetime(2024, 2, 29, 6, 0, tzinfo=UTC),  # a year either way is Feb 28
    datetime(2025, 1, 4, 12, 0, tzinfo=UTC),  # a Saturday: its week began in 2024
    datetime(2025, 7, 1, 1, 0, tzinfo=timezone(timedelta(hours=2))),  # June 30 in UTC
]
RELATIVE = ("past_week", "past_month", "past_year", "this_week", "next_week", "next_month",
            "next_year")  # fmt: skip
FILTERED = ["Price", "Kind", "Stage", "Done", "Notes", "Due", "Tags", "Owner", "Related",
            "Attachments", "Ticket", "Created", "Edited"]  # fmt: skip
TIMESTAMPS = ["created_time", "last_edited_time"]
OPERATORS_OF = {**SAME_AS, "created_time": "date", "last_edited_time": "date"}


def _months_from(day: date, months: int) -> date:
    """The same day ``months`` calendar months away, or the last day of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month, last = index // 12, index % 12 + 1, day.day
    while True:
        try:
            return date(year, month, last)
        except ValueError:
            last -= 1


def _relative_days(op: str, today: date) -> tuple[date, date]:
    """The first and last day (both included) a relative date filter covers."""
    sunday = today - timedelta(days=today.isoweekday() % 7)
    return {
        "past_week": (today - timedelta(days=7), today),
        "past_month": (_months_from(today, -1), today),
        "past_year": (_months_from(today, -12), today),
        "this_week": (sunday, sunday + timedelta(days=6)),
        "next_week": (today, today + timedelta(days=7)),
        "next_month": (today, _months_from(today, 1)),
        "next_year": (today, _months_from(today, 12)),
    }[op]


def days_around(now: datetime) -> list[date]:
    """Today (in UTC) and the days on both sides of each relative range's edges."""
    today = now.astimezone(UTC).date()
    edges = {today, *(edge for op in RELATIVE for edge in _relative_days(op, today))}
    return sorted({edge + timedelta(days=shift) for edge in edges for shift in (-1, 0, 1)})


def _page_date(draw: st.DrawFn, days: list[date]) -> str | None:
    d = draw(st.sampled_from(days))
    shape = draw(st.sampled_from(["none", "date", "datetime"]))
    if shape == "none":
        return None
    if shape == "date":
        return d.isoformat()
    hour, offset = draw(st.integers(0, 23)), draw(st.sampled_from(OFFSETS))
    return f"{d.isoformat()}T{hour:02d}:00:00.000{offset}"


def _timestamp(draw: st.DrawFn, days: list[date]) -> str:
    """A created or last edited time as pages carry it: UTC, to the millisecond."""
    d, hour = draw(st.sampled_from(days)), draw(st.integers(0, 23))
    return f"{d.isoformat()}T{hour:02d}:{draw(st.sampled_from([0, 59])):02d}:00.000Z"


def _file(name: str) -> dict[str, Any]:
    return {"name": name, "type": "external", "external": {"url": f"https://f.test/{name}"}}


@st.composite
def pages(draw: st.DrawFn, now: datetime) -> dict[str, Any]:
    days = days_around(now)
    start = _page_date(draw, days)
    created, edited = _timestamp(draw, days), _timestamp(draw, days)
    return make_page(
        created,
        edited,
        Price=draw(st.none() | st.integers(-3, 3)),
        Kind=draw(st.none() | st.sampled_from(KINDS).map(opt)),
        Stage=draw(st.none() | st.sampled_from(STAGES).map(opt)),
        Done=draw(st.booleans()),
        Notes=rt(draw(st.text(alphabet="aAbB ", max_size=4))),
        Due=None if start is None else day(start),
        Tags=[opt(t) for t in draw(st.lists(st.sampled_from(TAGS), unique=True))],
        Owner=[user(u) for u in draw(st.lists(st.sampled_from([U1, U2]), unique=True))],
        Related=[{"id": p} for p in draw(st.lists(st.sampled_from([P1, P2]), unique=True))],
        Attachments=[_file(n) for n in draw(st.lists(st.sampled_from(["a.pdf", "b.png"])))],
        Ticket={"prefix": "T", "number": draw(st.integers(1, 5))},
        Created=created,
        Edited=edited,
    )


def _filter_date(draw: st.DrawFn, days: list[date]) -> str:
    d = draw(st.sampled_from(days)).isoformat()
    return draw(st.sampled_from([d, f"{d}T{draw(st.integers(0, 23)):02d}:00:00Z"]))


def _id_operand(draw: st.DrawFn, ids: list[str]) -> str:
    """An id as clients may write it: with dashes, without, or in capitals."""
    chosen = draw(st.sampled_from(ids))
    return draw(st.sampled_from([chosen, chosen.replace("-", ""), chosen.upper()]))


@st.composite
def leaves(draw: st.DrawFn, now: datetime) -> dict[str, Any]:
    prop = draw(st.sampled_from([*FILTERED, *TIMESTAMPS]))
    type_ = prop if prop in TIMESTAMPS else SCHEMA[prop]["type"]
    family = OPERATORS_OF.get(type_, type_)
    op = draw(st.sampled_from(EXPECTED_OPERATORS[family].split()))
    if op in ("is_empty", "is_not_empty"):
        operand: Any = True
    elif op in RELATIVE:
        operand = {}
    elif family == "number":
        operand = draw(st.integers(-3, 6))
    elif family == "checkbox":
        operand = draw(st.booleans())
    elif family == "date":
        operand = _filter_date(draw, days_around(now))
    elif type_ == "rich_text":
        operand = draw(st.text(alphabet="aAbB ", max_size=2))
    elif family == "people":
        operand = _id_operand(draw, [U1, U2] if type_ == "people" else [P1, P2])
    else:
        operand = draw(st.sampled_from({"select": KINDS, "status": STAGES}.get(type_, TAGS)))
    if prop in TIMESTAMPS:
        return {"timestamp": prop, prop: {op: operand}}
    return {"property": prop, type_: {op: operand}}


def _compound(children: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(lambda k, items: {k: items}, st.sampled_from(["and", "or"]),
                     st.lists(children, max_size=3))  # fmt: skip


def filters(now: datetime) -> st.SearchStrategy[dict[str, Any]]:
    return leaves(now) | _compound(leaves(now) | _compound(leaves(now)))


def _moment(text: str) -> tuple[date, datetime | None]:
    """(UTC day, instant or None for a date-only value)."""
    if "T" not in text:
        return date.fromisoformat(text), None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    return moment.date(), moment


def _reference_date(op: str, value: str | None, operand: Any, today: date) -> bool:
    if op in ("is_empty", "is_not_empty"):
        return (value is None) == (op == "is_empty")
    if value is None:
        return False
    page_day, page_at = _moment(value)
    if op in RELATIVE:
        low, high = _relative_days(op, today)
        return low <= page_day <= high
    filter_day, filter_at = _moment(operand)
    if page_at is not None and filter_at is not None:  # both instants: compare instants
        a, b = page_at.timestamp(), filter_at.timestamp()
    else:  # otherwise compare UTC days
        a, b = page_day.toordinal(), filter_day.toordinal()
    return {"equals": a == b, "before": a < b, "after": a > b,
            "on_or_before": a <= b, "on_or_after": a >= b}[op]  # fmt: skip


def reference(filter_json: dict[str, Any], page: dict[str, Any], today: date) -> bool:
    if "and" in filter_json:
        return all(reference(f, page, today) for f in filter_json["and"])
    if "or" in filter_json:
        return not filter_json["or"] or any(reference(f, page, today) for f in filter_json["or"])
    if not filter_json:
        return True
    if "timestamp" in filter_json:
        field = filter_json["timestamp"]
        ((op, operand),) = filter_json[field].items()
        return _reference_date(op, page[field], operand, today)
    prop = filter_json["property"]
    type_ = SCHEMA[prop]["type"]
    ((op, operand),) = filter_json[type_].items()
    raw = page["properties"][prop][type_]
    if type_ == "date":
        return _reference_date(op, raw and raw["start"], operand, today)
    if type_ in TIMESTAMPS:
        return _reference_date(op, raw, operand, today)
    if type_ == "rich_text":
        value: Any = "".join(item["plain_text"] for item in raw).lower()
        empty, operand = value == "", str(operand).lower()
    elif type_ in ("select", "status", "multi_select"):
        single = type_ != "multi_select"
        value = raw["name"] if single and raw else [o["name"] for o in raw or []]
        empty = not value
    elif type_ in ("people", "relation", "files"):  # ids compare as UUIDs, in any spelling
        value = [uuid.UUID(item["id"]) for item in raw if "id" in item] or raw
        empty = not value
        operand = uuid.UUID(operand) if isinstance(operand, str) else operand
    elif type_ == "unique_id":
        value, empty = raw["number"], raw["number"] is None
    else:
        value, empty = raw, raw is None
    if type_ == "rich_text" and op in ("equals", "does_not_equal"):
        return (value == operand) == (op == "equals")
    return {
        "is_empty": lambda: empty,
        "is_not_empty": lambda: not empty,
        "equals": lambda: not empty and value == operand,
        "does_not_equal": lambda: empty or value != operand,
        "contains": lambda: operand in value,
        "does_not_contain": lambda: operand not in value,
        "starts_with": lambda: value.startswith(operand),
        "ends_with": lambda: value.endswith(operand),
        "greater_than": lambda: not empty and value > operand,
        "less_than": lambda: not empty and value < operand,
        "greater_than_or_equal_to": lambda: not empty and value >= operand,
        "less_than_or_equal_to": lambda: not empty and value <= operand,
    }[op]()


def _agree(filter_json: dict[str, Any], page_list: list[dict[str, Any]], now: datetime) -> None:
    compiled = compile_filter(filter_json, SCHEMA, now=now)
    today = now.astimezone(UTC).date()
    for page in page_list:
        assert compiled.matches(page) == reference(filter_json, page, today)


@settings(max_examples=400, deadline=None)
@given(now=st.sampled_from(NOWS), data=st.data())
def test_each_condition_agrees_with_the_reference_evaluator(
    now: datetime, data: st.DataObject
) -> None:
    filter_json = data.draw(leaves(now), label="filter")
    _agree(filter_json, data.draw(st.lists(pages(now), min_size=1, max_size=6)), now)


@settings(max_examples=200, deadline=None)
@given(now=st.sampled_from(NOWS), data=st.data())
def test_filter_trees_agree_with_the_reference_evaluator(
    now: datetime, data: st.DataObject
) -> None:
    filter_json = data.draw(filters(now), label="filter")
    _agree(filter_json, data.draw(st.lists(pages(now), min_size=1, max_size=4)), now)


def test_the_reference_knows_the_clamped_month_ends() -> None:
    """The reference's own calendar, checked by hand where months are short."""
    assert _relative_days("past_month", date(2024, 3, 31)) == (date(2024, 2, 29), date(2024, 3, 31))
    assert _relative_days("next_month", date(2025, 1, 31))[1] == date(2025, 2, 28)
    assert _relative_days("past_year", date(2024, 2, 29))[0] == date(2023, 2, 28)
    assert _relative_days("this_week", date(2025, 1, 4)) == (date(2024, 12, 29), date(2025, 1, 4))
    assert days_around(NOWS[-1])[0] == date(2024, 6, 29)  # a year before June 30, minus one
