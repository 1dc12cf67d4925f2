"""The hub database locked by another process, or full: webhooks are refused with 503 and
Retry-After (nothing half-stored) instead of waiting past the sender's timeout, readiness answers
and names ``database``, and once the database is free again the same delivery is accepted."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
import structlog.testing
from sqlalchemy import event

from notionhub.packs.echo import PACK as ECHO
from notionhub.queue.processor import EventProcessor
from notionhub.queue.runtime import Runtime
from notionhub.settings import Settings
from tests.hub_server import Hub, serve_hub
from tests.queue.conftest import FAST_SCHEDULE, hub_settings
from tests.signing import STRIPE_SECRET, stripe_event, stripe_headers

# Short waits keep the test quick; the defaults are 3 s and 2 s.
BUSY_SECONDS = 0.5
CHECK_SECONDS = 1.0
# The client's own timeout: generous, so a refusal that hangs fails the test instead of passing.
CLIENT_SECONDS = 30.0


def start_hub(home: Path, processor: EventProcessor, **values: Any) -> Iterator[Hub]:
    settings = hub_settings(
        home,
        stripe_webhook_secret=STRIPE_SECRET,
        hub_db_busy_timeout_seconds=BUSY_SECONDS,
        health_check_timeout_seconds=CHECK_SECONDS,
        **values,
    )
    runtime = Runtime(settings, processor, packs=[ECHO], schedule=FAST_SCHEDULE)
    with serve_hub(runtime) as client:
        client.timeout = CLIENT_SECONDS  # type: ignore[assignment]
        yield client


@pytest.fixture
def sqlite_hub(tmp_path: Path, processor: EventProcessor) -> Iterator[Hub]:
    yield from start_hub(tmp_path / ".notionhub", processor)


@pytest.fixture
def postgres_hub(tmp_path: Path, processor: EventProcessor, postgres_url: str) -> Iterator[Hub]:
    yield from start_hub(tmp_path / ".notionhub", processor, database_url=postgres_url)


@contextmanager
def sqlite_locked(path: Path) -> Iterator[None]:
    """Another process's view: ``sqlite3 hub.sqlite3`` holding ``BEGIN EXCLUSIVE``."""
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        yield
        holder.execute("ROLLBACK")
    finally:
        holder.close()


@contextmanager
def postgres_locked(url: str) -> Iterator[None]:
    """Another session holding the events table's strongest lock (say, a migration)."""
    with psycopg.connect(url) as holder:
        holder.execute("LOCK TABLE events IN ACCESS EXCLUSIVE MODE")
        yield
        holder.rollback()


def post_stripe(hub: Hub, number: int) -> Any:
    body = stripe_event(number, "jane@example.com")
    return hub.post("/hooks/stripe", content=body, headers=stripe_headers(body))


def stored_ids(hub: Hub) -> list[str]:
    assert hub.runtime.store is not None
    return [event.id for event in hub.runtime.store.recent(limit=500)]


def assert_refused_busy(hub: Hub, number: int) -> None:
    with structlog.testing.capture_logs() as logs:
        refused = post_stripe(hub, number)
    assert refused.status_code == 503
    assert refused.headers["Retry-After"].isdigit()
    answer = refused.json()
    assert answer["error"] == "event_log_retry_later"
    assert "the hub database is busy, retry" in answer["message"].lower()
    assert "nothing was accepted" in answer["message"].lower()
    events = {entry["event"]: entry for entry in logs}
    assert "busy" in events["event_store_refused"]["reason"]
    assert events["webhook_rejected"]["status"] == 503


def assert_ready_blames_database(hub: Hub, reason: str) -> dict[str, Any]:
    ready = hub.get("/health/ready")
    assert ready.status_code == 503
    checks: dict[str, Any] = ready.json()["checks"]
    assert checks["database"]["ok"] is False
    assert reason in checks["database"]["error"]
    assert checks["notion"]["ok"] is not False  # not blamed: its budget lives in the database
    return checks


def test_a_locked_sqlite_database_refuses_with_503_then_accepts_once_released(
    sqlite_hub: Hub,
) -> None:
    hub = sqlite_hub
    with sqlite_locked(hub.runtime.settings.notionhub_home / "hub.sqlite3"):
        assert_refused_busy(hub, 1)
        assert_refused_busy(hub, 2)  # the next one too: nothing queues behind the lock
        checks = assert_ready_blames_database(hub, "busy")
        assert checks["queue"]["ok"] is True  # WAL readers are not held by the lock
    assert stored_ids(hub) == []  # nothing half-stored
    accepted = post_stripe(hub, 1)
    assert accepted.status_code == 202
    assert accepted.json() == {"event_id": "stripe:evt_test_000001", "duplicate": False}
    assert hub.get("/health/ready").json()["checks"]["database"] == {"ok": True}


def test_a_locked_postgresql_table_refuses_with_503_then_accepts_once_released(
    postgres_hub: Hub,
) -> None:
    hub = postgres_hub
    url = hub.runtime.settings.database_url
    assert url is not None
    with postgres_locked(url):
        assert_refused_busy(hub, 1)
        checks = assert_ready_blames_database(hub, "busy")
        assert checks["queue"]["ok"] is False  # the table's lock holds its reads too
    assert stored_ids(hub) == []
    accepted = post_stripe(hub, 1)
    assert accepted.status_code == 202
    assert accepted.json()["duplicate"] is False
    assert hub.get("/health/ready").json()["checks"]["database"] == {"ok": True}


@contextmanager
def disk_full(hub: Hub) -> Iterator[None]:
    """Every write to the hub database fails as SQLite fails on a full disk (reads still work)."""
    assert hub.runtime.store is not None
    engine = hub.runtime.store.engine

    def refuse_writes(*args: Any) -> None:
        statement = str(args[2]).lstrip().upper()
        if statement.startswith(("INSERT", "UPDATE", "DELETE")):
            raise sqlite3.OperationalError("database or disk is full")

    event.listen(engine, "before_cursor_execute", refuse_writes)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", refuse_writes)


def test_a_full_disk_is_named_database_not_notion(sqlite_hub: Hub) -> None:
    hub = sqlite_hub
    with disk_full(hub):
        checks = assert_ready_blames_database(hub, "full")
        assert checks["queue"]["ok"] is True
        refused = post_stripe(hub, 1)
        assert refused.status_code == 503 and "Retry-After" in refused.headers
        assert "the hub database is full" in refused.json()["message"].lower()
    assert stored_ids(hub) == []
    assert post_stripe(hub, 1).status_code == 202
    ready = hub.get("/health/ready").json()
    assert ready["checks"]["database"] == {"ok": True} and ready["checks"]["notion"]["ok"]


def test_the_waits_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_DB_BUSY_TIMEOUT_SECONDS", "1.5")
    monkeypatch.setenv("HEALTH_CHECK_TIMEOUT_SECONDS", "4")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.hub_db_busy_timeout_seconds == 1.5
    assert settings.health_check_timeout_seconds == 4.0
    defaults = Settings(_env_file=None, _env_prefix="UNSET_")  # type: ignore[call-arg]
    assert (defaults.hub_db_busy_timeout_seconds, defaults.health_check_timeout_seconds) == (3, 2)
