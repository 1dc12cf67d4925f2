"""One hub for the console's tests (HTTP and browser): served on loopback with an
INTERNAL_API_KEY, the echo pack (a database to browse), the network pack (workflows) and a
pack whose flow fails the events a test names, until it stops naming them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, sync_playwright

from notionhub.ingest.event import Event
from notionhub.packs import Agent, FlowContext, Pack
from notionhub.packs.echo import PACK as ECHO
from notionhub.packs.network import PACK as NETWORK
from notionhub.queue.processor import EventProcessor
from notionhub.queue.runtime import Runtime
from notionhub.queue.store import EventStore
from notionhub.web.app import create_hub_app
from tests import waiting
from tests.conftest import free_port
from tests.queue.conftest import FAST_SCHEDULE, hub_settings
from tests.servers import serving
from tests.signing import STRIPE_SECRET, stripe_headers

KEY = "console-test-key"
WAIT_SECONDS = 60  # a guard against hanging, not a timing


@dataclass
class Breaker:
    """A pack's flow that fails (permanently) the events whose ids are in ``broken``."""

    broken: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def flow(self, event: Event, _context: FlowContext) -> str:
        with self.lock:
            if event.idempotency_key in self.broken:
                raise ValueError("the test broke this event")
        return "passed"

    def pack(self) -> Pack:
        flows = {"stripe:*": self.flow}
        return Pack("breaker", "test", models=(), agents=(Agent("breaker", "test", flows=flows),))


@dataclass
class ConsoleHub:
    url: str
    app: FastAPI
    runtime: Runtime
    breaker: Breaker

    @property
    def store(self) -> EventStore:
        assert self.runtime.store is not None
        return self.runtime.store

    def post_stripe(self, event_id: str, data: dict[str, object] | None = None) -> str:
        """Deliver a signed Stripe event; its stored id."""
        body = json.dumps(
            {
                "id": event_id,
                "type": "test.delivered",
                "created": 1_764_000_000,
                "data": {"object": data or {}},
            }
        ).encode()
        answer = httpx.post(f"{self.url}/hooks/stripe", content=body, headers=stripe_headers(body))
        assert answer.status_code == 202, answer.text
        return str(answer.json()["event_id"])

    def wait_for_status(self, event_id: str, *statuses: str) -> None:
        wait_until(lambda: self.store.get(event_id).status in statuses, f"{event_id} {statuses}")


def wait_until(condition: Callable[[], bool], what: str) -> None:
    waiting.wait_until(condition, what, deadline=WAIT_SECONDS, pause=0.02)


@pytest.fixture(scope="package")
def console_hub(
    tmp_path_factory: pytest.TempPathFactory, processor: EventProcessor
) -> Iterator[ConsoleHub]:
    settings = hub_settings(
        tmp_path_factory.mktemp("console") / ".notionhub",
        stripe_webhook_secret=STRIPE_SECRET,
        internal_api_key=KEY,
        notionhub_notion_webhooks=False,
    )
    breaker = Breaker()
    packs = [ECHO, NETWORK, breaker.pack()]
    runtime = Runtime(settings, processor, packs=packs, schedule=FAST_SCHEDULE)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SNOVIO_WEBHOOK_SECRET", "snovio-secret-of-the-console-tests")
        app = create_hub_app(runtime, url)
        with serving(app, port=port, start_seconds=60):
            yield ConsoleHub(url, app, runtime, breaker)


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's chromium, installed with apt-get when missing and we are root (CI); never a
    browser downloaded by Playwright."""
    if not CHROMIUM.exists():
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            pytest.skip("/usr/bin/chromium is missing: apt-get install -y chromium")
        install = ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]
        quiet = {
            "stdout": subprocess.DEVNULL,
            "env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        }
        if subprocess.run(install, check=False, **quiet).returncode != 0:
            subprocess.run(["apt-get", "update"], check=True, **quiet)
            subprocess.run(install, check=True, **quiet)
    return CHROMIUM


@pytest.fixture(scope="module")
def browser(chromium: Path) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser tests save each page: NOTIONHUB_CONSOLE_SCREENSHOTS (docs/img to
    refresh the documentation's), else a temporary folder."""
    configured = os.environ.get("NOTIONHUB_CONSOLE_SCREENSHOTS")
    folder = Path(configured) if configured else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
