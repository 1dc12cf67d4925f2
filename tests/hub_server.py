"""A hub served by uvicorn in a thread, for tests that talk to it over HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn

from notionhub.queue.runtime import Runtime
from notionhub.web.app import create_hub_app
from tests.conftest import free_port


class Hub(httpx.Client):
    """An HTTP client of a hub served by uvicorn in a thread, with its runtime at hand."""

    runtime: Runtime


@contextmanager
def serve_hub(runtime: Runtime, *, bearer: str | None = None) -> Iterator[Hub]:
    """Serve the hub of ``runtime`` on a free port until the block ends."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = uvicorn.Server(
        uvicorn.Config(create_hub_app(runtime, url), port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the hub did not start"
        time.sleep(0.02)
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    try:
        with Hub(base_url=url, timeout=30, headers=headers) as client:
            client.runtime = runtime
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=30)
