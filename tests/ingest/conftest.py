"""Fixtures of the provider tests: building a ``WebhookRequest`` as the hub receives one."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import partial

import pytest
from starlette.datastructures import Headers

from notionhub.ingest.event import WebhookRequest

MakeRequest = Callable[..., WebhookRequest]

# When the provider tests sign and receive: one fixed instant, so that no result depends on
# the day the suite runs. Tolerance tests sign at INSTANT ± an offset and receive at INSTANT.
INSTANT = datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)


def build_request(
    body: bytes,
    headers: Mapping[str, str] | None = None,
    *,
    method: str = "POST",
    url: str = "https://hub.example.com/hooks/test",
    received_at: datetime | None = None,
) -> WebhookRequest:
    """A request as the hub receives it; without ``received_at``, received now (real time),
    for requests signed now (benchmarks, scenarios); the provider tests pass ``INSTANT``."""
    return WebhookRequest(
        method=method,
        url=url,
        headers=Headers(headers=dict(headers or {})),
        body=body,
        received_at=received_at or datetime.now(UTC),
    )


@pytest.fixture
def make_request() -> MakeRequest:
    """``make_request(body, headers, method=, url=, received_at=INSTANT)`` → a request."""
    return partial(build_request, received_at=INSTANT)
