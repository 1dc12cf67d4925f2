"""A start that fails inside the hub's lifespan closes what it started, and the process exits.

With the embedded Notion's webhooks on (the default), a failed provisioning used to leave the
runtime and the embedded server's webhook delivery (its verification of the hub) running. Now
both are closed before the one-line refusal. A verification already sent to the hub's bound,
not yet serving, socket is cut by the delivery's stop instead of waiting for its answer's
timeout (exit in about 1.5 s, was 12 s; tests/localnotion/webhooks/test_delivery.py proves the
cut without timing it; here the run's timeout is only a guard).
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from notionhub.errors import NotionhubError
from notionhub.queue.processor import EventProcessor
from notionhub.queue.runtime import Runtime
from notionhub.web.app import create_hub_app
from tests.queue.conftest import hub_settings
from tests.test_startup_errors import refusal, run

NO_SUCH_DB = "0123456789abcdef0123456789abcdef"
WEBHOOK_THREADS = ("local-notion-webhook", "notion-webhooks-resume")


def test_a_failed_start_with_webhooks_on_exits_with_one_line(tmp_path: Path) -> None:
    # Webhooks on, as by default. The generous timeout of ``run`` is the guard: a thread left
    # running keeps the process alive and the run times out.
    result = run(
        tmp_path, "serve", "--port", "0", LOG_LEVEL="warning", NOTION_EVENT_LOG_DB=NO_SUCH_DB
    )
    assert refusal(result) == (
        f"error: NOTION_EVENT_LOG_DB={NO_SUCH_DB} names no database or data"
        " source this integration can see: share it with the integration or fix the id."
    )


def test_a_failed_start_leaves_no_thread_of_the_embedded_notion(
    tmp_path: Path, processor: EventProcessor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTION_EVENT_LOG_DB", NO_SUCH_DB)
    runtime = Runtime(hub_settings(tmp_path / ".notionhub"), processor)
    assert runtime.settings.notionhub_notion_webhooks
    before = set(threading.enumerate())  # other tests' apps may have left threads
    app = create_hub_app(runtime, "http://127.0.0.1:1")

    async def start() -> None:
        async with app.router.lifespan_context(app):
            pass

    with pytest.raises(NotionhubError, match="NOTION_EVENT_LOG_DB"):
        asyncio.run(start())
    # What would hold the exit (any non-daemon thread) or keep talking to the hub (the webhook
    # delivery). The local Notion storage's daemon checkpoint thread is not closed by the
    # embedded server's close, on a failed start or a normal stop alike.
    started = [
        t
        for t in threading.enumerate()
        if t not in before and (not t.daemon or t.name.startswith(WEBHOOK_THREADS))
    ]
    for thread in started:
        thread.join(timeout=30)  # a guard only: a closed delivery ends at once
    assert [t.name for t in started if t.is_alive()] == []
