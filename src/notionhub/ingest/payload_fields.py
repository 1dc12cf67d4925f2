"""Reading the few fields ingest needs from payloads whose shape varies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def dig(data: Any, path: Sequence[str | int]) -> Any:
    """``data[path[0]][path[1]]…``, or None as soon as a step is missing."""
    for step in path:
        if isinstance(step, int):
            if not isinstance(data, list) or len(data) <= step:
                return None
        elif not isinstance(data, dict):
            return None
        data = data[step] if isinstance(step, int) else data.get(step)
    return data


def first_email(data: Any, paths: Sequence[Sequence[str | int]]) -> str | None:
    """``email:<address>`` from the first path holding an address, lowercased."""
    for path in paths:
        value = dig(data, path)
        if isinstance(value, str) and "@" in value:
            return f"email:{value.strip().lower()}"
    return None


def first_text(data: Any, paths: Sequence[Sequence[str | int]]) -> str | None:
    """The first path holding a non-empty string or number, as text."""
    for path in paths:
        value = dig(data, path)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
            return str(value)
    return None
