"""A hub served by uvicorn in a thread, for tests that talk to it over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from notionhub.queue.runtime import Runtime
from notionhub.web.app import create_hub_app
from tests.conftest import free_port
from tests.servers import serving

# A pooled connection is dropped after 2 s idle, before uvicorn closes it (5 s): otherwise a
# request sent as the server closes it meets "connection reset by peer" (one CI run, on a busy
# machine, between two tests of a module sharing one hub).
CLIENT_LIMITS = httpx.Limits(keepalive_expiry=2.0)


class Hub(httpx.Client):
    """An HTTP client of a hub served by uvicorn in a thread, with its runtime at hand."""

    runtime: Runtime


@contextmanager
def serve_hub(
    runtime: Runtime, *, bearer: str | None = None, port: int | None = None
) -> Iterator[Hub]:
    """Serve the hub of ``runtime`` until the block ends, on ``port`` (default a free one)."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    with (
        serving(create_hub_app(runtime, url), port=port, start_seconds=60),
        Hub(base_url=url, timeout=30, headers=headers, limits=CLIENT_LIMITS) as client,
    ):
        client.runtime = runtime
        yield client
