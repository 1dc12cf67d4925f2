"""Waiting on a condition, never on a fixed sleep: the deadline only guards against a hang."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(
    condition: Callable[[], bool], what: str, *, deadline: float, pause: float = 0.01
) -> None:
    """Return once ``condition()`` holds; fail naming ``what`` after ``deadline`` seconds."""
    ends = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > ends:
            raise AssertionError(f"not reached within {deadline:g} s: {what}")
        time.sleep(pause)
