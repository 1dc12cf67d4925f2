"""Reading request bodies the way Notion validates them: JSON objects, typed fields, size."""

from __future__ import annotations

from typing import Any

import orjson

from notionhub.errors import InvalidJSON, ValidationFailed
from notionhub.localnotion.body_field_checks import (
    UNDEFINED,
    fail,
    require_bool,
    require_dict,
)

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
        raise fail("body", "an object", value)
    return value


def require_object(value: object, field: str) -> dict[str, Any]:
    if value is None:
        raise fail(field, "defined", UNDEFINED)
    return require_dict(value, field)


def optional_object(value: object, field: str) -> dict[str, Any] | None:
    return None if value is None else require_dict(value, field)


def optional_bool(value: object, field: str) -> bool | None:
    return None if value is None else require_bool(value, field)


def trash_flag(body: dict[str, Any], current: bool) -> bool:
    """The ``in_trash`` (or older ``archived``) flag a PATCH body sets, else ``current``."""
    for key in ("in_trash", "archived"):
        if key in body:
            flag = optional_bool(body[key], f"body.{key}")
            return current if flag is None else flag
    return current
