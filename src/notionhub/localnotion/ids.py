"""Notion object ids: UUIDs, accepted with or without dashes, always answered with dashes."""

from __future__ import annotations

import os
import re
import time
import uuid

from notionhub.localnotion.body_field_checks import fail

_HEX32 = re.compile(r"[0-9a-fA-F]{32}")


def new_id() -> str:
    """A fresh object id in Notion's dashed form, ordered by creation time.

    The layout is UUID version 7 (RFC 9562): 48 bits of Unix time in milliseconds, then 74
    random bits. Ids made one after another sort in the order they were made, so a new
    object's rows land at the end of every index keyed by id instead of at a random place:
    a write then dirties a few pages instead of one per index, which keeps page creation as
    fast with 100,000 pages stored as with none. Clients treat ids as opaque, as Notion asks.
    """
    random_bits = int.from_bytes(os.urandom(10), "big")  # 80 bits, of which 74 are used
    value = (
        (time.time_ns() // 1_000_000) << 80
        | 0x7 << 76  # version
        | (random_bits >> 68) << 64  # 12 random bits
        | 0b10 << 62  # variant
        | random_bits & ((1 << 62) - 1)  # 62 random bits
    )
    return str(uuid.UUID(int=value))


def parse_id(value: object, field: str) -> str:
    """The dashed form of ``value``; a ``ValidationFailed`` naming ``field`` if it is not a UUID."""
    if isinstance(value, str):
        compact = value.replace("-", "")
        if _HEX32.fullmatch(compact):
            return str(uuid.UUID(compact))
    raise fail(field, "a valid uuid", value)


def is_id(value: object) -> bool:
    """Whether ``value`` is a UUID with or without dashes."""
    return isinstance(value, str) and bool(_HEX32.fullmatch(value.replace("-", "")))
