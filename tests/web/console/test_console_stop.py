"""A stop of ``notionhub serve`` is not held up by an open console: the server tells the app a
stop has begun (``app.state.stopping``) and the overview's event stream ends then."""

from __future__ import annotations

import threading

import httpx
import pytest

from notionhub.web.console import overview
from notionhub.web.server import ServerLimits, build_server
from tests.conftest import free_port
from tests.web.console.conftest import KEY, WAIT_SECONDS, ConsoleHub, wait_until


def test_a_stop_ends_an_open_event_stream(
    console_hub: ConsoleHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without the stop signal this stream would hold the stop for an hour.
    monkeypatch.setattr(overview, "STREAM_SECONDS", 3600.0)
    port = free_port()
    server = build_server(console_hub.app, "127.0.0.1", port, ServerLimits())
    server.config.lifespan = "off"  # the same app, already started by the module's hub
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started, "the second server started")
        headers = {"Accept": "text/event-stream", "Authorization": f"Bearer {KEY}"}
        url = f"http://127.0.0.1:{port}/console/stream"
        with httpx.stream("GET", url, headers=headers, timeout=WAIT_SECONDS) as answer:
            lines = answer.iter_lines()
            assert next(lines).startswith("retry:")  # the stream is open
            server.should_exit = True
            rest = list(lines)  # ends once the stop has begun
        thread.join(WAIT_SECONDS)
        assert not thread.is_alive(), "the server's stop waited on the stream"
        assert any(line.startswith("event: overview") for line in rest)
    finally:
        server.should_exit = True
        thread.join(WAIT_SECONDS)
        console_hub.app.state.stopping.clear()  # the module's other tests keep streaming
