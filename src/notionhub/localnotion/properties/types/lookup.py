"""Finding a schema property from the key a client used for it."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote


def find_property(schema: dict[str, dict[str, Any]], key: str) -> dict[str, Any] | None:
    """The property ``key`` names: a name first, else an id (as stored or URL-decoded)."""
    if key in schema:
        return schema[key]
    for prop in schema.values():
        if key in (prop["id"], unquote(prop["id"])):
            return prop
    return None
