"""Small checks on request-body JSON that fail with Notion's validation wording.

Notion words its validation errors as ``<path> should be <expectation>, instead was
`<value>`.`` with the value shown as JSON (``undefined`` when absent). Every check here takes
the dotted path of the value it inspects so that the message names the offending field.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any

from notionhub.errors import ValidationFailed

_SHOWN_CHARS = 100
"""Values are cut in messages so that a 2 MB body does not come back inside its own error."""


class _Undefined:
    """Marks a key that is absent, which Notion's messages call `undefined`."""

    def __repr__(self) -> str:
        return "undefined"


UNDEFINED: Any = _Undefined()


def show(value: object) -> str:
    """``value`` the way Notion quotes it in messages: JSON between backticks."""
    if value is UNDEFINED:
        text = "undefined"
    else:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=repr)
    if len(text) > _SHOWN_CHARS:
        text = text[: _SHOWN_CHARS - 1] + "…"
    return f"`{text}`"


def fail(field: str, expectation: str, value: object) -> ValidationFailed:
    """The error for ``field`` not meeting ``expectation``."""
    return ValidationFailed(f"{field} should be {expectation}, instead was {show(value)}.")


def notion_length(text: str) -> int:
    """The length Notion's limits count: UTF-16 code units, as JavaScript's ``String.length``."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def require_dict(value: object, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise fail(field, "an object", value)
    return value


def require_list(value: object, field: str, *, max_items: int | None = None) -> list[Any]:
    if not isinstance(value, list):
        raise fail(field, "an array", value)
    if max_items is not None and len(value) > max_items:
        raise ValidationFailed(
            f"{field}.length should be ≤ `{max_items}`, instead was `{len(value)}`."
        )
    return value


def require_str(value: object, field: str, *, max_length: int | None = None) -> str:
    if not isinstance(value, str):
        raise fail(field, "a string", value)
    if max_length is not None and (length := notion_length(value)) > max_length:
        raise ValidationFailed(
            f"{field}.length should be ≤ `{max_length}`, instead was `{length}`."
        )
    return value


def require_bool(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise fail(field, "a boolean", value)
    return value


def require_choice(value: object, field: str, choices: Collection[str]) -> str:
    """``value`` if it is one of ``choices``; the message lists them like Notion does."""
    if isinstance(value, str) and value in choices:
        return value
    quoted = [f'`"{choice}"`' for choice in choices]
    listed = ", ".join(quoted[:-1]) + f", or {quoted[-1]}" if len(quoted) > 1 else quoted[0]
    raise fail(field, listed, value)


def require_key(body: Mapping[str, Any], key: str, field: str) -> Any:
    """``body[key]``; absent keys fail as Notion's `should be defined`."""
    if key not in body:
        raise fail(f"{field}.{key}", "defined", UNDEFINED)
    return body[key]


def reject_unknown_keys(body: Mapping[str, Any], allowed: Collection[str], field: str) -> None:
    for key, value in body.items():
        if key not in allowed:
            raise fail(f"{field}.{key}", "not present", value)


def require_url(value: object, field: str) -> str:
    """A link target: an absolute URL with a scheme, or a path inside the workspace."""
    url = require_str(value, field, max_length=2000)
    scheme, colon, rest = url.partition(":")
    looks_absolute = bool(
        colon
        and rest
        and scheme[:1].isalpha()
        and scheme.replace("+", "").replace("-", "").isalnum()
    )
    if not (looks_absolute or url.startswith("/")) or any(c.isspace() for c in url):
        raise fail(field, "a valid URL", value)
    return url
