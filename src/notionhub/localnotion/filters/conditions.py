"""The operators of filter conditions (``{"greater_than": 3}``), grouped in families.

A family is the set of operators one kind of value accepts; several property types share a
family (title, rich_text, url, email and phone_number all filter as ``text``). Each operator
checks and converts its operand once, when the filter is compiled, then tests normalized
values: ``text`` tests a ``str``, ``number`` an ``int | float | None``, ``checkbox`` a
``bool``, ``select`` an option name or ``None``, ``multi_select``/``people``/``relation`` a
list of names or compact ids, ``date`` a ``Span | None``, ``files`` a list.

Negative operators (``does_not_equal``, ``does_not_contain``) are the exact negation of their
positive twin, so they also match empty values, as Notion's "is not"/"does not contain" do.
Text comparisons ignore case (``str.lower``, the same folding the SQLite property index uses, so
its narrowing stays a superset); option names and ids compare exactly.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from notionhub.errors import ValidationFailed
from notionhub.localnotion.api.fields import notion_length
from notionhub.localnotion.api.ids import is_id
from notionhub.localnotion.filters.dates import RELATIVE_RANGES, Span, parse_span, relative_span
from notionhub.localnotion.rich_text.items import MAX_TEXT_LENGTH

ValueTest = Callable[[Any], bool]
"""A compiled condition: does this normalized value match?"""


@dataclass(frozen=True)
class Operator:
    """One operator: how to check its operand, and how to test a value against it."""

    parse: Callable[[object, str, datetime], Any]
    test: Callable[[Any, Any], bool]


def fail(path: str, expected: str, value: object) -> ValidationFailed:
    """Notion's wording for a value of the wrong shape at ``path``."""
    return ValidationFailed(f"{path} should be {expected}, instead was {show(value)}.")


def show(value: object) -> str:
    """``value`` as JSON for an error message, cut short if long."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def compact_id(value: str) -> str:
    """An id without dashes, lower case: the form ids compare in."""
    return value.replace("-", "").lower()


# Operand parsers: (operand, path, now) -> the value the test compares against.


def _string(value: object, path: str, now: datetime) -> str:
    """A string operand, at most as long as a rich text item's content (Notion's documented
    2,000-character limit): text, option names and formula strings are compared with it. The
    limit also keeps the ``LIKE`` patterns the property index builds from it far below
    SQLite's 50,000-byte pattern limit (a few kilobytes at most, escaped and lower-cased)."""
    if not isinstance(value, str):
        raise fail(path, "a string", value)
    if (length := notion_length(value)) > MAX_TEXT_LENGTH:
        raise ValidationFailed(
            f"{path}.length should be ≤ `{MAX_TEXT_LENGTH}`, instead was `{length}`."
        )
    return value


def _folded(value: object, path: str, now: datetime) -> str:
    return _string(value, path, now).lower()


def _number(value: object, path: str, now: datetime) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail(path, "a number", value)
    return value


def _boolean(value: object, path: str, now: datetime) -> bool:
    if not isinstance(value, bool):
        raise fail(path, "a boolean", value)
    return value


def _true(value: object, path: str, now: datetime) -> bool:
    if value is not True:
        raise fail(path, "`true`", value)
    return True


def _uuid(value: object, path: str, now: datetime) -> str:
    if not isinstance(value, str) or not is_id(value):
        raise fail(path, "a valid uuid", value)
    return compact_id(value)


def _date(value: object, path: str, now: datetime) -> Span:
    span = parse_span(value)
    if span is None:
        raise fail(path, "a valid ISO 8601 date string", value)
    return span


def _relative(name: str) -> Callable[[object, str, datetime], Span]:
    """The parser of the relative date operator ``name``: its operand is always ``{}``."""

    def parse(value: object, path: str, now: datetime) -> Span:
        if value != {}:
            raise fail(path, "an empty object `{}`", value)
        return relative_span(name, now)

    return parse


# Families.

_EXISTENCE_OF_LIST = {
    "is_empty": Operator(_true, lambda v, _: not v),
    "is_not_empty": Operator(_true, lambda v, _: bool(v)),
}
_EXISTENCE_OF_SCALAR = {
    "is_empty": Operator(_true, lambda v, _: v is None),
    "is_not_empty": Operator(_true, lambda v, _: v is not None),
}

