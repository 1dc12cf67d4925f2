"""How each property type is read for filtering: its condition family and its normalized value.

An extractor takes the payload of a rendered property value (``value[value["type"]]``, e.g. the
list of rich text items of a title, or ``None`` when absent) and returns what the family's
operators test (see ``filters.conditions``). Extractors never raise: a malformed or
missing value reads as empty.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from notionhub.localnotion.filters.conditions import compact_id
from notionhub.localnotion.filters.dates import Span, parse_span


@dataclass(frozen=True)
class ValueKind:
    """A property type's condition family and how to normalize its payload for it."""

    family: str
    extract: Callable[[Any], Any]


def plain_text(raw: Any) -> str:
    """The text of a rich text list, or of a plain string (url, email, formula string)."""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, list):
        return "".join(item.get("plain_text") or "" for item in raw if isinstance(item, dict))
    return ""


def number(raw: Any) -> int | float | None:
    """A number, or ``None`` when empty (booleans are not numbers)."""
    return raw if isinstance(raw, int | float) and not isinstance(raw, bool) else None


def checkbox(raw: Any) -> bool:
    """A checkbox; anything but ``true`` reads as unchecked."""
    return raw is True


def option_name(raw: Any) -> str | None:
    """The name of a select or status option."""
    name = raw.get("name") if isinstance(raw, dict) else None
    return name if isinstance(name, str) else None


def option_names(raw: Any) -> list[str]:
    """The names of multi-select options, in order."""
    items = raw if isinstance(raw, list) else []
    return [name for name in map(option_name, items) if name is not None]


def object_ids(raw: Any) -> list[str]:
    """Compact ids of a list of users or page references, or of one user (created_by)."""
    items = raw if isinstance(raw, list) else [raw]
    return [
        compact_id(item["id"])
        for item in items
        if isinstance(item, dict) and isinstance(item.get("id"), str)
    ]


def date_span(raw: Any) -> Span | None:
    """The span of a date value's start; the end of a range is not compared."""
    if not isinstance(raw, dict):
        return None
    return parse_span(raw.get("start"), raw.get("time_zone"))


def timestamp_span(raw: Any) -> Span | None:
    """The span of an ISO timestamp string (created_time, last_edited_time)."""
    return parse_span(raw)


def file_list(raw: Any) -> list[Any]:
    """The files of a files property."""
    return raw if isinstance(raw, list) else []


def unique_number(raw: Any) -> int | float | None:
    """The number of a unique id (its prefix is not compared)."""
    return number(raw.get("number")) if isinstance(raw, dict) else None


_TEXT = ValueKind("text", plain_text)
_DATE = ValueKind("date", date_span)
_TIMESTAMP = ValueKind("date", timestamp_span)
_USERS = ValueKind("people", object_ids)

VALUE_KINDS: dict[str, ValueKind] = {
    "title": _TEXT,
    "rich_text": _TEXT,
    "url": _TEXT,
    "email": _TEXT,
    "phone_number": _TEXT,
    "number": ValueKind("number", number),
    "checkbox": ValueKind("checkbox", checkbox),
    "select": ValueKind("select", option_name),
    "status": ValueKind("status", option_name),
    "multi_select": ValueKind("multi_select", option_names),
    "date": _DATE,
    "created_time": _TIMESTAMP,
    "last_edited_time": _TIMESTAMP,
    "people": _USERS,
    "created_by": _USERS,
    "last_edited_by": _USERS,
    "relation": ValueKind("relation", object_ids),
    "files": ValueKind("files", file_list),
    "unique_id": ValueKind("number", unique_number),
}
"""Property type -> how it filters. Types missing here (bar formula, rollup) can't be filtered."""

FORMULA_RESULTS: dict[str, tuple[str, ValueKind]] = {
    "string": ("string", ValueKind("text", plain_text)),
    "number": ("number", ValueKind("number", number)),
    "checkbox": ("boolean", ValueKind("checkbox", checkbox)),
    "date": ("date", _DATE),
}
"""Formula filter key -> (the result type it applies to, how that result filters)."""

ROLLUP_ELEMENT_FILTERS: tuple[str, ...] = (
    "rich_text",
    "number",
    "checkbox",
    "select",
    "multi_select",
    "relation",
    "date",
    "people",
    "files",
    "status",
)
"""The condition keys allowed inside a rollup's ``any``/``every``/``none`` (Notion's list)."""
