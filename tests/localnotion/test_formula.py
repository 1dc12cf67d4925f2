"""The formula engine: parsing, checking, evaluation, rendering."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notionhub.errors import ValidationFailed
from notionhub.localnotion.formula import Formula, parse_formula

FIELD = "body.properties.Total.formula.expression"
NOW = datetime(2025, 3, 20, 10, 30, 15, tzinfo=UTC)  # a Thursday


def _schema_prop(name: str, kind: str, config: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"id": name.lower(), "name": name, "type": kind, kind: config or {}}


def _text(*parts: str) -> list[dict[str, Any]]:
    return [
        {
            "type": "text",
            "text": {"content": part, "link": None},
            "annotations": {},
            "plain_text": part,
            "href": None,
        }
        for part in parts
    ]


def _date(start: str, end: str | None = None) -> dict[str, Any]:
    return {"start": start, "end": end, "time_zone": None}


# name -> (type, schema config, rendered value)
SAMPLE: dict[str, tuple[str, dict[str, Any], Any]] = {
    "Name": ("title", {}, _text("Widget ", "Pro")),
    "Notes": ("rich_text", {}, []),
    "Price": ("number", {"format": "dollar"}, 2.5),
    "Qty": ("number", {}, 4),
    "Empty": ("number", {}, None),
    "Done": ("checkbox", {}, True),
    "Stage": ("select", {"options": []}, {"id": "s1", "name": "In progress", "color": "blue"}),
    "NoStage": ("select", {"options": []}, None),
    "Status": ("status", {"options": []}, {"id": "s2", "name": "Done", "color": "green"}),
    "Tags": (
        "multi_select",
        {"options": []},
        [{"id": "t1", "name": "urgent", "color": "red"}, {"id": "t2", "name": "home"}],
    ),
    "Due": ("date", {}, _date("2025-01-31")),
    "NoDate": ("date", {}, None),
    "Meeting": (
        "date",
        {},
        _date("2025-03-20T14:45:00.000+00:00", "2025-03-20T15:30:00.000+00:00"),
    ),
    "Email": ("email", {}, "ada@example.com"),
    "Site": ("url", {}, None),
    "Phone": ("phone_number", {}, "+1 555 0100"),
    "Owners": (
        "people",
        {},
        [{"object": "user", "id": "u1", "name": "Ada"}, {"object": "user", "id": "u2"}],
    ),
    "Related": ("relation", {}, [{"id": "p1"}, {"id": "p2"}, {"id": "p3"}]),
    "Files": (
        "files",
        {},
        [{"name": "spec.pdf", "type": "external", "external": {"url": "https://x.test/a"}}],
    ),
    "Created": ("created_time", {}, "2025-01-02T10:03:00.000Z"),
    "Author": ("created_by", {}, {"object": "user", "id": "u1", "name": "Ada"}),
    "Ticket": ("unique_id", {"prefix": "TASK"}, {"prefix": "TASK", "number": 12}),
    "Seq": ("unique_id", {"prefix": None}, {"prefix": None, "number": 7}),
    "Total": (
        "formula",
        {"expression": 'prop("Price") * prop("Qty")'},
        {"type": "number", "number": 10},
    ),
    "Label": ("formula", {"expression": '"x"'}, {"type": "string", "string": "x"}),
    "Broken": ("formula", {"expression": "1 +"}, {"type": "string", "string": "oops"}),
    "Spent": ("rollup", {"function": "sum"}, {"type": "number", "number": 42, "function": "sum"}),
    "Span": (
        "rollup",
        {"function": "date_range"},
        {"type": "date", "date": _date("2025-01-01", "2025-01-10"), "function": "date_range"},
    ),
    "Points": (
        "rollup",
        {"function": "show_original"},
        {
            "type": "array",
            "array": [{"type": "number", "number": n} for n in (1, 2, 3.5)],
            "function": "show_original",
        },
    ),
}
SCHEMA = {name: _schema_prop(name, kind, config) for name, (kind, config, _) in SAMPLE.items()}
PROPERTIES = {
    name: {"id": name.lower(), "type": kind, kind: value}
    for name, (kind, _, value) in SAMPLE.items()
}


def run(expression: str, properties: dict[str, Any] | None = None) -> dict[str, Any]:
    formula = parse_formula(expression, SCHEMA, FIELD)
    return formula.evaluate(PROPERTIES if properties is None else properties, now=NOW)


def num(value: float | None) -> dict[str, Any]:
    return {"type": "number", "number": value}


def text(value: str | None) -> dict[str, Any]:
    return {"type": "string", "string": value}


def boolean(value: bool | None) -> dict[str, Any]:
    return {"type": "boolean", "boolean": value}


def date(start: str | None, end: str | None = None) -> dict[str, Any]:
    return {"type": "date", "date": None if start is None else _date(start, end)}


def _millis(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> int:
    return int(datetime(year, month, day, hour, minute, tzinfo=UTC).timestamp() * 1000)


CASES: list[tuple[str, dict[str, Any]]] = [
    # arithmetic, precedence, associativity
    ("1 + 2 * 3", num(7)),
    ("(1 + 2) * 3", num(9)),
    ("10 - 4 - 3", num(3)),
    ("100 / 10 / 5", num(2)),
    ("2 ^ 3 ^ 2", num(512)),
    ("-2 ^ 2", num(-4)),
    ("2 ^ -1", num(0.5)),
    ("-3 * 2", num(-6)),
    ("--3", num(3)),
    ("7 % 3", num(1)),
    ("-7 % 3", num(-1)),
    ("1.5e2", num(150)),
    (".5 + .25", num(0.75)),
    ("10 / 4", num(2.5)),
    ("0.1 + 0.2", num(0.30000000000000004)),
    ("1 + /* two */ 2", num(3)),
    ('prop("Price") * prop("Qty")', num(10)),
    ('prop("Total") + 1', num(11)),
    ('prop("Spent") / 2', num(21)),
    ("pi > 3.14 and pi < 3.15", boolean(True)),
    ("e", num(math.e)),
    # comparisons
    ("1 < 2", boolean(True)),
    ("2 <= 2", boolean(True)),
    ("3 > 4", boolean(False)),
    ("3 >= 4", boolean(False)),
    ("1 == 1", boolean(True)),
    ("1 != 1", boolean(False)),
    ('"a" < "b"', boolean(True)),
    ("1 < 2 == true", boolean(True)),
    ('prop("Due") < prop("Meeting")', boolean(True)),
    ('prop("Tags") == ["urgent", "home"]', boolean(True)),
    ('prop("Status") == "Done"', boolean(True)),
    ('prop("Empty") > 1', boolean(False)),
    # logic
    ("true and false", boolean(False)),
    ("true or false", boolean(True)),
    ("not true", boolean(False)),
    ("!false", boolean(True)),
    ("true && !false", boolean(True)),
    ("false || true", boolean(True)),
    ("not 1 == 2", boolean(True)),
    ("true or false and false", boolean(True)),
    ('1 > 2 ? "yes" : "no"', text("no")),
    ("true ? 1 : false ? 2 : 3", num(1)),
    ("false ? 1 : false ? 2 : 3", num(3)),
    ('prop("Done") ? "done" : "open"', text("done")),
    ("false and 1 / 0 > 1", boolean(False)),
    ("equal(1, 1)", boolean(True)),
    ('unequal("a", "b")', boolean(True)),
    ("and(true, false)", boolean(False)),
    ("or(false, true)", boolean(True)),
    ("not(false)", boolean(True)),
    # text
    ('"a" + "b"', text("ab")),
    ('"n=" + 1.5', text("n=1.5")),
    ('1 + "x"', text("1x")),
    ('"t:" + true', text("t:true")),
    ('"say \\"hi\\""', text('say "hi"')),
    ('prop("Name") + " (" + prop("Stage") + ")"', text("Widget Pro (In progress)")),
    ('if(prop("Qty") > 3, "many", "few")', text("many")),
    ('ifs(prop("Qty") > 10, "lots", prop("Qty") > 3, "many", "few")', text("many")),
    ("ifs(false, 1, false, 2)", num(None)),
    ('empty(prop("Empty"))', boolean(True)),
    ('empty(prop("Notes"))', boolean(True)),
    ('empty(prop("Name"))', boolean(False)),
    ("empty(0)", boolean(True)),
    ("empty([])", boolean(True)),
    ('length("héllo")', num(5)),
    ('prop("Related").length()', num(3)),
    ('length(prop("Tags"))', num(2)),
    ('concat("a", "b", "c")', text("abc")),
    ('concat(prop("Tags"), ["x"])', text("urgent, home, x")),
    ('join(prop("Tags"), "|")', text("urgent|home")),
    ('join("-", "a", "b")', text("a-b")),
    ('lower("AbC")', text("abc")),
    ('upper(prop("Name"))', text("WIDGET PRO")),
    ('prop("Name").lower().length()', num(10)),
    ('"abc".upper().slice(1)', text("BC")),
    ('contains(prop("Name"), "Pro")', boolean(True)),
    ('contains(prop("Tags"), "home")', boolean(True)),
    ('prop("Tags").includes("x")', boolean(False)),
    ('replace("a-b-c", "-", "+")', text("a+b-c")),
    ('replaceAll("a-b-c", "-", "+")', text("a+b+c")),
    ('replaceAll("2025-01-31", "(\\d+)-(\\d+)-(\\d+)", "$3/$2/$1")', text("31/01/2025")),
    ('test("abc123", "[0-9]+$")', boolean(True)),
    ('test(prop("Email"), "^[^@]+@")', boolean(True)),
    ('slice("abcdef", 1, 3)', text("bc")),
    ('slice("abcdef", -2)', text("ef")),
    ('slice(prop("Tags"), 1)', text("home")),
    ('substring("abcdef", 4, 1)', text("bcd")),
    ('substring("abcdef", -3, 2)', text("ab")),
    ('trim("  a ")', text("a")),
    ('repeat("ab", 3)', text("ababab")),
    ('split("a,b", ",")', text("a, b")),
    ("format(3)", text("3")),
    ("format(2.50)", text("2.5")),
    ("(1 + 2).format()", text("3")),
    ("format(true)", text("true")),
    ("format(1e21)", text("1e+21")),
    ("format(0.0000001)", text("1e-7")),
    ("format(0.000001)", text("0.000001")),
    ('format(prop("Due"))', text("January 31, 2025")),
    ('format(prop("Meeting"))', text("March 20, 2025 2:45 PM → March 20, 2025 3:30 PM")),
    ('toNumber("42")', num(42)),
    ('toNumber("3.5 apples")', num(3.5)),
    ("toNumber(true)", num(1)),
    ('toNumber(prop("Due"))', num(_millis(2025, 1, 31))),
    # numbers
    ("round(2.5)", num(3)),
    ("round(-2.5)", num(-2)),
    ("round(3.14159, 2)", num(3.14)),
    ("floor(-1.5)", num(-2)),
    ("ceil(1.2)", num(2)),
    ("abs(-3)", num(3)),
    ("sqrt(16)", num(4)),
    ("cbrt(27)", num(3)),
    ("exp(0)", num(1)),
    ("ln(1)", num(0)),
    ("log10(1000)", num(3)),
    ("log2(8)", num(3)),
    ("sign(-5)", num(-1)),
    ("min(3, 1, 2)", num(1)),
    ('max(prop("Points"))', num(3.5)),
    ("sum(1, 2, 3)", num(6)),
    ('sum(prop("Points"), 10)', num(16.5)),
    ("mean(1, 2, 3, 4)", num(2.5)),
    ("median(3, 1, 2)", num(2)),
    ("mod(-7, 3)", num(-1)),
    ("pow(2, 10)", num(1024)),
    ("2 ^ 0.5 * 2 ^ 0.5", num(2.0000000000000004)),
    # lists and let
    ("[1, 2, 3].at(1)", num(2)),
    ("[1, 2].first()", num(1)),
    ("[1, 2].last()", num(2)),
    ("let(x, 2, x * x + 1)", num(5)),
    ("lets(a, 2, b, a * 3, a + b)", num(8)),
    ("let(x, 1, let(x, 2, x) + x)", num(3)),
    # dates
    ("now()", date("2025-03-20T10:30:15.000+00:00")),
    ("today()", date("2025-03-20")),
    ('dateAdd(prop("Due"), 1, "months")', date("2025-02-28")),
    ('dateAdd(prop("Due"), 2, "days")', date("2025-02-02")),
    ('dateAdd(prop("Due"), 2, "weeks")', date("2025-02-14")),
    ('dateSubtract(prop("Due"), 1, "years")', date("2024-01-31")),
    ('dateAdd(prop("Due"), 3, "hours")', date("2025-01-31T03:00:00.000+00:00")),
    (
        'dateAdd(prop("Meeting"), 15, "minutes")',
        date("2025-03-20T15:00:00.000+00:00", "2025-03-20T15:45:00.000+00:00"),
    ),
    ('dateBetween(today(), prop("Due"), "days")', num(48)),
    ('dateBetween(prop("Due"), today(), "days")', num(-48)),
    ('dateBetween(today(), prop("Due"), "months")', num(1)),
    ('dateBetween(now(), prop("Created"), "hours")', num(1848)),
    ('dateBetween(now(), prop("Created"), "minutes")', num(110907)),
    ('dateBetween(now(), prop("Created"), "weeks")', num(11)),
    ('dateBetween(now(), prop("Created"), "years")', num(0)),
    ('formatDate(prop("Meeting"), "YYYY-MM-DD HH:mm")', text("2025-03-20 14:45")),
    ('formatDate(prop("Due"), "dddd, MMMM Do YYYY")', text("Friday, January 31st 2025")),
    ('formatDate(now(), "[Week] Q h:mm a")', text("Week 1 10:30 am")),
    ('prop("Due").dateAdd(1, "days").formatDate("YYYY/MM/DD")', text("2025/02/01")),
    ('year(prop("Due"))', num(2025)),
    ('month(prop("Due"))', num(1)),
    ('date(prop("Due"))', num(31)),
    ('day(prop("Due"))', num(5)),
    ('week(prop("Due"))', num(5)),
    ('hour(prop("Meeting"))', num(14)),
    ('minute(prop("Meeting"))', num(45)),
    ('start(prop("Meeting"))', date("2025-03-20T14:45:00.000+00:00")),
    ('end(prop("Meeting"))', date("2025-03-20T15:30:00.000+00:00")),
    ('end(prop("Span"))', date("2025-01-10")),
    ('timestamp(prop("Created"))', num(_millis(2025, 1, 2, 10, 3))),
    ("fromTimestamp(0)", date("1970-01-01T00:00:00.000+00:00")),
    ('parseDate("2025-05-06")', date("2025-05-06")),
    ('dateRange(prop("Due"), today())', date("2025-01-31", "2025-03-20")),
    # property conversions
    ('prop("Name")', text("Widget Pro")),
    ('prop("Notes")', text("")),
    ('prop("Stage")', text("In progress")),
    ('prop("NoStage")', text("")),
    ('prop("Tags")', text("urgent, home")),
    ('prop("Email")', text("ada@example.com")),
    ('prop("Site")', text("")),
    ('prop("Phone")', text("+1 555 0100")),
    ('prop("Owners")', text("Ada, u2")),
    ('prop("Related")', text("p1, p2, p3")),
    ('prop("Files")', text("spec.pdf")),
    ('prop("Created")', date("2025-01-02T10:03:00.000+00:00")),
    ('prop("Author")', text("Ada")),
    ('prop("Ticket")', text("TASK-12")),
    ('prop("Seq") + 1', num(8)),
    ('prop("Label") + "y"', text("xy")),
    ('prop("Broken")', text("oops")),
    ('lower(prop("Broken"))', text("oops")),
    ('prop("Done")', boolean(True)),
    ('prop("Empty")', num(None)),
    ('prop("NoDate")', date(None)),
    ('prop("Span")', date("2025-01-01", "2025-01-10")),
    ('prop("Points")', text("1, 2, 3.5")),
    ('prop("Spent")', num(42)),
    ('if(prop("Done"), prop("Empty"), 1)', num(None)),
]


@pytest.mark.parametrize(("expression", "expected"), CASES, ids=[c[0] for c in CASES])
def test_expression_values(expression: str, expected: dict[str, Any]) -> None:
    assert run(expression) == expected


def test_every_function_appears_in_the_table() -> None:
    from notionhub.localnotion.formula.functions import FUNCTIONS

    used = " ".join(expression for expression, _ in CASES)
    missing = [name for name in FUNCTIONS if f"{name}(" not in used]
    assert missing == []


RUNTIME_EMPTY: list[tuple[str, dict[str, Any]]] = [
    ("1 / 0", num(None)),
    ("5 % 0", num(None)),
    ("mod(1, 0)", num(None)),
    ('prop("Empty") * 2', num(None)),
    ("sqrt(-1)", num(None)),
    ("ln(0)", num(None)),
    ("pow(-8, 1 / 3)", num(None)),
    ("10 ^ 400", num(None)),
    ("1e308 * 10", num(None)),
    ('min(prop("Tags"))', num(None)),
    ('first(prop("Tags")) * 2', num(None)),
    ('prop("Broken") * 2', num(None)),
    ('toNumber("abc")', num(None)),
    ('toNumber("x") + 1', num(None)),
    ('test("a", "(")', boolean(None)),
    ('replace("a", "(", "b")', text(None)),
    ('dateAdd(prop("Due"), 1, "fortnights")', date(None)),
    ('dateAdd(prop("Due"), 100000, "years")', date(None)),
    ('dateAdd(prop("NoDate"), 1, "days")', date(None)),
    ("at([1], 5)", text(None)),
    ('if(prop("Empty") > 0, 1, 2) + 1 / 0', num(None)),
]


@pytest.mark.parametrize(
    ("expression", "expected"), RUNTIME_EMPTY, ids=[c[0] for c in RUNTIME_EMPTY]
)
def test_runtime_problems_give_empty_results(expression: str, expected: dict[str, Any]) -> None:
    assert run(expression) == expected


ERRORS: list[tuple[str, str]] = [
    ("", "the formula expression is empty"),
    ("   ", "the formula expression is empty"),
    ("1 +", "syntax error at character 4: expected a value but found end of expression"),
    ("(1 + 2", 'syntax error at character 7: expected ")" but found end of expression'),
    ("1 2", 'syntax error at character 3: unexpected "2"'),
    ('"abc', "syntax error at character 1: text is not closed with a double quote"),
    ("1 /* x", "syntax error at character 3: comment is not closed"),
    ("1 = 2", 'syntax error at character 3: unexpected character "=" (use "==" to compare)'),
    ("1 # 2", 'unexpected character "#"'),
    ("and", 'expected a value but found "and"'),
    ("f(,)", 'unknown function "f" at character 1'),
    ("lower(,)", 'syntax error at character 7: expected a value but found ","'),
    ('prop("Qty2") * 2', 'unknown property "Qty2" in prop("Qty2").'),
    ("prop(Qty)", 'prop() takes a property name in double quotes, like prop("Price")'),
    ("nope(1)", 'unknown function "nope" at character 1.'),
    ("1.nope()", 'unknown function "nope" at character 3.'),
    ('lower("a", "b")', "lower() takes 1 argument but got 2 (character 1)."),
    ("if(true, 1)", "if() takes 3 arguments but got 2"),
    ("round()", "round() takes 1 to 2 arguments but got 0"),
    ("min()", "min() takes at least 1 argument but got 0"),
    ("now(1)", "now() takes 0 arguments but got 1"),
    ("x + 1", 'unknown name "x"'),
    ("lower", "lower is a function: write lower()"),
    ('"a" - 1', 'type mismatch at character 5: "-" cannot be used with text and number.'),
    ("true + 1", '"+" cannot be used with boolean and number'),
    ('1 == "1"', '"==" cannot be used with number and text'),
    ('prop("Done") and 1', '"and" cannot be used with boolean and number'),
    ('-"a"', '"-" cannot be used with text'),
    ('lower(prop("Price"))', "argument 1 of lower() should be text, not number (character 1)."),
    ('dateAdd(prop("Due"), "1", "days")', "argument 2 of dateAdd() should be number, not text"),
    ("1 ? 2 : 3", 'the condition before "?" should be boolean, not number'),
    ("let(1, 2, 3)", "let() expects a variable name"),
    ("(" * 60 + "1" + ")" * 60, "the formula is nested too deeply"),
    (" + ".join(["1"] * 150), "the formula is nested too deeply"),
]


@pytest.mark.parametrize(("expression", "message"), ERRORS, ids=[e[0][:40] for e in ERRORS])
def test_invalid_expressions_are_rejected(expression: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_formula(expression, SCHEMA, FIELD)
    assert caught.value.message.startswith(f"{FIELD}: ")
    assert message in caught.value.message
    assert caught.value.code == "validation_error"


def test_expression_must_be_a_string() -> None:
    with pytest.raises(ValidationFailed, match="should be a string"):
        parse_formula(42, SCHEMA, FIELD)  # type: ignore[arg-type]


def test_referenced_properties_are_the_props_used() -> None:
    formula = parse_formula('prop("Price") * prop("Qty") + prop("Price")', SCHEMA, FIELD)
    assert isinstance(formula, Formula)
    assert formula.expression == 'prop("Price") * prop("Qty") + prop("Price")'
    assert formula.referenced_properties == frozenset({"Price", "Qty"})
    assert parse_formula("1 + 1", SCHEMA, FIELD).referenced_properties == frozenset()


def test_property_references_by_id_as_the_api_returns_them() -> None:
    schema = {"Price": {**SCHEMA["Price"], "id": "p%3Fx"}, "Qty": SCHEMA["Qty"]}
    expression = (
        "{{notion:block_property:p%3Fx:00000000-0000-0000-0000-000000000000:"
        '8994905a-074a-415f-9bcf-d1f8b4fa38e4}} * prop("Qty")'
    )
    formula = parse_formula(expression, schema, FIELD)
    assert formula.referenced_properties == frozenset({"Price", "Qty"})
    assert formula.evaluate(PROPERTIES, now=NOW) == num(10)
    assert parse_formula("{{notion:block_property:p?x}} + 1", schema, FIELD).result_type == "number"
    with pytest.raises(ValidationFailed, match='unknown property id "zzz"'):
        parse_formula("{{notion:block_property:zzz:0:0}} + 1", schema, FIELD)


def test_result_type_is_static_where_possible() -> None:
    assert parse_formula('if(prop("Done"), 1, 2)', SCHEMA, FIELD).result_type == "number"
    assert parse_formula('prop("Total") * 2', SCHEMA, FIELD).result_type == "number"
    assert parse_formula('prop("Name") + 1', SCHEMA, FIELD).result_type == "string"
    assert parse_formula('prop("Broken")', SCHEMA, FIELD).result_type == "any"
    # An empty value keeps the expression's type, even when it comes from another formula.
    no_total = {**PROPERTIES, "Total": {"id": "total", "type": "formula", "formula": num(None)}}
    assert run('prop("Total") * 2', no_total) == num(None)
    assert run('if(prop("Done"), "a", "b")', {}) == text(None)


def test_missing_property_values_read_as_empty() -> None:
    assert run('prop("Price") * 2', {}) == num(None)
    assert run('prop("Name") + "!"', {}) == text("!")
    assert run('prop("Done")', {}) == boolean(None)


def test_malformed_stored_values_read_as_empty() -> None:
    broken = {"Price": {"id": "price", "type": "number", "number": "abc"}}
    assert run('prop("Price") + 1', broken) == num(None)


def test_dates_without_offset_are_read_in_their_time_zone() -> None:
    value = _date("2025-01-02T10:00:00.000", None)
    zoned = {"When": {"id": "w", "type": "date", "date": {**value, "time_zone": "Europe/Paris"}}}
    schema = {"When": _schema_prop("When", "date")}
    formula = parse_formula(
        'formatDate(prop("When"), "HH:mm") + " " + timestamp(prop("When"))', schema, FIELD
    )
    assert formula.evaluate(zoned, now=NOW) == text(f"10:00 {_millis(2025, 1, 2, 9)}")
    unknown = {"When": {"id": "w", "type": "date", "date": {**value, "time_zone": "Nowhere/X"}}}
    assert formula.evaluate(unknown, now=NOW) == text(f"10:00 {_millis(2025, 1, 2, 10)}")


def test_naive_now_is_taken_as_utc() -> None:
    formula = parse_formula("now()", SCHEMA, FIELD)
    assert formula.evaluate({}, now=datetime(2025, 1, 2, 3, 4)) == date(
        "2025-01-02T03:04:00.000+00:00"
    )


def test_circular_references_are_rejected() -> None:
    schema = {
        "A": _schema_prop("A", "formula", {"expression": 'prop("B") + 1'}),
        "B": _schema_prop("B", "formula", {"expression": 'prop("A") * 2'}),
    }
    with pytest.raises(
        ValidationFailed,
        match=r'circular reference: prop\("B"\) → prop\("A"\) → prop\("B"\)\.$',
    ):
        parse_formula('prop("B") + 1', schema, FIELD)
    own = {"A": _schema_prop("A", "formula", {"expression": 'prop("A")'})}
    with pytest.raises(ValidationFailed, match="circular reference"):
        parse_formula('prop("A")', own, FIELD)


def test_formula_chains_infer_types_through_other_formulas() -> None:
    schema = {
        "N": _schema_prop("N", "number"),
        "A": _schema_prop("A", "formula", {"expression": 'prop("N") * 2'}),
        "B": _schema_prop("B", "formula", {"expression": 'prop("A") + 1'}),
    }
    formula = parse_formula('prop("B") / 2', schema, FIELD)
    assert formula.result_type == "number"
    with pytest.raises(ValidationFailed, match="type mismatch"):
        parse_formula('prop("B") and true', schema, FIELD)


def test_whole_numbers_render_as_int() -> None:
    result = run("6 / 2")
    assert result == num(3)
    assert isinstance(result["number"], int)
    assert isinstance(run("2 ^ 60")["number"], float)  # beyond 2**53 a double is not exact


# --- property tests ---


class _Ref:
    """An independent reference number: Python floats, failing where the formula goes empty."""

    def __init__(self, value: float | None) -> None:
        self.value = value

    def _check(self, result: float) -> _Ref:
        if isinstance(result, complex) or not math.isfinite(result):
            raise ArithmeticError
        return _Ref(result)

    def _both(self, other: _Ref) -> tuple[float, float]:
        if self.value is None or other.value is None:
            raise ArithmeticError
        return self.value, other.value

    def __add__(self, other: _Ref) -> _Ref:
        a, b = self._both(other)
        return self._check(a + b)

    def __sub__(self, other: _Ref) -> _Ref:
        a, b = self._both(other)
        return self._check(a - b)

    def __mul__(self, other: _Ref) -> _Ref:
        a, b = self._both(other)
        return self._check(a * b)

    def __truediv__(self, other: _Ref) -> _Ref:
        a, b = self._both(other)
        return self._check(a / b)

    def __pow__(self, other: _Ref) -> _Ref:
        a, b = self._both(other)
        return self._check(a**b)

    def __neg__(self) -> _Ref:
        if self.value is None:
            raise ArithmeticError
        return _Ref(-self.value)


_NUMBERS = st.one_of(
    st.none(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
)
_VARIABLES = ("A", "B", "C")


def _leaf() -> st.SearchStrategy[tuple[str, str]]:
    props = st.sampled_from(_VARIABLES).map(lambda n: (f'prop("{n}")', n))
    literals = st.floats(min_value=0, max_value=1e6, allow_nan=False).map(
        lambda x: (repr(x), f"R({x!r})")
    )
    return st.one_of(props, literals)


def _extend(children: st.SearchStrategy[tuple[str, str]]) -> st.SearchStrategy[tuple[str, str]]:
    binary = st.tuples(children, st.sampled_from(["+", "-", "*", "/", "^"]), children).map(
        lambda t: (
            f"{t[0][0]} {t[1]} {t[2][0]}",
            f"{t[0][1]} {'**' if t[1] == '^' else t[1]} {t[2][1]}",
        )
    )
    negated = children.map(lambda c: (f"-{c[0]}", f"-{c[1]}"))
    grouped = children.map(lambda c: (f"({c[0]})", f"({c[1]})"))
    return st.one_of(binary, negated, grouped)


_EXPRESSIONS = st.recursive(_leaf(), _extend, max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(expression=_EXPRESSIONS, values=st.tuples(_NUMBERS, _NUMBERS, _NUMBERS))
def test_arithmetic_matches_python(expression: tuple[str, str], values: tuple[Any, ...]) -> None:
    formula_text, python_text = expression
    env = {
        name: _Ref(None if v is None else float(v))
        for name, v in zip(_VARIABLES, values, strict=True)
    }
    try:
        # Python's own grammar gives the reference precedence (** is right-associative and
        # binds tighter than a unary minus on its left, as ^ does in Notion).
        reference = eval(python_text, {"R": _Ref, **env})
        expected = reference.value
    except (ArithmeticError, ZeroDivisionError):
        expected = None
    properties = {
        name: {"id": name, "type": "number", "number": value}
        for name, value in zip(_VARIABLES, values, strict=True)
    }
    schema = {name: _schema_prop(name, "number") for name in _VARIABLES}
    result = parse_formula(formula_text, schema, FIELD).evaluate(properties, now=NOW)
    assert result == num(expected)


_FRAGMENTS = [
    'prop("Price")', 'prop("Name")', 'prop("Due")', 'prop("Tags")', 'prop("Nope")', "(", ")",
    "[", "]", "+", "-", "*", "/", "^", "%", "==", "<", "!", "and", "or", "not", "?", ":", ",",
    ".", '"x"', '"\\d+"', "1", "0", "2.5", "true", "if", "lower", "dateAdd", "let", "x",
    "length", "format", "now()", '"days"', "/*", "*/", '"',
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(
    source=st.one_of(
        st.text(max_size=40),
        st.lists(st.sampled_from(_FRAGMENTS), max_size=14).map(" ".join),
        st.lists(st.sampled_from(_FRAGMENTS), max_size=14).map("".join),
    )
)
def test_parse_raises_only_validation_failed(source: str) -> None:
    try:
        formula = parse_formula(source, SCHEMA, FIELD)
    except ValidationFailed as exc:
        assert exc.message.startswith(FIELD)
        return
    result = formula.evaluate(PROPERTIES, now=NOW)
    assert result["type"] in {"number", "string", "boolean", "date"}
    assert set(result) == {"type", result["type"]}


# Leaves whose static type is "any" but whose run-time values differ, so that type checks pass
# and every function meets values of every kind when the formula runs.
_ANY_LEAVES = [
    f'at([1, -2.5, 0, 1e300, "a", "days", "(x", "YYYY", true, [1, "a"], [], today(), '
    f'prop("Meeting"), prop("Tags")], {index})'
    for index in range(14)
] + ['prop("Broken")', 'first(prop("Points"))', '"months"', "3", "true", 'prop("Due")']


def _grow(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    from notionhub.localnotion.formula.functions import FUNCTIONS

    names = st.sampled_from(sorted(FUNCTIONS))
    call = st.tuples(names, st.lists(children, max_size=3)).map(
        lambda t: f"{t[0]}({', '.join(t[1])})"
    )
    operators = st.sampled_from(["+", "-", "*", "/", "%", "^", "==", "<", "and", "or"])
    binary = st.tuples(children, operators, children).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
    return st.one_of(call, binary, children.map(lambda c: f"not {c}"))


@settings(max_examples=400, deadline=None)
@given(source=st.recursive(st.sampled_from(_ANY_LEAVES), _grow, max_leaves=6))
def test_checked_formulas_never_raise_when_evaluated(source: str) -> None:
    try:
        formula = parse_formula(source, SCHEMA, FIELD)
    except ValidationFailed:
        return
    result = formula.evaluate(PROPERTIES, now=NOW)
    assert result["type"] in {"number", "string", "boolean", "date"}
