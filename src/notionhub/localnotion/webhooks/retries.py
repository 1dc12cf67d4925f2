"""When to try a delivery again: exponential backoff with jitter, capped, 8 attempts at most."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

MAX_ATTEMPTS = 8  # as Notion: attempt_number 1..8, then the delivery has failed
CAP_SECONDS = 600.0


@dataclass(frozen=True)
class RetrySchedule:
    """``base * 2**(attempt-1)`` seconds, capped, times a jitter factor in [0.5, 1).

    The jitter is derived from the key (an event or subscription id) and the attempt, like
    ``queue.processor.RetrySchedule``: receivers that failed together do not retry together,
    and a schedule is the same each time it is computed.
    """

    base: float = 1.0
    cap: float = CAP_SECONDS
    max_attempts: int = MAX_ATTEMPTS

    def delay(self, attempt: int, key: str) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        raw = min(self.cap, self.base * 2.0 ** max(0, attempt - 1))
        digest = hashlib.sha256(f"{key}:{attempt}".encode()).digest()
        jitter = 0.5 + int.from_bytes(digest[:4], "big") / 2**33
        return max(0.0, raw * jitter)

    def gives_up_after(self, attempt: int) -> bool:
        return attempt >= self.max_attempts
