"""Fixtures for the webhooks of the local Notion server: a receiver app that records what it is
sent, and a local server on a port (its own data folder) with subscriptions to it.

Waiting is on conditions with a generous deadline (``DEADLINE``), never on fixed sleeps: the
deadline only guards against a hang.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pytest
from notion_client import Client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from notionhub.localnotion.app import DEFAULT_TOKEN
from tests import waiting
from tests.conftest import RunningServer, start_server
from tests.localnotion.conftest import CRM_PROPERTIES, title
from tests.servers import serving

DEADLINE = 30.0
PERSON_TOKEN = "local-notion-person-token"


@dataclass(frozen=True)
class Received:
    """One request the receiver got."""

    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        loaded: dict[str, Any] = orjson.loads(self.body)
        return loaded

    @property
    def is_verification(self) -> bool:
        return "verification_token" in self.json


@dataclass
class Receiver:
    """A webhook receiver: records every request; answers from ``statuses`` (then 200).

    ``hold``: while set, event deliveries wait (up to ``DEADLINE``) before being answered, as a
    slow receiver would; verification requests are answered at once.
    """

    url: str = ""
    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    hold: threading.Event = field(default_factory=threading.Event)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            seen = Received(dict(request.headers), await request.body())
            with self.changed:
                self.received.append(seen)
                self.changed.notify_all()
                status = self.statuses.pop(0) if self.statuses else 200
            deadline = time.monotonic() + DEADLINE
            while self.hold.is_set() and not seen.is_verification:
                if time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.01)
            return JSONResponse({}, status_code=status)

        return Starlette(routes=[Route("/hook", hook, methods=["POST"])])

    def wait_for(self, ready: Callable[[list[Received]], bool]) -> list[Received]:
        """Everything received, once ``ready`` holds of it (fails after ``DEADLINE``)."""
        deadline = time.monotonic() + DEADLINE
        with self.changed:
            while not ready(list(self.received)):
                left = deadline - time.monotonic()
                if left <= 0:
                    kinds = [r.json.get("type", "verification") for r in self.received]
                    raise AssertionError(f"the receiver got only {kinds}")
                self.changed.wait(left)
            return list(self.received)

    def events(self) -> list[dict[str, Any]]:
        with self.changed:
            return [r.json for r in self.received if not r.is_verification]

    def wait_for_event(self, kind: str, entity_id: str | None = None) -> dict[str, Any]:
        """The first event of ``kind`` (about ``entity_id``) received, waiting for it."""

        def matches(r: Received) -> bool:
            body = r.json
            return body.get("type") == kind and (
                entity_id is None or body["entity"]["id"] == entity_id
            )

        found = self.wait_for(lambda got: any(matches(r) for r in got))
        return next(r.json for r in found if matches(r))

    def requests_of(self, event_id: str) -> list[Received]:
        with self.changed:
            return [r for r in self.received if r.json.get("id") == event_id]


def verify_signature(received: Received, token: str) -> bool:
    expected = "sha256=" + hmac.new(token.encode(), received.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, received.headers.get("x-notion-signature", ""))


def wait_until(ready: Callable[[], bool], what: str) -> None:
    waiting.wait_until(ready, what, deadline=DEADLINE)


def subscriptions(server: RunningServer) -> list[dict[str, Any]]:
    answer = server.admin("GET", "/_admin/webhooks")
    assert answer.status_code == 200
    found: list[dict[str, Any]] = answer.json()["subscriptions"]
    return found


def subscription(server: RunningServer, subscription_id: str) -> dict[str, Any]:
    return next(s for s in subscriptions(server) if s["id"] == subscription_id)


def subscribe(server: RunningServer, receiver: Receiver, **body: Any) -> dict[str, Any]:
    """Subscribe the receiver and wait until the subscription is verified."""
    answer = server.admin("POST", "/_admin/webhooks", {"url": receiver.url, **body})
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    wait_until(lambda: subscription(server, created["id"])["status"] == "active", "verification")
    return created


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    with serving(found.app()) as base_url:
        found.url = f"{base_url}/hook"
        yield found


@pytest.fixture
def other_receiver() -> Iterator[Receiver]:
    found = Receiver()
    with serving(found.app()) as base_url:
        found.url = f"{base_url}/hook"
        yield found


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    """A local Notion server of its own: events sent at once, retries after milliseconds."""
    running = start_server(
        tmp_path / "notion",
        webhook_aggregation_seconds=0.0,
        webhook_retry_base_seconds=0.005,
        person_tokens=(PERSON_TOKEN,),
    )
    yield running
    running.stop()


def client_of(server: RunningServer, token: str = DEFAULT_TOKEN) -> Client:
    return Client(auth=token, base_url=server.base_url, retry=False)


@pytest.fixture
def bot(server: RunningServer) -> Iterator[Client]:
    client = client_of(server)
    yield client
    client.close()


@pytest.fixture
def person(server: RunningServer) -> Iterator[Client]:
    client = client_of(server, PERSON_TOKEN)
    yield client
    client.close()


@pytest.fixture
def root(bot: Client) -> str:
    found = bot.search(query="notionhub", filter={"property": "object", "value": "page"})
    return str(found["results"][0]["id"])


def make_crm(client: Client, root_page_id: str) -> dict[str, str]:
    db = client.databases.create(
        parent={"type": "page_id", "page_id": root_page_id},
        title=title("CRM"),
        initial_data_source={"properties": CRM_PROPERTIES},
    )
    return {"database_id": db["id"], "data_source_id": db["data_sources"][0]["id"]}


def property_ids(client: Client, data_source_id: str) -> dict[str, str]:
    """Property name -> id of a data source's schema."""
    schema = client.data_sources.retrieve(data_source_id=data_source_id)["properties"]
    return {name: prop["id"] for name, prop in schema.items()}
