"""A hub with the enterprise pack on its embedded local Notion (one per module), a person
editing in Notion under her own token, a clock tests can move on, and signed Stripe events."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from notion_client import Client

from notionhub.packs.enterprise import PACK as ENTERPRISE
from notionhub.packs.enterprise import _collect
from notionhub.packs.pack import FlowContext
from notionhub.queue.processor import EventProcessor
from notionhub.queue.runtime import Runtime
from tests.hub_server import Hub, serve_hub
from tests.ingest.signers import SECRETS, stripe
from tests.packs.coaching.test_hub_end_to_end import eventually, plain
from tests.queue.conftest import FAST_SCHEDULE, hub_settings

PERSON_TOKEN = "operator-person-token"
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


class MovableClock:
    """Real time from ``start``, plus whatever the test moves it on by."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.began = time.monotonic()
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.began) + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


@dataclass
class EnterpriseHub:
    client: Hub
    person: Client
    clock: MovableClock

    @property
    def runtime(self) -> Runtime:
        return self.client.runtime

    def context(self) -> FlowContext:
        return self.runtime.flow_context("enterprise")

    def collect(self) -> str:
        """The collector's job, as its schedule runs it."""
        return _collect(self.context())

    def source(self, database: str) -> str:
        report = self.runtime.provision_report
        assert report is not None
        return report.data_source_ids()[database]

    def rows(self, database: str, key: str) -> dict[str, dict[str, Any]]:
        """The rows of a database by their key property, as the person sees them."""
        pages: list[dict[str, Any]] = []
        cursor = None
        while True:
            answer: Any = self.person.data_sources.query(
                self.source(database), page_size=100, **({"start_cursor": cursor} if cursor else {})
            )
            pages += answer["results"]
            if not answer["has_more"]:
                break
            cursor = answer["next_cursor"]
        return {plain(page, key): page for page in pages}

    def beat(self, name: str, **body: Any) -> dict[str, Any]:
        answer = self.client.post(f"/api/agents/{name}/heartbeat", json=body)
        assert answer.status_code == 202, answer.text
        result: dict[str, Any] = answer.json()
        return result

    def settled(self) -> bool:
        store = self.runtime.store
        assert store is not None
        counts = store.counts()
        return sum(counts.get(s, 0) for s in ("pending", "queued")) == 0

    def stripe(self, event_type: str, intent: dict[str, Any], *, event_id: str) -> None:
        body = json.dumps(
            {
                "id": event_id,
                "object": "event",
                "type": event_type,
                "created": int(self.clock().timestamp()),
                "data": {"object": {"object": "payment_intent", **intent}},
            }
        ).encode()
        signed = stripe(body, at=self.clock())
        answer = self.client.post("/hooks/stripe", content=body, headers=dict(signed.headers))
        assert answer.status_code == 202, answer.text
        assert eventually(self.settled)


def start_enterprise_hub(
    home: Path,
    processor: EventProcessor,
    clock: MovableClock,
    packs: str = "enterprise",
    **values: Any,
) -> Runtime:
    settings = hub_settings(
        home,
        **values,
        notionhub_packs=packs,
        local_notion_person_token=PERSON_TOKEN,
        local_notion_webhook_aggregation_seconds=0.0,
        stripe_webhook_secret=SECRETS["stripe"],
    )
    return Runtime(
        settings,
        processor,
        packs=[ENTERPRISE] if packs == "enterprise" else None,
        schedule=FAST_SCHEDULE,
        clock=clock,
    )


@pytest.fixture(scope="module")
def enterprise(
    tmp_path_factory: pytest.TempPathFactory, processor: EventProcessor
) -> Iterator[EnterpriseHub]:
    clock = MovableClock(NOW)
    home = tmp_path_factory.mktemp("enterprise") / ".notionhub"
    with pytest.MonkeyPatch.context() as patch:
        # Every significant change written at once: tests need not wait a minute.
        patch.setenv("ENTERPRISE_WRITE_INTERVAL_SECONDS", "0")
        with serve_hub(start_enterprise_hub(home, processor, clock)) as client:
            person = Client(auth=PERSON_TOKEN, base_url=f"{client.base_url}/notion")
            yield EnterpriseHub(client, person, clock)
            person.close()
