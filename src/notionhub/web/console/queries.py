"""What the overview shows, read from the hub database: the event log's counts and recent
activity per provider, and the Notion requests of every worker (the shared budget's table)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from sqlalchemy import Engine, Integer, cast, func, select

from notionhub.hubdb.engine import read_connection
from notionhub.hubdb.tables import events, notion_budget
from notionhub.queue.store import EventStore

WINDOW_SECONDS = 3600
BUCKETS = 12  # five minutes each
STATUSES_SHOWN = ("received", "processed", "failed", "pending")


@dataclass
class ProviderActivity:
    """One provider's events received in the window: by status, and per bucket."""

    provider: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES_SHOWN, 0))
    buckets: list[int] = field(default_factory=lambda: [0] * BUCKETS)


@dataclass(frozen=True)
class Overview:
    counts: dict[str, int]  # all time: received, processed, failed, ignored, pending
    lag_seconds: float
    providers: list[ProviderActivity]
    window_start: float
    notion_per_minute: float | None  # None until two samples a little apart exist
    notion_budget_per_minute: float
    rate_limited: int


def event_counts(store: EventStore) -> dict[str, int]:
    """All-time counts as ``GET /api/stats`` gives them (pending includes queued)."""
    counts = store.counts()
    return {
        "received": sum(counts.values()),
        "processed": counts["processed"],
        "failed": counts["failed"],
        "ignored": counts["ignored"],
        "pending": counts["pending"] + counts["queued"],
    }


def provider_activity(engine: Engine, now: float) -> tuple[float, list[ProviderActivity]]:
    """Events received in the last hour, by provider, status and five-minute bucket.

    One grouped read of the window (the ``received_at`` index), however many events are older.
    """
    start = now - WINDOW_SECONDS
    width = WINDOW_SECONDS / BUCKETS
    bucket = cast((events.c.received_at - start) / width, Integer).label("bucket")
    query = (
        select(events.c.provider, events.c.status, bucket, func.count())
        .where(events.c.received_at >= start)
        .group_by(events.c.provider, events.c.status, bucket)
    )
    found: dict[str, ProviderActivity] = {}
    with read_connection(engine) as connection:
        rows = list(connection.execute(query))
    for provider, status, at, count in rows:
        activity = found.setdefault(provider, ProviderActivity(provider))
        activity.counts["received"] += count
        shown = "pending" if status in ("pending", "queued") else status
        if shown in activity.counts:
            activity.counts[shown] += count
        activity.buckets[min(max(int(at), 0), BUCKETS - 1)] += count
    return start, sorted(found.values(), key=lambda a: a.provider)


def notion_requests_total(engine: Engine) -> int:
    """Requests every worker made through the shared budget (all tokens)."""
    with read_connection(engine) as connection:
        value = connection.execute(select(func.sum(notion_budget.c.requests))).scalar()
    return int(value or 0)


class RequestRate:
    """Notion requests per minute, from samples of the budget's running total."""

    def __init__(self, span_seconds: float = 60.0) -> None:
        self.span = span_seconds
        self._samples: deque[tuple[float, int]] = deque()

    def add(self, at: float, total: int) -> float | None:
        """Record a sample; the rate over the last minute (or what is known of it)."""
        self._samples.append((at, total))
        while len(self._samples) > 2 and at - self._samples[1][0] >= self.span:
            self._samples.popleft()
        first_at, first_total = self._samples[0]
        if at - first_at < 1.0:
            return None
        return max(0, total - first_total) * 60.0 / (at - first_at)
