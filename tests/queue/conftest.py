"""Fixtures of the processing tests: events, a started runtime, waiting for the queue to drain."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from notionhub.backend import open_backend
from notionhub.ingest.event import Event
from notionhub.packs import Pack
from notionhub.queue.processor import EventProcessor, RetrySchedule
from notionhub.queue.runtime import Runtime
from notionhub.queue.store import EventStore
from notionhub.settings import Settings

# Fast retries, so a test of the failed state does not sleep for minutes.
FAST_SCHEDULE = RetrySchedule(max_attempts=3, base_seconds=0.05, cap_seconds=0.2)
_numbers = itertools.count(1)


def make_event(
    entity: str | None = "email:jane@example.com",
    *,
    type: str = "test.happened",
    key: str | None = None,
    data: dict[str, Any] | None = None,
) -> Event:
    number = next(_numbers)
    return Event(
        provider="test",
        type=type,
        idempotency_key=key or f"test:evt_{number}",
        entity_key=entity,
        occurred_at=datetime(2026, 11, 25, 12, 0, tzinfo=UTC),
        data=data or {"n": number},
    )


def hub_settings(home: Path, **values: Any) -> Settings:
    """Settings for a hub under ``home``: embedded local Notion, SQLite, no .env read."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        notionhub_home=home,
        notion_token=None,
        notion_base_url="https://api.notion.com",
        database_url=values.pop("database_url", None),
        notion_requests_per_second=1000,
        **values,
    )


def wait_until_drained(store: EventStore, expected: int, timeout: float = 120) -> dict[str, int]:
    """Wait until ``expected`` events are all finished; a guard against hanging, not a timing."""
    deadline = time.monotonic() + timeout
    while True:
        counts = store.counts()
        finished = counts["processed"] + counts["failed"] + counts["ignored"]
        if finished >= expected and counts["pending"] == counts["queued"] == 0:
            return counts
        if time.monotonic() > deadline:
            raise AssertionError(f"the queue did not drain: {counts}")
        time.sleep(0.05)


RuntimeFactory = Callable[..., Runtime]


@pytest.fixture
def start_runtime(tmp_path: Path, processor: EventProcessor) -> Iterator[RuntimeFactory]:
    """``start_runtime(packs=[...], schedule=..., **settings)`` → a started ``Runtime``."""
    started: list[Runtime] = []

    def start(
        packs: list[Pack] | None = None, schedule: RetrySchedule = FAST_SCHEDULE, **values: Any
    ) -> Runtime:
        settings = hub_settings(tmp_path / ".notionhub", **values)
        embedded = open_backend(settings)
        runtime = Runtime(
            settings,
            processor,
            packs=packs,
            schedule=schedule,
            backend=embedded.backend if embedded is not None else None,
        )
        runtime.start()
        started.append(runtime)
        return runtime

    yield start
    for runtime in started:
        if runtime.store is not None:
            runtime.stop()


def stop(runtime: Runtime) -> None:
    runtime.stop()
    runtime.store = None  # stopped: the fixture will not stop it again
