"""Reading request bodies the way Notion validates them: JSON objects, typed fields, size."""

from __future__ import annotations

from typing import Any

import orjson

from notionhub.errors import InvalidJSON, ValidationFailed

MAX_BODY_BYTES = 500 * 1024


def parse_body(raw: bytes) -> dict[str, Any]:
    """The JSON object of a request body; an empty body is an empty object."""
    if len(raw) > MAX_BODY_BYTES:
        raise ValidationFailed(
            f"Request body too large: {len(raw)} bytes, the limit is {MAX_BODY_BYTES} bytes."
        )
    if not raw.strip():
        return {}
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise InvalidJSON(f"Error parsing JSON body: {error}") from None
    if not isinstance(value, dict):
        raise ValidationFailed(f"body should be an object, instead was `{_short(value)}`.")
    return value


def require_object(value: object, field: str) -> dict[str, Any]:
    if value is None:
        raise ValidationFailed(f"{field} should be defined, instead was `undefined`.")
    if not isinstance(value, dict):
        raise ValidationFailed(f"{field} should be an object, instead was `{_short(value)}`.")
    return value


def optional_object(value: object, field: str) -> dict[str, Any] | None:
    return None if value is None else require_object(value, field)


def optional_bool(value: object, field: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ValidationFailed(f"{field} should be a boolean, instead was `{_short(value)}`.")


def require_list(value: object, field: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValidationFailed(f"{field} should be an array, instead was `{_short(value)}`.")
    return value


def _short(value: object) -> str:
    text = orjson.dumps(value).decode() if not isinstance(value, bytes) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
