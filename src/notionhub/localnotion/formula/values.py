"""The values a formula computes with, and how they come from and go back to Notion JSON.

Formula values are plain Python objects:

    number   float (ints from JSON are turned into floats, like JavaScript numbers)
    string   str
    boolean  bool
    date     DateValue (start, optional end, whether it carries a time)
    list     list of values (multi_select names, people, relation ids, rollup arrays)
    empty    None (an empty number or date, or the result of a run-time problem)

Static types (``FType``) are the same names plus ``"any"`` for values whose type is only known
when the formula runs (e.g. a rollup or a formula whose type could not be inferred).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from typing import Any, Literal, TypeAlias, TypeGuard
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from notionhub.errors import NotionhubError
from notionhub.localnotion.formula.date_format import (
    DATE_PATTERN,
    DATETIME_PATTERN,
    format_datetime,
)

FType = Literal["number", "string", "boolean", "date", "list", "any"]
ALL_TYPES: frozenset[FType] = frozenset({"number", "string", "boolean", "date", "list", "any"})


class FormulaRuntimeError(NotionhubError):
    """A run-time problem inside a formula (division by zero, a value of the wrong type).

    Internal: ``Formula.evaluate`` turns it into an empty result, as Notion shows an empty cell.
    """


@dataclass(frozen=True)
class DateValue:
    """A date or range; ``start``/``end`` are timezone-aware, a date-only one is at UTC midnight."""

    start: datetime
    end: datetime | None = None
    has_time: bool = True


Value: TypeAlias = "float | str | bool | DateValue | list[Value] | None"


@dataclass
class EvalContext:
    """What a running formula can see: the page's properties, the clock, and ``let`` variables."""

    properties: Mapping[str, Mapping[str, Any]]
    now: datetime
    variables: dict[str, Value] = field(default_factory=dict)


