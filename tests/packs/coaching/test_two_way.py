"""Two-way, end to end over HTTP: a hub on its embedded local Notion, subscribed to its webhooks
(as ``make run`` is), and a coach editing in Notion with notion-client under her own token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import structlog
from notion_client import Client

from notionhub.localnotion.app import DEFAULT_TOKEN
from notionhub.packs.coaching import PACK as COACHING
from notionhub.queue.processor import EventProcessor
from notionhub.queue.runtime import Runtime
from notionhub.queue.store import StoredEvent
from tests.clocks import running_from
from tests.conftest import RunningServer, free_port, start_server
from tests.hub_server import Hub, serve_hub
from tests.ingest.signers import SECRETS
from tests.packs.coaching.conftest import NOW, coaching_settings, fresh_page
from tests.packs.coaching.scenario import Delivery, Scenario
from tests.packs.coaching.test_hub_end_to_end import eventually, plain, post
from tests.queue.conftest import FAST_SCHEDULE, hub_settings

COACH_TOKEN = "coach-person-token"
START = NOW - timedelta(days=2)


def start_hub(home: Path, processor: EventProcessor, **values: Any) -> Runtime:
    settings = hub_settings(
        home,
        notionhub_packs="coaching",
        local_notion_person_token=COACH_TOKEN,
        local_notion_webhook_aggregation_seconds=0.0,
        calcom_webhook_secret=SECRETS["calcom"],
        stripe_webhook_secret=SECRETS["stripe"],
        notionhub_upkeep_seconds=0.2,
        **values,
    )
    return Runtime(
        settings, processor, packs=[COACHING], schedule=FAST_SCHEDULE, clock=running_from(NOW)
    )


@pytest.fixture
def hub(tmp_path: Path, processor: EventProcessor) -> Iterator[Hub]:
    with serve_hub(start_hub(tmp_path / ".notionhub", processor)) as client:
        yield client


@pytest.fixture
def coach(hub: Hub) -> Iterator[Client]:
    client = Client(auth=COACH_TOKEN, base_url=f"{hub.base_url}/notion")
    yield client
    client.close()


def rows(hub: Hub, coach: Client, title: str) -> dict[str, dict[str, Any]]:
    """The rows of a database by their key property, as the coach sees them."""
    assert hub.runtime.provision_report is not None
    source = hub.runtime.provision_report.data_source_ids()[title]
    answer: Any = coach.data_sources.query(source, page_size=100)
    key = {"Invoices": "Checkout Session ID", "Sessions": "Booking ID"}.get(title, "")
    return {plain(page, key) if key else page["id"]: page for page in answer["results"]}


def dashboard(hub: Hub, coach: Client) -> dict[str, Any]:
    return {
        plain(page, "Metric"): plain(page, "Value")
        for page in rows(hub, coach, "Dashboard Metrics").values()
    }


def notion_events(hub: Hub) -> list[StoredEvent]:
    assert hub.runtime.store is not None
    return [e for e in hub.runtime.store.recent(limit=500) if e.provider == "notion"]


def hub_requests(hub: Hub) -> int:
    """Requests the hub made to its local Notion (its token's hint), as the server logged."""
    logged = hub.get("/notion/_admin/stats", params={"log": "1"}).json()["requests"]
    hint = hub.runtime.settings.local_notion_token.get_secret_value()[-4:]
    return sum(1 for request in logged if request["token"] == hint)


def deliveries_settled(hub: Hub) -> bool:
    [subscription] = hub.get("/notion/_admin/webhooks").json()["subscriptions"]
    return subscription["status"] == "active" and subscription["pending"] == 0


def all_finished(hub: Hub) -> bool:
    assert hub.runtime.store is not None
    counts = hub.runtime.store.counts()
    return sum(counts.get(s, 0) for s in ("pending", "queued")) == 0


def deliver(hub: Hub, *deliveries: Delivery) -> None:
    for delivery in deliveries:
        post(hub, delivery)
    eventually(lambda: all_finished(hub))


def checkout(
    scenario: Scenario,
    key: str,
    package: str,
    *,
    email: str = "ana@example.com",
    event_id: str | None = None,
) -> Delivery:
    return scenario.checkout(
        event_id=event_id or f"evt_{key}",
        session_id=key,
        payment_intent=f"pi_{key}",
        email=email,
        name="Ana",
        cents=45000,
        package=package,
        at=START,
    )


def test_a_package_added_in_notion_links_the_invoice_that_named_it(hub: Hub, coach: Client) -> None:
    deliver(hub, checkout(Scenario(), "cs_deep", "Deep Dive"))
    assert plain(rows(hub, coach, "Invoices")["cs_deep"], "Package") == []
    assert hub.runtime.provision_report is not None
    packages = hub.runtime.provision_report.data_source_ids()["Packages"]

    package = coach.pages.create(
        parent={"data_source_id": packages},
        properties={"Package Name": {"title": [{"text": {"content": "Deep Dive"}}]}},
    )

    linked = eventually(lambda: plain(rows(hub, coach, "Invoices")["cs_deep"], "Package"))
    assert linked == [package["id"]]
    eventually(lambda: all_finished(hub) and notion_events(hub))
    # The coach's edit cost the hub one page read; the events of its own writes cost nothing.
    by_coach = [e for e in notion_events(hub) if e.data["entity"]["id"] == package["id"]]
    assert [e.type for e in by_coach] == ["page.created"]
    shown = hub.get(f"/api/events/{by_coach[0].id}").json()
    # One read of the page, then the reaction's write of the invoice.
    read, write = shown["history"][-1]["notion_requests"]
    assert read == f"pages.retrieve ok /v1/pages/{package['id']}"
    assert re.fullmatch(r"pages\.update ok /v1/pages/[0-9a-f-]{36}", write), write
    others = [e for e in notion_events(hub) if e not in by_coach]
    assert all(e.status == "ignored" and e.notion_requests == 0 for e in others)
    # Notion told the hub of its own write to the invoice: acknowledged, not even stored.
    metrics = hub.get("/metrics").text
    assert 'notionhub_events_received_total{outcome="own_edit",provider="notion"}' in metrics
    # And nothing more comes of it: once every delivery is made and every event finished,
    # the local server's log shows no hub request after the reaction's write.
    made = hub_requests(hub)
    eventually(lambda: deliveries_settled(hub) and all_finished(hub))
    assert hub_requests(hub) == made


def test_a_package_not_found_is_said_in_the_event_and_the_log_then_linked_when_added(
    hub: Hub, coach: Client
) -> None:
    booking = Scenario().book(
        uid="ana-1",
        email="ana@example.com",
        name="Ana",
        start=START,
        at=START,
        extra={"metadata": {"package": "Premium"}},
    )
    with structlog.testing.capture_logs() as logs:
        event_id = post(hub, booking)["event_id"]
        eventually(lambda: all_finished(hub))

    shown = hub.get(f"/api/events/{event_id}").json()
    assert shown["status"] == "processed"
    [note] = shown["history"][-1]["notes"]
    assert note.startswith("coaching: client ana@example.com created; session ana-1 created; ")
    assert (
        "package 'Premium' not found in Packages (nor Cal.com Event Type 'coaching-session'):"
        " session ana-1 left without a package (linked when a matching row is added to"
        " Packages and the hub sees it)"
    ) in note
    [logged] = [line for line in logs if line["event"] == "package_not_found"]
    assert logged == {
        "event": "package_not_found",
        "log_level": "warning",
        "database": "Packages",
        "row": "session ana-1",
        "package": "Premium",
        "event_type": "coaching-session",
        "event_id": event_id,
    }
    assert plain(rows(hub, coach, "Sessions")["ana-1"], "Package") == []

    # What the line promises: the coach adds the package, the session is linked.
    package = coach.pages.create(
        parent={"data_source_id": data_sources(hub)["Packages"]},
        properties={"Package Name": {"title": [{"text": {"content": "Premium"}}]}},
    )
    linked = eventually(lambda: plain(rows(hub, coach, "Sessions")["ana-1"], "Package"))
    assert linked == [package["id"]]


def test_statuses_the_coach_sets_stand_against_later_events_and_move_the_dashboard(
    hub: Hub, coach: Client
) -> None:
    scenario = Scenario()
    booking = scenario.book(
        uid="ana-1", email="ana@example.com", name="Ana", start=START, at=START - timedelta(days=3)
    )
    deliver(hub, booking, checkout(scenario, "cs_ana", "Clarity 5-pack"))
    eventually(lambda: dashboard(hub, coach).get("Total Revenue") == 450)

    session = rows(hub, coach, "Sessions")["ana-1"]
    invoice = rows(hub, coach, "Invoices")["cs_ana"]
    coach.pages.update(
        page_id=session["id"], properties={"Status": {"select": {"name": "No-show"}}}
    )
    coach.pages.update(
        page_id=invoice["id"], properties={"Status": {"select": {"name": "Refunded"}}}
    )

    # The refund the coach made outside Stripe: no longer counted as paid.
    assert eventually(lambda: dashboard(hub, coach).get("Total Revenue") == 0)
    assert plain(rows(hub, coach, "Invoices")["cs_ana"], "Paid Amount") == 0
    assert eventually(lambda: dashboard(hub, coach).get("No-show Rate") == 100)

    # Later events would have said Completed and Paid: the coach's word stands.
    deliver(
        hub,
        scenario.meeting_ended(
            uid="ana-1", email="ana@example.com", name="Ana", start=START, at=START
        ),
        checkout(scenario, "cs_ana", "Clarity 5-pack", event_id="evt_cs_ana_again"),
    )
    assert plain(rows(hub, coach, "Sessions")["ana-1"], "Status") == "No-show"
    assert plain(rows(hub, coach, "Invoices")["cs_ana"], "Status") == "Refunded"


def test_a_hub_property_the_coach_edits_is_put_back(hub: Hub, coach: Client) -> None:
    deliver(hub, checkout(Scenario(), "cs_bo", "Discovery", email="bo@example.com"))
    invoice = rows(hub, coach, "Invoices")["cs_bo"]
    coach.pages.update(page_id=invoice["id"], properties={"Amount": {"number": 1}})

    assert eventually(lambda: plain(rows(hub, coach, "Invoices")["cs_bo"], "Amount") == 450)


def test_forged_or_unsigned_notion_deliveries_are_refused(hub: Hub) -> None:
    body = b'{"id": "x", "type": "page.created", "timestamp": "2026-11-28T18:00:00.000Z"}'
    unsigned = hub.post("/hooks/notion", content=body)
    forged = hub.post(
        "/hooks/notion", content=body, headers={"X-Notion-Signature": "sha256=" + "0" * 64}
    )

    assert unsigned.status_code == 401 and forged.status_code == 401
    assert notion_events(hub) == []


def test_without_webhooks_the_polling_fallback_feeds_the_same_reactions(
    tmp_path: Path, processor: EventProcessor
) -> None:
    runtime = start_hub(
        tmp_path / ".notionhub",
        processor,
        notionhub_notion_webhooks=False,
        notionhub_poll_seconds=0.3,
    )
    with (
        serve_hub(runtime) as hub,
        Client(auth=COACH_TOKEN, base_url=f"{hub.base_url}/notion") as coach,
    ):
        assert runtime.poller is not None
        deliver(hub, checkout(Scenario(), "cs_poll", "Evening Circle"))
        assert runtime.provision_report is not None
        packages = runtime.provision_report.data_source_ids()["Packages"]
        eventually(lambda: runtime.poller is not None and runtime.poller.looks > 0)

        package = coach.pages.create(
            parent={"data_source_id": packages},
            properties={"Package Name": {"title": [{"text": {"content": "Evening Circle"}}]}},
        )

        linked = eventually(lambda: plain(rows(hub, coach, "Invoices")["cs_poll"], "Package"))
        assert linked == [package["id"]]
        polled = [e for e in notion_events(hub) if e.id.startswith("notion-poll:")]
        assert polled and all(e.notion_requests == 0 or e.status != "ignored" for e in polled)


def test_a_hub_that_was_down_gets_what_people_did_meanwhile(
    tmp_path: Path, processor: EventProcessor
) -> None:
    """Notion in its own process, the hub subscribed with the token it handed over; the hub
    stops, the coach edits, the hub comes back on its address and the edit arrives then."""
    port = free_port()
    hook = f"http://127.0.0.1:{port}/hooks/notion"
    server = start_server(
        tmp_path / "notion",
        person_tokens=(COACH_TOKEN,),
        webhook_aggregation_seconds=0.0,
        # Notion's 8 attempts must outlast the hub's restart: with 0.05 s they were spent
        # within 3-6 s, which a restart on a loaded machine can take (the edit then never
        # arrived). 0.2 s: the last attempt comes 13-25 s after the first, and once the hub is
        # back the next one comes within 13 s.
        webhook_retry_base_seconds=0.2,
    )
    try:
        token = server.admin("POST", "/_admin/webhooks", {"url": hook}).json()
        with Client(auth=DEFAULT_TOKEN, base_url=server.base_url) as root:
            found: Any = root.search(query="notionhub")
            parent = fresh_page(root, str(found["results"][0]["id"]), "Hub")
        settings = coaching_settings(
            tmp_path / ".notionhub",
            server,
            parent,
            notion_webhook_verification_token=token["verification_token"],
            stripe_webhook_secret=SECRETS["stripe"],
        )

        def runtime() -> Runtime:
            return Runtime(settings, processor, packs=[COACHING], schedule=FAST_SCHEDULE)

        with Client(auth=COACH_TOKEN, base_url=server.base_url) as coach:
            with serve_hub(runtime(), port=port) as hub:
                assert hub.runtime.poller is None  # a subscription brings the changes
                deliver(hub, checkout(Scenario(), "cs_late", "Late Bloomer"))
                packages = data_sources(hub)["Packages"]
            package = coach.pages.create(
                parent={"data_source_id": packages},
                properties={"Package Name": {"title": [{"text": {"content": "Late Bloomer"}}]}},
            )
            # Refused while the hub is down: retried with backoff, not lost.
            assert eventually(
                lambda: any(
                    delivery["entity_id"] == package["id"] and delivery["error"]
                    for delivery in webhooks(server)["recent_deliveries"]
                )
            )
            with serve_hub(runtime(), port=port) as hub:
                linked = eventually(lambda: plain(invoices(hub, coach)["cs_late"], "Package"))
                assert linked == [package["id"]]
                assert webhooks(server)["failed"] == 0
    finally:
        server.stop()


def data_sources(hub: Hub) -> dict[str, str]:
    assert hub.runtime.provision_report is not None
    return hub.runtime.provision_report.data_source_ids()


def invoices(hub: Hub, coach: Client) -> dict[str, dict[str, Any]]:
    answer: Any = coach.data_sources.query(data_sources(hub)["Invoices"], page_size=100)
    return {plain(page, "Checkout Session ID"): page for page in answer["results"]}


def webhooks(server: RunningServer) -> dict[str, Any]:
    [subscription] = server.admin("GET", "/_admin/webhooks").json()["subscriptions"]
    return dict(subscription)
