"""Reading back what a hub process did: its event log over HTTP, and the pages in Notion.

Shared by the whole-system runs (``test_crash_recovery``, ``fault_run``): the event log says
which events are processed, failed or still pending; Notion is read as a person would, without
faults, to count the pages under every key of every database.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from typing import Any

import httpx
from bench.coaching import data_source
from notion_client import Client

from notionhub.localnotion.app import DEFAULT_TOKEN
from notionhub.notion.schema import NotionModel
from notionhub.notion.schema.convert import from_page
from notionhub.notion.schema.model import key_value

PAGE = 500  # the event list's largest page


def wait_for_drain(hub_url: str, expected: int, timeout: float = 600) -> dict[str, Any]:
    """Poll /api/stats until ``expected`` events are received and none is pending (a hang
    guard, not a timing)."""
    deadline = time.monotonic() + timeout
    stats: dict[str, Any] = {}
    while time.monotonic() < deadline:
        try:
            stats = httpx.get(hub_url + "/api/stats", timeout=10).json()
        except (httpx.TransportError, ValueError):
            stats = {"error": "no answer"}
        else:
            events = stats["events"]
            done = events["processed"] + events["failed"] + events.get("ignored", 0)
            if events["pending"] == 0 and done >= expected:
                return stats
        time.sleep(0.5)
    raise AssertionError(f"not drained within {timeout:.0f} s: {stats}")


def event_summaries(hub_url: str, status: str | None = None) -> dict[str, dict[str, Any]]:
    """Every event of the hub's log (of ``status`` only, if given): id → its summary."""
    found: dict[str, dict[str, Any]] = {}
    before: int | None = None
    with httpx.Client(base_url=hub_url, timeout=30) as http:
        while True:
            params: dict[str, Any] = {"limit": PAGE}
            if status is not None:
                params["status"] = status
            if before is not None:
                params["before"] = before
            answer = http.get("/api/events", params=params)
            answer.raise_for_status()
            page = answer.json()
            found.update({event["id"]: event for event in page["events"]})
            before = page["next_before"]
            if before is None:
                return found


def notion_client(notion_url: str) -> Client:
    """The real notion-client against a local server, without retries: read after faults."""
    return Client(auth=DEFAULT_TOKEN, base_url=notion_url, retry=False)


def pages_of(notion_url: str, model: type[NotionModel]) -> list[dict[str, Any]]:
    """Every live page of ``model``'s database, as Notion answers it (``created_time`` and
    all)."""
    client = notion_client(notion_url)
    try:
        source = data_source(client, model.__database__.name)
        pages: list[dict[str, Any]] = []
        cursor = None
        while True:
            body: dict[str, Any] = {"page_size": 100}
            if cursor:
                body["start_cursor"] = cursor
            page = client.request(path=f"data_sources/{source}/query", method="POST", body=body)
            pages.extend(page["results"])
            if not page["has_more"]:
                return pages
            cursor = page["next_cursor"]
    finally:
        client.close()


def keys_in(notion_url: str, model: type[NotionModel]) -> Counter[str]:
    """How many live pages of ``model``'s database hold each key."""
    return Counter(key_value(from_page(model, row)) or "" for row in pages_of(notion_url, model))


def data_sources_named(notion_url: str, title: str) -> int:
    """How many data sources are titled exactly ``title`` (more than one: a database created
    twice)."""
    client = notion_client(notion_url)
    try:
        found = client.search(query=title, filter={"property": "object", "value": "data_source"})
    finally:
        client.close()
    titles = ["".join(part["plain_text"] for part in r.get("title", [])) for r in found["results"]]
    return titles.count(title)


def duplicate_keys(notion_url: str, models: Iterable[type[NotionModel]]) -> dict[str, list[str]]:
    """Database name → the keys held by more than one page (empty when all is well)."""
    found: dict[str, list[str]] = {}
    for model in models:
        copies = data_sources_named(notion_url, model.__database__.name)
        if copies != 1:
            found[model.__database__.name] = [f"{copies} databases of this name"]
            continue
        doubled = [key for key, count in keys_in(notion_url, model).items() if count > 1]
        if doubled:
            found[model.__database__.name] = sorted(doubled)
    return found
