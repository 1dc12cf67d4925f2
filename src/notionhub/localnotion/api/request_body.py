"""Reading request bodies the way Notion validates them: JSON objects, typed fields, size."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from starlette.requests import Request

from notionhub.errors import InvalidJSON, ValidationFailed
from notionhub.localnotion.api.fields import (
    UNDEFINED,
    fail,
    require_bool,
    require_dict,
)

MAX_BODY_BYTES = 500 * 1024
"""Notion's request limits: "payloads have a maximum size of 1000 block elements and 500KB
overall", and a request over a size limit is answered 400 ``validation_error`` (the documented
answer; see docs/local-notion-limits.md)."""


class BodyTooLarge(ValidationFailed):
    """400 validation_error: the body is over ``MAX_BODY_BYTES``. The answer closes the
    connection, so a client still sending the rest of a large body stops."""


def _too_large(size: str) -> BodyTooLarge:
    return BodyTooLarge(
        f"Request body too large: {size} bytes, the limit is {MAX_BODY_BYTES} bytes (500 KB)."
    )


async def read_body(request: Request) -> bytes:
    """The body of ``request``, refused as soon as it is known to be over ``MAX_BODY_BYTES``.

    A declared ``Content-Length`` over the limit is refused before any byte is read; otherwise
    (chunked, or a length that lies) reading stops at the first chunk past the limit. What the
    client still sends is left unread (the server discards it), so memory never holds more than
    the limit and one chunk, whatever the size of the body.
    """
    return await read_limited(request, MAX_BODY_BYTES, _too_large)


async def read_limited(
    request: Request, limit: int, too_large: Callable[[str], BodyTooLarge]
) -> bytes:
    """The body, refused (``too_large`` of the size said) once it is known to pass ``limit``."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(declared)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large(f"over {limit}")
    return bytes(body)


def parse_body(raw: bytes) -> dict[str, Any]:
    """The JSON object of a request body; an empty body is an empty object."""
    if len(raw) > MAX_BODY_BYTES:
        raise _too_large(str(len(raw)))
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
