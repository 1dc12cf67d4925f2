"""The whole path over HTTP: signed webhooks into the hub, the coaching pack through the durable
queue, and the Notion rows read back with notion-client from the local Notion server."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from notion_client import Client

from notionhub.packs.coaching import PACK as COACHING
from notionhub.queue.processor import EventProcessor
from notionhub.queue.runtime import Runtime
from tests.clocks import running_from
from tests.conftest import RunningServer
from tests.hub_server import Hub, serve_hub
from tests.ingest.harness import load_payload
from tests.ingest.signers import SECRETS, SIGNERS
from tests.packs.coaching.conftest import NOW, PACKAGES, coaching_settings, fresh_page
from tests.packs.coaching.day import a_day
from tests.packs.coaching.scenario import Delivery
from tests.queue.conftest import FAST_SCHEDULE, wait_until_drained

INTERNAL_KEY = SECRETS["coaching-app"]


@pytest.fixture
def hub(
    tmp_path: Path,
    processor: EventProcessor,
    notion_server: RunningServer,
    notion: Client,
    root_page_id: str,
) -> Iterator[Hub]:
    parent = fresh_page(notion, root_page_id, f"Coaching hub {tmp_path.name}")
    settings = coaching_settings(
        tmp_path / ".notionhub",
        notion_server,
        parent,
        calcom_webhook_secret=SECRETS["calcom"],
        zoom_webhook_secret_token=SECRETS["zoom"],
        stripe_webhook_secret=SECRETS["stripe"],
        internal_api_key=INTERNAL_KEY,
        notionhub_upkeep_seconds=0.2,
    )
    runtime = Runtime(
        settings, processor, packs=[COACHING], schedule=FAST_SCHEDULE, clock=running_from(NOW)
    )
    with serve_hub(runtime, bearer=INTERNAL_KEY) as client:
        yield client


def post(hub: Hub, delivery: Delivery) -> dict[str, Any]:
    """Post a delivery signed the provider's way, as the provider would."""
    signed = SIGNERS[delivery.provider](delivery.body, at=hub.runtime.clock())
    headers = {k: v for k, v in signed.headers.items() if k.lower() != "authorization"}
    answer = hub.post(f"/hooks/{delivery.provider}", content=delivery.body, headers=headers)
    assert answer.status_code == 202, answer.text
    result: dict[str, Any] = answer.json()
    return result


def data_source(notion: Client, hub: Hub, title: str) -> str:
    assert hub.runtime.provision_report is not None
    return hub.runtime.provision_report.data_source_ids()[title]


def rows(notion: Client, hub: Hub, title: str) -> list[dict[str, Any]]:
    answer: Any = notion.data_sources.query(data_source(notion, hub, title), page_size=100)
    return list(answer["results"])


def plain(page: dict[str, Any], name: str) -> Any:
    """A property's value as a person reads it."""
    prop = page["properties"][name]
    kind = prop["type"]
    value = prop[kind]
    if kind in ("title", "rich_text"):
        return "".join(part["plain_text"] for part in value)
    if kind == "select":
        return value["name"] if value else None
    if kind == "relation":
        return [item["id"] for item in value]
    if kind == "rollup":
        return value.get(value["type"])
    return value


def eventually(check: Callable[[], Any], timeout: float = 60) -> Any:
    """Poll until ``check`` returns something truthy (a guard against hanging, not a timing)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.1)


def test_a_day_of_signed_webhooks_becomes_the_coachs_notion(hub: Hub, notion: Client) -> None:
    for package in PACKAGES:  # the coach's own rows, made in Notion before any event
        notion.pages.create(
            parent={"data_source_id": data_source(notion, hub, "Packages")},
            properties={
                "Package Name": {"title": [{"text": {"content": package.name}}]},
                "Price": {"number": package.price},
                "Cal.com Event Type": {"rich_text": [{"text": {"content": package.event_type}}]},
                "Stripe Price ID": {"rich_text": [{"text": {"content": package.stripe_price_id}}]},
            },
        )
    deliveries = a_day().deliveries
    answers = [post(hub, delivery) for delivery in deliveries]
    assert not any(answer["duplicate"] for answer in answers)
    # Redeliveries are acknowledged and stored once.
    assert all(post(hub, delivery)["duplicate"] for delivery in deliveries[:5])
    # The coaching app's own endpoint: a booking for a fourth client, and her payment.
    for name in ("booking_created", "checkout_session_complete"):
        body = json.loads(load_payload("coaching_app", name))
        answer = hub.post("/api/notion/notion-handler", json=body)
        assert answer.status_code == 202, answer.text
    assert hub.runtime.store is not None
    counts = wait_until_drained(hub.runtime.store, len(deliveries) + 2)
    assert counts.get("failed", 0) == 0 and counts.get("processed") == len(deliveries) + 2

    clients = {plain(p, "Contact Email"): p for p in rows(notion, hub, "Clients")}
    assert {email: plain(p, "Status") for email, p in clients.items()} == {
        "jane.doe@example.com": "Active",
        "omar@example.com": "Active",
        "lea@example.com": "Prospect",
    }
    sessions = {plain(p, "Booking ID"): p for p in rows(notion, hub, "Sessions")}
    assert sorted(sessions) == ["bFJeNb2uX8ANpT3JL5EfXw", "jane-1", "lea-1", "omar-1"]
    assert plain(sessions["omar-1"], "Status") == "No-show"
    assert plain(sessions["jane-1"], "Status") == "Completed"
    assert plain(sessions["jane-1"], "Attended Minutes") == 40
    assert plain(sessions["lea-1"], "Cancellation Reason") == "Found another coach"
    invoices = {plain(p, "Checkout Session ID"): p for p in rows(notion, hub, "Invoices")}
    assert {key: plain(p, "Status") for key, p in invoices.items()} == {
        "cs_jane": "Paid",
        "cs_omar": "Refunded",
        "cs_test_a1B2c3D4": "Paid",
    }
    assert plain(clients["jane.doe@example.com"], "Total Paid") == 900  # 450 + the app's 450

    def dashboard() -> dict[str, Any]:
        shown = rows(notion, hub, "Dashboard Metrics")
        return {plain(p, "Metric"): plain(p, "Value") for p in shown}

    expected = {
        "Total Clients": 3,
        "Active Clients": 2,
        "Total Revenue": 900,
        "Revenue This Month": 900,  # the app's payment counts from when it was received
        "Sessions This Month": 3,
        "Completed Sessions": 1,
        "No-show Rate": 50,
    }
    # The dashboard follows the events within NOTIONHUB_UPKEEP_SECONDS, one metric at a time.
    eventually(lambda: dashboard() == expected)
    assert dashboard() == expected
    event = hub.get("/api/events/stripe:evt_omar_refund").json()
    assert event["status"] == "processed"
    [update] = event["history"][-1]["notion_requests"]
    assert re.fullmatch(r"pages\.update ok /v1/pages/[0-9a-f-]{36}", update), update
