"""Notion object ids: UUIDs, accepted with or without dashes, always answered with dashes."""

from __future__ import annotations

import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable

from notionhub.localnotion.api.fields import fail

_HEX32 = re.compile(r"[0-9a-fA-F]{32}")


# A 42-bit counter follows the millisecond (RFC 9562, 6.2 method 1): the 12 bits after the
# version, then the first 30 of the 62 after the variant; the last 32 bits stay random.
_COUNTER_BITS = 42
_LOW_COUNTER_BITS = 30
_RANDOM_BITS = 32


class IdSource:
    """Fresh object ids in Notion's dashed form, each greater than the one before.

    The layout is UUID version 7 (RFC 9562): 48 bits of Unix time in milliseconds, then a
    42-bit counter and 32 random bits. The counter starts at a random value below 2**41 in
    each new millisecond and counts up for every further id in it; if the clock goes back,
    the last millisecond is kept and the counter counts on, so ids never go backwards.

    Ids sort in the order they were made, so a new object's rows land at the end of every
    index keyed by id instead of at a random place: a write then dirties a few pages instead
    of one per index, which keeps page creation as fast with 100,000 pages stored as with
    none. Ids made in the same millisecond keep their order too, so ties on a timestamp
    break by creation. Clients treat ids as opaque, as Notion asks.

    One source per workspace (``Workspace.ids``); safe to share between threads.
    """

    def __init__(self, clock_ns: Callable[[], int] = time.time_ns) -> None:
        self._clock_ns = clock_ns
        self._lock = threading.Lock()
        self._millisecond = -1
        self._counter = 0

    def new_id(self) -> str:
        """The next id, greater than every id this source made before."""
        with self._lock:
            now = self._clock_ns() // 1_000_000
            if now > self._millisecond:
                self._millisecond, self._counter = now, _counter_seed()
            else:  # the same millisecond, or the clock went back: keep the last one
                self._counter += 1
                if self._counter >> _COUNTER_BITS:  # 2**41 ids in a millisecond: borrow the next
                    self._millisecond, self._counter = self._millisecond + 1, _counter_seed()
            millisecond, counter = self._millisecond, self._counter
        value = (
            millisecond << 80
            | 0x7 << 76  # version
            | (counter >> _LOW_COUNTER_BITS) << 64
            | 0b10 << 62  # variant
            | (counter & ((1 << _LOW_COUNTER_BITS) - 1)) << _RANDOM_BITS
            | secrets.randbits(_RANDOM_BITS)
        )
        return str(uuid.UUID(int=value))


def _counter_seed() -> int:
    """A random start below 2**41: at least 2**41 ids fit in the millisecond after it."""
    return secrets.randbits(_COUNTER_BITS - 1)


def random_id() -> str:
    """A random id (UUID version 4) for what no index keys: select options, status groups.

    These live inside a data source's body, so their order does not matter, only that they
    are unique.
    """
    return str(uuid.uuid4())


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