def is_number(value: object) -> TypeGuard[float]:
    """Whether ``value`` is a formula number (bool is an int in Python, but not here)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def type_of(value: Value) -> FType:
    """The formula type of a run-time value; ``"any"`` for empty."""
    if isinstance(value, bool):
        return "boolean"
    if is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, DateValue):
        return "date"
    if isinstance(value, list):
        return "list"
    return "any"


# --- run-time coercions: each raises FormulaRuntimeError on a value of the wrong type ---


def as_number(value: Value) -> float:
    if is_number(value):
        return float(value)
    raise FormulaRuntimeError(f"expected a number, got {type_of(value)}")


def as_text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    raise FormulaRuntimeError(f"expected text, got {type_of(value)}")


def as_bool(value: Value) -> bool:
    if isinstance(value, bool):
        return value
    raise FormulaRuntimeError(f"expected a boolean, got {type_of(value)}")


def as_date(value: Value) -> DateValue:
    if isinstance(value, DateValue):
        return value
    raise FormulaRuntimeError(f"expected a date, got {type_of(value)}")


def as_list(value: Value) -> list[Value]:
    if isinstance(value, list):
        return value
    raise FormulaRuntimeError(f"expected a list, got {type_of(value)}")


# --- dates ---


def parse_iso(text: str, zone: tzinfo = UTC) -> DateValue:
    """A DateValue from Notion's ISO 8601 text (``2025-01-02`` or ``2025-01-02T10:00:00.000Z``).

    A time without an offset is read in ``zone`` (the value's ``time_zone``, else UTC).
    """
    if "T" not in text and len(text) <= 10:
        day = datetime.fromisoformat(text)
        return DateValue(day.replace(tzinfo=UTC), None, has_time=False)
    moment = datetime.fromisoformat(text)
    return DateValue(aware(moment, zone), None, has_time=True)


def aware(moment: datetime, zone: tzinfo = UTC) -> datetime:
    """``moment`` placed in ``zone`` when it carries no offset."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def iso_text(moment: datetime, has_time: bool) -> str:
    """Notion's ISO form: ``2025-01-02`` or ``2025-01-02T10:00:00.000+00:00``."""
    if not has_time:
        return moment.date().isoformat()
    millis = f"{moment.microsecond // 1000:03d}"
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + millis + moment.isoformat()[-6:]


def _date_text(date: DateValue) -> str:
    pattern = DATETIME_PATTERN if date.has_time else DATE_PATTERN
    text = format_datetime(date.start, pattern)
    if date.end is not None:
        text += " → " + format_datetime(date.end, pattern)
    return text


# --- text form of any value (format(), string concatenation) ---


def number_text(number: float) -> str:
    """A number written the way JavaScript's ``String(n)`` does (``3``, ``0.5``, ``1e+21``)."""
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number.is_integer() and abs(number) < 1e21:
        return str(int(number))
    if 1e-6 <= abs(number) < 1e21:
        return format(Decimal(repr(number)), "f")
    mantissa, exponent = repr(number).split("e")
    return f"{mantissa}e{'-' if exponent.startswith('-') else '+'}{exponent.lstrip('+-0')}"


def format_value(value: Value) -> str:
    """The text Notion shows for a value: ``format(x)`` and the text side of ``+``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return number_text(float(value))
    if isinstance(value, DateValue):
        return _date_text(value)
    if isinstance(value, list):
        return ", ".join(format_value(item) for item in value)
    return str(value)


# --- property value JSON -> formula value ---


def _plain_text(items: Any) -> str:
    parts = []
    for item in items or []:
        text = item.get("plain_text")
        if text is None:
            text = (item.get("text") or {}).get("content", "")
        parts.append(text)
    return "".join(parts)


def _number(raw: Any) -> Value:
    return None if raw is None or isinstance(raw, bool) else float(raw)


def _option_name(raw: Any) -> str:
    return "" if raw is None else str(raw["name"])


def _date(raw: Any) -> Value:
    if not raw or not raw.get("start"):
        return None
    zone = _zone(raw.get("time_zone"))
    start = parse_iso(raw["start"], zone)
    end = parse_iso(raw["end"], zone).start if raw.get("end") else None
    return DateValue(start.start, end, start.has_time)


def _zone(name: Any) -> tzinfo:
    """The named IANA zone of a date value; UTC when absent or unknown here."""
    if not isinstance(name, str) or not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _timestamp(raw: Any) -> Value:
    return None if not raw else parse_iso(raw)


def _user_label(user: Any) -> str:
    """A person's name when the stored user carries one, else its id."""
    return "" if not user else str(user.get("name") or user.get("id", ""))


def _unique_id(raw: Any) -> Value:
    if not raw or raw.get("number") is None:
        return None
    prefix = raw.get("prefix")
    return f"{prefix}-{raw['number']}" if prefix else float(raw["number"])


_RESULT_READERS: dict[str, Callable[[Any], Value]] = {
    "number": _number,
    "string": lambda raw: "" if raw is None else str(raw),
    "boolean": bool,
    "date": _date,
}


def _formula_result(raw: Any) -> Value:
    reader = _RESULT_READERS.get((raw or {}).get("type", ""))
    return None if reader is None else reader(raw.get(raw["type"]))


def _rollup(raw: Any) -> Value:
    kind = (raw or {}).get("type")
    if kind == "array":
        items: list[Value] = []
        for item in raw.get("array") or []:
            value = from_property_value(item)
            # show_original over a list property gives lists of lists; one flat list reads better.
            items.extend(value if isinstance(value, list) else [value])
        return items
    reader = _RESULT_READERS.get(kind or "")
    return None if reader is None else reader(raw.get(kind))


_FROM_PROPERTY: dict[str, Callable[[Any], Value]] = {
    "title": _plain_text,
    "rich_text": _plain_text,
    "number": _number,
    "checkbox": bool,
    "select": _option_name,
    "status": _option_name,
    "multi_select": lambda raw: [str(option["name"]) for option in raw or []],
    "date": _date,
    "email": lambda raw: raw or "",
    "url": lambda raw: raw or "",
    "phone_number": lambda raw: raw or "",
    "people": lambda raw: [_user_label(user) for user in raw or []],
    "created_by": _user_label,
    "last_edited_by": _user_label,
    "relation": lambda raw: [str(page["id"]) for page in raw or []],
    "files": lambda raw: [str(item.get("name", "")) for item in raw or []],
    "created_time": _timestamp,
    "last_edited_time": _timestamp,
    "unique_id": _unique_id,
    "formula": _formula_result,
    "rollup": _rollup,
}


def from_property_value(prop: Mapping[str, Any] | None) -> Value:
    """The formula value of a rendered property value; empty for unknown or malformed values."""
    if not prop:
        return None
    kind = prop.get("type", "")
    reader = _FROM_PROPERTY.get(kind)
    if reader is None:
        return None
    try:
        return reader(prop.get(kind))
    except (KeyError, TypeError, ValueError, AttributeError):
        # A stored value that does not fit its type reads as empty rather than breaking the page.
        return None


# --- schema property -> static type ---

_STATIC_TYPES: dict[str, FType] = {
    "title": "string",
    "rich_text": "string",
    "select": "string",
    "status": "string",
    "email": "string",
    "url": "string",
    "phone_number": "string",
    "created_by": "string",
    "last_edited_by": "string",
    "number": "number",
    "checkbox": "boolean",
    "date": "date",
    "created_time": "date",
    "last_edited_time": "date",
    "multi_select": "list",
    "people": "list",
    "relation": "list",
    "files": "list",
}

_DATE_ROLLUPS = {"earliest_date", "latest_date", "date_range"}
_LIST_ROLLUPS = {"show_original", "show_unique"}


def static_type_of_property(schema_prop: Mapping[str, Any]) -> FType:
    """The formula type of ``prop("X")`` for a non-formula property of the schema."""
    kind = schema_prop.get("type", "")
    config = schema_prop.get(kind) or {}
    if kind == "unique_id":
        return "string" if config.get("prefix") else "number"
    if kind == "rollup":
        function = config.get("function")
        if function in _DATE_ROLLUPS:
            return "date"
        return "list" if function in _LIST_ROLLUPS else "number"
    return _STATIC_TYPES.get(kind, "any")


# --- formula value -> rendered formula result ---


def _json_number(value: Value) -> int | float | None:
    number = as_number(value)
    if not math.isfinite(number):
        return None
    # Whole numbers come back as ints (3, not 3.0) as long as a double holds them exactly.
    if number.is_integer() and abs(number) <= 2**53:
        return int(number)
    return number


def _json_date(value: Value) -> dict[str, Any] | None:
    if not isinstance(value, DateValue):
        return None
    end = None if value.end is None else iso_text(value.end, value.has_time)
    return {"start": iso_text(value.start, value.has_time), "end": end, "time_zone": None}


_RENDERERS: dict[str, tuple[str, Callable[[Value], Any]]] = {
    "number": ("number", _json_number),
    "string": ("string", lambda value: value),
    "boolean": ("boolean", lambda value: value),
    "date": ("date", _json_date),
    # The API has no list result: lists are shown as their comma-separated text.
    "list": ("string", format_value),
    "any": ("string", lambda value: value),
}


def render_result(value: Value, static_type: FType) -> dict[str, Any]:
    """The formula property value: ``{"type": "number", "number": 3}`` and friends.

    The type is the value's own type; an empty value takes the expression's static type.
    """
    kind = static_type if value is None else type_of(value)
    result_type, render = _RENDERERS[kind]
    rendered = None if value is None else render(value)
    return {"type": result_type, result_type: rendered}
