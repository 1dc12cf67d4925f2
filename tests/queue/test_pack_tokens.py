"""Several integration tokens in one deployment: a pack with ``NOTION_TOKEN_<PACK>`` writes with
its own token (so its own Notion budget), its databases under ``NOTION_PARENT_PAGE_ID_<PACK>``,
and its workspace is polled for people's edits; the other packs keep the deployment's token.

Against a local Notion server over HTTP that accepts both tokens and logs which one each
request carried (the last four characters).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import pytest
from notion_client import Client
from sqlalchemy import select

from notionhub.hubdb.engine import read_connection
from notionhub.hubdb.tables import notion_budget
from notionhub.ingest.event import Event
from notionhub.localnotion.tokens import DEFAULT_TOKEN
from notionhub.notion.schema import DatabaseSpec, Key, NotionModel, RichText, Title
from notionhub.packs import Agent, FlowContext, Pack
from notionhub.packs.echo import PACK as ECHO
from notionhub.packs.echo.models import EventLogEntry
from notionhub.queue.processor import EventProcessor
from notionhub.queue.runtime import Runtime
from notionhub.settings import Settings
from tests.conftest import RunningServer, start_server
from tests.queue.conftest import FAST_SCHEDULE, make_event, wait_until_drained

ECHO_TOKEN = "echo-integration-A1b2"
PERSON_TOKEN = "person-token-P3r5"
EVENTS = 6


class Tally(NotionModel):
    """The other pack's one database: a row per event, written with the deployment's token."""

    __database__ = DatabaseSpec("Tally", env="NOTION_TALLY_DB")

    name: Annotated[str, Title("Name")]
    event_id: Annotated[str, RichText("Event ID"), Key()]


def tally(event: Event, context: FlowContext) -> str:
    context.records.upsert(Tally(name=event.type, event_id=event.idempotency_key))
    return "counted"


TALLY = Pack(
    "tally",
    "test",
    models=(Tally,),
    agents=(Agent("tally", "counts events", flows={"test:*": tally}, writes=(Tally,)),),
)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    running = start_server(
        tmp_path / "notion", tokens=(DEFAULT_TOKEN, ECHO_TOKEN), person_tokens=(PERSON_TOKEN,)
    )
    yield running
    running.stop()


@pytest.fixture
def client(server: RunningServer) -> Iterator[Callable[[str], Client]]:
    """``client(token)``: a ``notion-client`` of the server acting with ``token``."""
    opened: list[Client] = []

    def open_client(token: str) -> Client:
        opened.append(Client(auth=token, base_url=server.base_url, retry=False))
        return opened[-1]

    yield open_client
    for each in opened:
        each.close()


def requests_by_token(server: RunningServer) -> dict[str, list[str]]:
    """The routes of the requests the server logged, by the last four characters of the token."""
    log = server.admin("GET", "/_admin/stats?log=1").json()["requests"]
    found: dict[str, list[str]] = {}
    for request in log:
        found.setdefault(request["token"], []).append(request["route"])
    return found


def eventually(check: Callable[[], Any], timeout: float = 30) -> Any:
    """Polls for a state; a guard against hanging, not a timing."""
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, "never came true"
        time.sleep(0.05)
    return found


def test_a_pack_with_its_own_token_writes_with_it_under_its_own_page_and_is_polled(
    tmp_path: Path,
    server: RunningServer,
    client: Callable[[str], Client],
    processor: EventProcessor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    person = client(PERSON_TOKEN)
    root = person.search(query="notionhub", filter={"property": "object", "value": "page"})
    workspace_page = root["results"][0]["id"]
    echo_page = person.pages.create(
        parent={"page_id": workspace_page},
        properties={"title": {"title": [{"text": {"content": "Echo's workspace"}}]}},
    )["id"]
    monkeypatch.setenv("NOTION_TOKEN_ECHO", ECHO_TOKEN)
    monkeypatch.setenv("NOTION_PARENT_PAGE_ID_ECHO", echo_page)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        notionhub_home=tmp_path / ".notionhub",
        notion_base_url=server.base_url,
        notion_requests_per_second=1000,
        notionhub_poll_seconds=0.2,
    )
    server.admin("POST", "/_admin/reset-stats")
    runtime = Runtime(settings, processor, packs=[ECHO, TALLY], schedule=FAST_SCHEDULE)
    runtime.start()
    try:
        assert runtime.notion is not None and runtime.store is not None
        databases = {
            report.name: report.database_id for report in runtime.provision_report.databases
        }  # type: ignore[union-attr]
        reader = client(DEFAULT_TOKEN)
        assert reader.databases.retrieve(databases["Event Log"])["parent"]["page_id"] == echo_page
        assert reader.databases.retrieve(databases["Tally"])["parent"]["page_id"] == workspace_page

        runtime.store.insert_many([make_event(f"email:n{n}@example.com") for n in range(EVENTS)])
        runtime.wake()
        assert wait_until_drained(runtime.store, EVENTS)["processed"] == EVENTS

        used = requests_by_token(server)
        echo_writes = [route for route in used.get("A1b2", []) if route == "POST /v1/pages"]
        assert len(echo_writes) == EVENTS  # every Event Log row, with echo's token
        default_writes = [route for route in used.get("oken", []) if route == "POST /v1/pages"]
        assert len(default_writes) == EVENTS  # every Tally row, with the deployment's token
        # Each token has a budget of its own, shared by every process of the deployment.
        with read_connection(runtime.notion.engine) as connection:
            buckets = connection.execute(select(notion_budget.c.bucket)).all()
        assert len(buckets) == 2

        # A person edits a property the hub owns in echo's database: echo's workspace is
        # polled (no subscription covers it), and the value is put back with echo's token.
        assert runtime.other_pollers and runtime.poller is not None
        row = next(
            iter(
                runtime.notion.records(gateway=runtime.notion.gateway_of("echo")).all(EventLogEntry)
            )
        )
        server.admin("POST", "/_admin/reset-stats")
        person.pages.update(
            row.page_id, properties={"Type": {"rich_text": [{"text": {"content": "edited"}}]}}
        )

        def put_back() -> bool:
            page = reader.pages.retrieve(row.page_id)
            text = "".join(part["plain_text"] for part in page["properties"]["Type"]["rich_text"])
            return text == row.event_type

        eventually(put_back)
        updates = requests_by_token(server)
        assert "PATCH /v1/pages/{page_id}" in updates.get("A1b2", [])
        assert "PATCH /v1/pages/{page_id}" not in updates.get("oken", [])
    finally:
        runtime.stop()
