"""Clocks for tests: the hub runs in the month a test chooses, whatever day the suite runs."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from notionhub.clock import Clock


def running_from(instant: datetime) -> Clock:
    """A clock that reads ``instant`` when made and then moves on with real time."""
    started = time.monotonic()
    return lambda: instant + timedelta(seconds=time.monotonic() - started)
