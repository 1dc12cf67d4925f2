"""What every stage after ingest can handle, checked once, before anything is stored.

A body the JSON parser accepts may still break a later stage: the event API (and Pydantic,
orjson, PostgreSQL) cannot encode a lone UTF-16 surrogate (``"\\ud800"``) as UTF-8, serializers
stop at a few hundred levels of nesting, and a number such as ``1e400`` parses as infinity, which
JSON cannot write back. So ingest refuses them (400, ``PayloadRejected``, logged), and whatever it
stores can be read back as JSON by the event API and the packs. ``docs/ingest-limits.md`` lists
the limits.

Event ids and the other keys of an event (type, entity key) name rows, workflows and log lines:
control characters (NUL, ESC, C1) and lone surrogates are refused in them.
"""

from __future__ import annotations

import math
import re
from typing import Any

from notionhub.errors import PayloadRejected

# Objects and arrays inside one another: ``[]`` is 1, ``{"a": []}`` is 2. Webhook payloads use
# fewer than 10; serializers give up near 255 (orjson 254, Pydantic 255).
MAX_NESTING = 64

# A JSON escape of a surrogate (``\ud83d``): the only way a parsed string can hold one, since
# UTF-8 bytes cannot encode a surrogate. UTF-8 bodies without it need no string-by-string check
# (UTF-16 and UTF-32 bodies, which the parser also reads, hold NUL bytes: they are checked).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Control characters (Unicode category Cc: C0, DEL, C1) and lone surrogates.
_NOT_IN_KEYS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def check_json_limits(value: Any, body: bytes) -> None:
    """Refuse (``PayloadRejected``) the JSON ``value`` parsed from ``body`` if a later stage
    could not handle it: nesting over ``MAX_NESTING``, a lone surrogate in a string or a key,
    a number too large for a float."""
    check_strings = b"\x00" in body or _SURROGATE_ESCAPE.search(body) is not None
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
            if check_strings:
                for key in item:
                    _check_text(key)
        elif isinstance(item, list):
            children = item
        else:
            _check_scalar(item, check_strings)
            continue
        if depth > MAX_NESTING:
            raise PayloadRejected(
                f"The body is nested more than {MAX_NESTING} levels deep (objects and arrays"
                " inside one another); the limit is documented in docs/ingest-limits.md."
            )
        for child in children:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1))
            else:
                _check_scalar(child, check_strings)


def check_event_key(text: str, what: str) -> None:
    """Refuse an event id, type or entity key holding a control character or a lone surrogate."""
    found = _NOT_IN_KEYS.search(text)
    if found is not None:
        char = f"U+{ord(found.group()):04X}"
        raise PayloadRejected(
            f"The event's {what} holds the control character or lone surrogate {char}"
            f" (at position {found.start()}): refused, it could not be stored or shown safely."
        )


def _check_scalar(value: Any, check_strings: bool) -> None:
    if isinstance(value, str):
        if check_strings:
            _check_text(value)
    elif isinstance(value, float) and not math.isfinite(value):
        raise PayloadRejected("The body holds a number too large to be represented (over 1e308).")


def _check_text(text: str) -> None:
    found = _SURROGATE.search(text)
    if found is not None:
        raise PayloadRejected(
            f"The body holds a lone UTF-16 surrogate (\\u{ord(found.group()):04x}) in a string:"
            " it is not Unicode text and could not be stored or shown; refused."
        )
