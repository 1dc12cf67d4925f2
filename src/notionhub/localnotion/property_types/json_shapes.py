"""Checks of the JSON shape of client input, failing with Notion's validation messages.

Notion words these as ``<path> should be <expectation>, instead was <value>.``; the path is
the dotted location in the request body (``body.properties.Price.number``).
"""

from __future__ import annotations

import json
from typing import Any

from notionhub.errors import ValidationFailed

_SHOWN_CHARS = 100


def shown(value: object) -> str:
    """``value`` as JSON for an error message, shortened so one bad field cannot flood it."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 3] + "..."


def invalid(field: str, expectation: str, value: object) -> ValidationFailed:
    """The error for ``field`` holding ``value`` where ``expectation`` was due."""
    return ValidationFailed(f"{field} should be {expectation}, instead was {shown(value)}.")


def missing(field: str) -> ValidationFailed:
    """The error for a required ``field`` that is absent."""
    return ValidationFailed(f"{field} should be defined, instead was `undefined`.")


def expect_object(value: object, field: str) -> dict[str, Any]:
    """``value`` if it is a JSON object."""
    if not isinstance(value, dict):
        raise invalid(field, "an object", value)
    return value


def expect_list(value: object, field: str) -> list[Any]:
    """``value`` if it is a JSON array."""
    if not isinstance(value, list):
        raise invalid(field, "an array", value)
    return value


def expect_str(value: object, field: str) -> str:
    """``value`` if it is a string."""
    if not isinstance(value, str):
        raise invalid(field, "a string", value)
    return value


def optional_str(value: object, field: str, *, max_length: int | None = None) -> str | None:
    """``value`` if it is a string (at most ``max_length`` long) or null."""
    if value is None:
        return None
    text = expect_str(value, field)
    if max_length is not None and len(text) > max_length:
        raise ValidationFailed(
            f"{field}.length should be ≤ `{max_length}`, instead was `{len(text)}`."
        )
    return text


def check_max_items(items: list[Any], field: str, limit: int) -> None:
    """Refuse an array longer than Notion allows."""
    if len(items) > limit:
        raise ValidationFailed(f"{field}.length should be ≤ `{limit}`, instead was `{len(items)}`.")


def required(obj: dict[str, Any], key: str, field: str) -> Any:
    """``obj[key]``, which must be present."""
    if key not in obj:
        raise missing(f"{field}.{key}")
    return obj[key]
