"""When a failed Notion request is tried again, and how long to wait first."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from notionhub.errors import (
    NOTION_ERRORS_BY_CODE,
    InternalServerError,
    InvalidRequest,
    NotionAPIError,
)

# Transient answers worth another try. 529 is Notion's service_overload.
RETRYABLE_STATUSES = frozenset({409, 429, 500, 502, 503, 504, 529})
# Answers after which a create may nevertheless have been applied.
AMBIGUOUS_STATUSES = frozenset({500, 502, 504})


@dataclass
class RetryPolicy:
    """Exponential backoff with jitter, capped; 429s wait exactly what Notion asks."""

    max_attempts: int = 6
    max_rate_limited: int = 20  # 429s tolerated for one call before giving up
    base_delay: float = 0.5
    max_delay: float = 30.0
    rng: random.Random = field(default_factory=random.Random)

    def backoff(self, attempt: int) -> float:
        """The wait before attempt ``attempt + 1``: half to all of the capped exponential."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return ceiling * self.rng.uniform(0.5, 1.0)


def parse_retry_after(value: str | None, fallback: float) -> float:
    """Seconds from a ``Retry-After`` header (Notion sends whole seconds)."""
    if value is None:
        return fallback
    try:
        seconds = float(value)
    except ValueError:
        return fallback
    return seconds if seconds >= 0 else fallback


def to_notion_error(status: int, code: str, message: str) -> NotionAPIError:
    """Our exception for a Notion error answer, keeping Notion's code and message."""
    cls = NOTION_ERRORS_BY_CODE.get(code)
    if cls is None:
        cls = InternalServerError if status >= 500 else InvalidRequest
        message = f"{code} ({status}): {message}"
    return cls(message)
