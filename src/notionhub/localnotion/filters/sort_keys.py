"""Sort keys of property values: how each property type orders, and what counts as empty.

A key function takes the payload of a rendered property value (``value[type]``) and the
property's schema entry, and returns a comparable key, or ``None`` for an empty value (empty
values sort after all others, in both directions). Keys of one property always compare with
each other; formula and rollup keys carry a type rank first so mixed results still compare.

Ordering per type: text by its plain text, ignoring case; numbers and unique ids by number;
dates by their start; checkboxes unchecked first; select and status by the position of the
option in the schema (Notion orders options as they are listed), unknown options after known
ones; multi-select by its options' positions in order (first option first); people by name,
then id; relations by page id; files by name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from notionhub.localnotion.filters.values import (
    date_span,
    number,
    object_ids,
    plain_text,
    timestamp_span,
    unique_number,
)

SortKey = Callable[[Any, dict[str, Any]], Any]
"""(payload, schema property) -> comparable key, or None when empty."""


def text_key(raw: Any, prop: dict[str, Any]) -> str | None:
    """Plain text, case-folded; empty text is empty."""
    return plain_text(raw).casefold() or None


def number_key(raw: Any, prop: dict[str, Any]) -> int | float | None:
    """The number itself."""
    return number(raw)


def checkbox_key(raw: Any, prop: dict[str, Any]) -> bool:
    """Unchecked before checked; a checkbox is never empty."""
    return raw is True


def date_key(raw: Any, prop: dict[str, Any]) -> int | None:
    """The start of a date value, in epoch milliseconds."""
    span = date_span(raw)
    return None if span is None else span.start


def timestamp_key(raw: Any, prop: dict[str, Any]) -> int | None:
    """A created/last edited time, in epoch milliseconds."""
    span = timestamp_span(raw)
    return None if span is None else span.start


def _option_rank(option: Any, prop: dict[str, Any]) -> tuple[int, str] | None:
    """(position in the schema's option list, name); unknown names rank after all options."""
    name = option.get("name") if isinstance(option, dict) else None
    if not isinstance(name, str):
        return None
    config = prop.get(str(prop.get("type"))) or {}
    names = [o.get("name") for o in config.get("options") or [] if isinstance(o, dict)]
    return (names.index(name) if name in names else len(names), name)


def option_key(raw: Any, prop: dict[str, Any]) -> tuple[int, str] | None:
    """A select or status option by its schema position."""
    return _option_rank(raw, prop)


def options_key(raw: Any, prop: dict[str, Any]) -> tuple[tuple[int, str], ...] | None:
    """Multi-select options by their schema positions, first option first."""
    items = raw if isinstance(raw, list) else []
    ranks = tuple(rank for rank in (_option_rank(o, prop) for o in items) if rank is not None)
    return ranks or None


def people_key(raw: Any, prop: dict[str, Any]) -> tuple[tuple[int, str], ...] | None:
    """Users by name (case-folded), unnamed users after named ones by id."""
    users = raw if isinstance(raw, list) else [raw]
    ranks = tuple(_user_rank(user) for user in users if isinstance(user, dict))
    return ranks or None


def _user_rank(user: dict[str, Any]) -> tuple[int, str]:
    name = user.get("name")
    if isinstance(name, str) and name:
        return (0, name.casefold())
    return (1, str(user.get("id", "")))


def relation_key(raw: Any, prop: dict[str, Any]) -> tuple[str, ...] | None:
    """Related page ids; there is nothing else to order relations by."""
    return tuple(object_ids(raw)) or None


def files_key(raw: Any, prop: dict[str, Any]) -> tuple[str, ...] | None:
    """File names, case-folded."""
    items = raw if isinstance(raw, list) else []
    names = tuple(str(f.get("name", "")).casefold() for f in items if isinstance(f, dict))
    return names or None


def unique_id_key(raw: Any, prop: dict[str, Any]) -> int | float | None:
    """The number of a unique id."""
    return unique_number(raw)


def formula_key(raw: Any, prop: dict[str, Any]) -> tuple[int, Any] | None:
    """A formula's result, ranked by result type so mixed results still compare."""
    if not isinstance(raw, dict):
        return None
    return tagged_key(raw, prop)


def rollup_key(raw: Any, prop: dict[str, Any]) -> Any:
    """A number or date rollup by its value; an array rollup by its elements' keys in order."""
    if not isinstance(raw, dict):
        return None
    if raw.get("type") != "array":
        return tagged_key(raw, prop)
    array = raw.get("array")
    elements: list[Any] = array if isinstance(array, list) else []
    keys = tuple(key for key in (tagged_key(e, prop) for e in elements) if key is not None)
    return keys or None


def tagged_key(value: Any, prop: dict[str, Any]) -> tuple[int, Any] | None:
    """The key of a typed value ``{"type": T, T: payload}``, led by the rank of ``T``."""
    if not isinstance(value, dict):
        return None
    value_type = value.get("type")
    if value_type not in _RESULT_KEYS:
        return None
    key = _RESULT_KEYS[value_type](value.get(value_type), prop)
    return None if key is None else (_RESULT_RANKS[value_type], key)


SORT_KEYS: dict[str, SortKey] = {
    "title": text_key,
    "rich_text": text_key,
    "url": text_key,
    "email": text_key,
    "phone_number": text_key,
    "number": number_key,
    "checkbox": checkbox_key,
    "select": option_key,
    "status": option_key,
    "multi_select": options_key,
    "date": date_key,
    "created_time": timestamp_key,
    "last_edited_time": timestamp_key,
    "people": people_key,
    "created_by": people_key,
    "last_edited_by": people_key,
    "relation": relation_key,
    "files": files_key,
    "unique_id": unique_id_key,
    "formula": formula_key,
    "rollup": rollup_key,
}
"""Property type -> sort key. Types missing here sort as empty (their order is kept)."""

# Formula results and rollup elements: every property type, plus formula's "string"/"boolean".
_RESULT_KEYS: dict[str, SortKey] = {
    **{t: k for t, k in SORT_KEYS.items() if t not in ("formula", "rollup")},
    "string": text_key,
    "boolean": checkbox_key,
}
# Values keyed by the same function compare with each other; others are ordered by rank.
_KEY_FUNCTIONS = list(dict.fromkeys(_RESULT_KEYS.values()))
_RESULT_RANKS: dict[str, int] = {t: _KEY_FUNCTIONS.index(k) for t, k in _RESULT_KEYS.items()}
