"""How fast and how often an outbound call is tried, and how long to wait between tries."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime

from notionhub.notion.budget import BudgetPolicy


@dataclass(frozen=True)
class OutboundPolicy:
    """The rate budget of one service, and the retries of one call to it."""

    rate: float = 5.0  # requests per second, for every worker together
    burst: int = 5
    max_attempts: int = 5
    base_seconds: float = 1.0
    cap_seconds: float = 60.0
    timeout_seconds: float = 10.0

    @property
    def budget(self) -> BudgetPolicy:
        return BudgetPolicy(rate=self.rate, burst=self.burst)

    def backoff(self, service: str, idempotency_key: str, attempt: int) -> float:
        """The wait after failed ``attempt``: half to all of base·2^(attempt-1), capped.

        The jitter is derived from the call, not drawn, so a re-run step waits as the first did
        while two calls failing together still spread out.
        """
        digest = hashlib.sha256(f"{service}:{idempotency_key}:{attempt}".encode()).digest()
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** (attempt - 1))
        return float(ceiling * (0.5 + digest[0] / 255 * 0.5))


def retry_after_seconds(value: str | None, clock: Callable[[], float]) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: a number of seconds or an HTTP date.

    None when the header is missing or unreadable; a date in the past means no wait.
    """
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:  # "-0000": UTC, by RFC 5322
            when = when.replace(tzinfo=UTC)
        return max(0.0, when.timestamp() - clock())
    return seconds if math.isfinite(seconds) and seconds >= 0 else None