TEXT: dict[str, Operator] = {
    "equals": Operator(_folded, lambda v, x: v.lower() == x),
    "does_not_equal": Operator(_folded, lambda v, x: v.lower() != x),
    "contains": Operator(_folded, lambda v, x: x in v.lower()),
    "does_not_contain": Operator(_folded, lambda v, x: x not in v.lower()),
    "starts_with": Operator(_folded, lambda v, x: v.lower().startswith(x)),
    "ends_with": Operator(_folded, lambda v, x: v.lower().endswith(x)),
    "is_empty": Operator(_true, lambda v, _: v == ""),
    "is_not_empty": Operator(_true, lambda v, _: v != ""),
}

_COMPARISONS = {
    "equals": Operator(_number, lambda v, x: v is not None and v == x),
    "does_not_equal": Operator(_number, lambda v, x: v is None or v != x),
    "greater_than": Operator(_number, lambda v, x: v is not None and v > x),
    "less_than": Operator(_number, lambda v, x: v is not None and v < x),
    "greater_than_or_equal_to": Operator(_number, lambda v, x: v is not None and v >= x),
    "less_than_or_equal_to": Operator(_number, lambda v, x: v is not None and v <= x),
}
NUMBER: dict[str, Operator] = {**_COMPARISONS, **_EXISTENCE_OF_SCALAR}

CHECKBOX: dict[str, Operator] = {
    "equals": Operator(_boolean, lambda v, x: v is x),
    "does_not_equal": Operator(_boolean, lambda v, x: v is not x),
}

SELECT: dict[str, Operator] = {
    "equals": Operator(_string, lambda v, x: v == x),
    "does_not_equal": Operator(_string, lambda v, x: v != x),
    **_EXISTENCE_OF_SCALAR,
}

MULTI_SELECT: dict[str, Operator] = {
    "contains": Operator(_string, lambda v, x: x in v),
    "does_not_contain": Operator(_string, lambda v, x: x not in v),
    **_EXISTENCE_OF_LIST,
}

IDS: dict[str, Operator] = {
    "contains": Operator(_uuid, lambda v, x: x in v),
    "does_not_contain": Operator(_uuid, lambda v, x: x not in v),
    **_EXISTENCE_OF_LIST,
}

DATE: dict[str, Operator] = {
    "equals": Operator(_date, lambda v, x: v is not None and v.overlaps(x)),
    "before": Operator(_date, lambda v, x: v is not None and v.before(x)),
    "after": Operator(_date, lambda v, x: v is not None and v.after(x)),
    "on_or_before": Operator(_date, lambda v, x: v is not None and not v.after(x)),
    "on_or_after": Operator(_date, lambda v, x: v is not None and not v.before(x)),
    **_EXISTENCE_OF_SCALAR,
    **{
        name: Operator(_relative(name), lambda v, x: v is not None and v.overlaps(x))
        for name in RELATIVE_RANGES
    },
}

FILES: dict[str, Operator] = dict(_EXISTENCE_OF_LIST)

FAMILIES: dict[str, dict[str, Operator]] = {
    "text": TEXT,
    "number": NUMBER,
    "checkbox": CHECKBOX,
    "select": SELECT,
    "status": SELECT,
    "multi_select": MULTI_SELECT,
    "people": IDS,
    "relation": IDS,
    "date": DATE,
    "files": FILES,
}
"""Family name -> its operators. Adding an operator is adding an entry here."""


def compile_condition(family: str, condition: object, path: str, now: datetime) -> ValueTest:
    """Check a condition object of ``family`` at ``path`` and compile it to a value test."""
    operators = FAMILIES[family]
    if not isinstance(condition, dict) or len(condition) != 1:
        raise fail(path, f"an object with exactly one of {_names(operators)}", condition)
    ((name, operand),) = condition.items()
    operator = operators.get(name)
    if operator is None:
        raise ValidationFailed(
            f"{path}.{name} is not a valid operator here; "
            f"{path} should have exactly one of {_names(operators)}."
        )
    parsed = operator.parse(operand, f"{path}.{name}", now)
    test = operator.test
    return lambda value: test(value, parsed)


def _names(operators: dict[str, Operator]) -> str:
    return ", ".join(f"`{name}`" for name in operators)
