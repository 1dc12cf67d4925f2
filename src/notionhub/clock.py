"""The hub's one clock: what "now" is to routes, the processor, flows, upkeep and records.

Read at the top of the program (``system_clock``) and passed down; nothing below reads the wall
clock for a date that matters, so a test can run the whole hub in any month it chooses.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

# A clock answers the current instant, always timezone-aware (UTC).
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(UTC)


def epoch_seconds(clock: Clock) -> Callable[[], float]:
    """``clock`` as Unix seconds, for the parts that keep times as floats."""
    return lambda: clock().timestamp()
