"""Notion object ids: UUIDs, accepted with or without dashes, always answered with dashes."""

from __future__ import annotations

import re
import uuid

from notionhub.errors import ValidationFailed

_HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")


def new_id() -> str:
    """A fresh object id in Notion's dashed form."""
    return str(uuid.uuid4())


def parse_id(value: object, field: str) -> str:
    """The dashed form of ``value``; a ``ValidationFailed`` naming ``field`` if it is not a UUID."""
    if isinstance(value, str):
        compact = value.replace("-", "")
        if _HEX32.match(compact):
            return str(uuid.UUID(compact))
    raise ValidationFailed(f"{field} should be a valid uuid, instead was `{value!r}`.")


def is_id(value: object) -> bool:
    """Whether ``value`` is a UUID with or without dashes."""
    return isinstance(value, str) and bool(_HEX32.match(value.replace("-", "")))
