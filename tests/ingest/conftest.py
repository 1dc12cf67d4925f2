"""Fixtures of the provider tests: building a ``WebhookRequest`` as the hub receives one."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime

import pytest
from starlette.datastructures import Headers

from notionhub.ingest.event import WebhookRequest

MakeRequest = Callable[..., WebhookRequest]


def build_request(
    body: bytes,
    headers: Mapping[str, str] | None = None,
    *,
    method: str = "POST",
    url: str = "https://hub.example.com/hooks/test",
    received_at: datetime | None = None,
) -> WebhookRequest:
    return WebhookRequest(
        method=method,
        url=url,
        headers=Headers(headers=dict(headers or {})),
        body=body,
        received_at=received_at or datetime.now(UTC),
    )


@pytest.fixture
def make_request() -> MakeRequest:
    """``make_request(body, headers, method=, url=, received_at=)`` → a ``WebhookRequest``."""
    return build_request
