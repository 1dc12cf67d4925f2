"""Shape checks the shared ``api.fields`` lacks: optional strings and absent keys."""

from __future__ import annotations

from notionhub.errors import ValidationFailed
from notionhub.localnotion.api.fields import UNDEFINED, fail, require_str


def optional_str(value: object, field: str, *, max_length: int | None = None) -> str | None:
    """``value`` if it is a string (at most ``max_length`` UTF-16 units) or null."""
    return None if value is None else require_str(value, field, max_length=max_length)


def missing(field: str) -> ValidationFailed:
    """The error for a required ``field`` that is absent."""
    return fail(field, "defined", UNDEFINED)
