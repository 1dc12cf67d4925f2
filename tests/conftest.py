"""Fixtures shared by every test: a real local Notion server over HTTP and clients for it."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
import structlog
import uvicorn
from notion_client import Client
from sqlalchemy import Engine

from notionhub.hubdb.engine import create_hub_engine
from notionhub.localnotion.app import DEFAULT_TOKEN, LocalNotionConfig, create_app
from notionhub.queue.processor import EventProcessor

# Shared assertions outside test modules report what differed, as asserts in tests do; registered
# here, before any test folder imports them.
pytest.register_assert_rewrite("tests.ingest.harness")


@pytest.fixture(autouse=True)
def _structlog_config_restored() -> Iterator[None]:
    """A command run in-process (``notionhub doctor`` sets the level to warning) configures
    structlog for the whole process; what it set ends with its test, or later tests capturing
    info lines would see only warnings."""
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningServer:
    """A local Notion server running on a port in a background thread."""

    base_url: str
    data_dir: Path
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def admin(self, method: str, path: str, json: object = None) -> httpx.Response:
        return httpx.request(method, f"{self.base_url}{path}", json=json, timeout=10)


def start_server(data_dir: Path, **config: object) -> RunningServer:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    app = create_app(LocalNotionConfig(data_dir=data_dir, public_url=base_url, **config))  # type: ignore[arg-type]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the local Notion server did not start")
        time.sleep(0.01)
    return RunningServer(base_url, data_dir, server, thread)


POSTGRES_ADMIN_URL = os.environ.get(
    "NOTIONHUB_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)


def running_in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database on the machine's server, dropped afterwards.

    Skipped when no server answers, except in CI, where PostgreSQL must be there.
    """
    try:
        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        if running_in_ci():
            raise
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {error}")
    name = f"notionhub_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def hub_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_hub_engine(f"sqlite:///{tmp_path / 'hub.sqlite3'}")
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_hub_engine(postgres_url: str) -> Iterator[Engine]:
    """The hub database on a fresh PostgreSQL database (its tables created)."""
    engine = create_hub_engine(postgres_url)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_hub_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """The hub database in both modes: a SQLite file, and a real PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = create_hub_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def processor() -> EventProcessor:
    """The process's one DBOS event processor (DBOS refuses a second instance of one name)."""
    return EventProcessor()


@pytest.fixture(scope="session")
def notion_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("notion"))
    yield running
    running.stop()


@pytest.fixture
def notion(notion_server: RunningServer) -> Iterator[Client]:
    """The real ``notion-client`` talking HTTP to the local server, without client retries."""
    client = Client(auth=DEFAULT_TOKEN, base_url=notion_server.base_url, retry=False)
    yield client
    client.close()


@pytest.fixture
def root_page_id(notion: Client) -> str:
    found = notion.search(query="notionhub", filter={"property": "object", "value": "page"})
    return str(found["results"][0]["id"])
