"""Operating the local server: request statistics, injected faults, Notion-like rate limiting."""

from __future__ import annotations

import math
import random
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from notionhub.errors import ValidationFailed
from notionhub.localnotion.api.fields import fail

REQUEST_LOG_SIZE = 100_000


@dataclass
class RequestStats:
    """Counts by ``METHOD /route/{template}`` and status, plus a bounded log of recent requests."""

    by_route: Counter[str] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)
    log: deque[tuple[float, str, int, str]] = field(
        default_factory=lambda: deque(maxlen=REQUEST_LOG_SIZE)
    )
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, route: str, status: int, token_hint: str, arrived: float) -> None:
        """Count an answered request; the log keeps when it ``arrived``.

        Arrival, not answer: that is when Notion's own limiter counts a request, and answers
        bunch up (writes of one group commit are answered together), so answer times would show
        bursts that no client sent.
        """
        with self._lock:
            self.by_route[route] += 1
            self.by_status[status] += 1
            self.log.append((arrived, route, status, token_hint))

    def snapshot(self, include_log: bool) -> dict[str, Any]:
        with self._lock:
            body: dict[str, Any] = {
                "total": sum(self.by_route.values()),
                "by_route": dict(self.by_route),
                "by_status": {str(k): v for k, v in self.by_status.items()},
            }
            if include_log:
                body["requests"] = [
                    {"time": t, "route": r, "status": s, "token": k} for t, r, s, k in self.log
                ]
        return body

    def reset(self) -> None:
        with self._lock:
            self.by_route.clear()
            self.by_status.clear()
            self.log.clear()


_FAULT_KEYS = ("rate_limited", "server_error", "timeout")


@dataclass
class FaultPlan:
    """Shares of requests answered with a fault, drawn from a seeded generator.

    ``timeout`` answers are slow: the request waits ``slow_seconds`` and is then served, so a
    client that gave up may find its write applied, as with the real API.
    """

    rate_limited: float = 0.0
    server_error: float = 0.0
    timeout: float = 0.0
    retry_after: int = 1
    slow_seconds: float = 2.0
    seed: int | None = None
    _random: random.Random = field(default_factory=random.Random)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> FaultPlan:
        plan = cls()
        for key in _FAULT_KEYS:
            value = body.get(key, 0.0)
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not 0 <= value <= 1
            ):
                raise ValidationFailed(
                    f"body.{key} should be a share between 0 and 1, instead was `{value!r}`."
                )
            setattr(plan, key, float(value))
        if plan.rate_limited + plan.server_error + plan.timeout > 1:
            raise ValidationFailed("body: the shares of faults add up to more than 1.")
        for key, kind in (("retry_after", int), ("slow_seconds", (int, float))):
            if key in body:
                value = body[key]
                if isinstance(value, bool) or not isinstance(value, kind) or value < 0:
                    raise ValidationFailed(
                        f"body.{key} should be a non-negative number, instead was `{value!r}`."
                    )
                setattr(plan, key, value)
        seed = body.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValidationFailed(f"body.seed should be an integer, instead was `{seed!r}`.")
        plan.seed = seed
        plan._random = random.Random(seed)
        return plan

    def draw(self) -> str | None:
        """The next request's fault: ``rate_limited``, ``server_error_5xx``, ``timeout`` or None."""
        with self._lock:
            roll = self._random.random()
            server_kind = self._random.random()
        threshold = 0.0
        for key in _FAULT_KEYS:
            threshold += getattr(self, key)
            if roll < threshold:
                if key == "server_error":
                    return "server_error_503" if server_kind < 0.5 else "server_error_500"
                return key
        return None

    def describe(self) -> dict[str, Any]:
        return {
            "rate_limited": self.rate_limited,
            "server_error": self.server_error,
            "timeout": self.timeout,
            "retry_after": self.retry_after,
            "slow_seconds": self.slow_seconds,
            "seed": self.seed,
        }


class RateLimiter:
    """A token bucket per bearer token: ``rate`` requests/s on average, ``burst`` at once."""

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> RateLimiter | None:
        """The limiter a ``POST /_admin/rate-limit`` body asks for; ``None`` for ``rate: null``."""
        rate, burst = body.get("rate"), body.get("burst", 3)
        if rate is not None and (isinstance(rate, bool) or not isinstance(rate, int | float)):
            raise fail("rate limit: rate", "a number", rate)
        if isinstance(burst, bool) or not isinstance(burst, int):
            raise fail("rate limit: burst", "an integer", burst)
        return None if rate is None else cls(float(rate), burst)

    def __init__(self, rate: float, burst: int) -> None:
        if rate <= 0 or burst < 1:
            raise ValidationFailed("rate limit: rate should be > 0 and burst ≥ 1.")
        self.rate = rate
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def acquire(self, token: str) -> float:
        """0 if the request may go now, else the seconds to wait before a token is free."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(token, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[token] = (tokens - 1, now)
                return 0.0
            self._buckets[token] = (tokens, now)
            return (1 - tokens) / self.rate

    @staticmethod
    def retry_after_header(wait: float) -> str:
        """Retry-After in whole seconds, never 0: a client that obeys it is not refused again."""
        return str(max(1, math.ceil(wait)))

    def describe(self) -> dict[str, Any]:
        return {"rate": self.rate, "burst": self.burst}
