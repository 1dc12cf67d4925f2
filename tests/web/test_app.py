"""The hub over HTTP, in-process: webhook answers, the event API, stats, health and metrics."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog.testing
from fastapi import HTTPException, Request
from prometheus_client.parser import text_string_to_metric_families

from notionhub.ingest.event import MAX_BODY_BYTES
from notionhub.packs.echo import PACK as ECHO
from notionhub.queue.processor import EventProcessor
from notionhub.queue.runtime import Runtime
from notionhub.web.app import create_hub_app
from notionhub.web.authorization import UNAUTHORIZED, require
from tests.hub_server import Hub, serve_hub
from tests.queue.conftest import FAST_SCHEDULE, hub_settings, wait_until_drained
from tests.signing import STRIPE_SECRET, stripe_event, stripe_headers

INTERNAL_KEY = "internal-key"


@pytest.fixture
def hub(tmp_path: Path, processor: EventProcessor) -> Iterator[Hub]:
    settings = hub_settings(
        tmp_path / ".notionhub",
        stripe_webhook_secret=STRIPE_SECRET,
        internal_api_key=INTERNAL_KEY,
    )
    runtime = Runtime(settings, processor, packs=[ECHO], schedule=FAST_SCHEDULE)
    with serve_hub(runtime, bearer=INTERNAL_KEY) as client:
        yield client


@pytest.fixture
def unsubscribed_hub(tmp_path: Path, processor: EventProcessor) -> Iterator[Hub]:
    """A hub whose Notion has no webhook subscription yet (as real Notion before set-up)."""
    settings = hub_settings(tmp_path / ".notionhub", notionhub_notion_webhooks=False)
    runtime = Runtime(settings, processor, packs=[ECHO], schedule=FAST_SCHEDULE)
    with serve_hub(runtime) as client:
        yield client


def post_stripe(client: Hub, body: bytes, **headers: str) -> tuple[int, dict[str, object]]:
    answer = client.post("/hooks/stripe", content=body, headers={**stripe_headers(body), **headers})
    return answer.status_code, answer.json()


def drain(client: Hub, expected: int) -> None:
    assert client.runtime.store is not None
    wait_until_drained(client.runtime.store, expected)


def test_a_signed_event_is_accepted_processed_and_deduplicated(hub: Hub) -> None:
    body = stripe_event(1, "jane@example.com")
    assert post_stripe(hub, body) == (
        202,
        {"event_id": "stripe:evt_test_000001", "duplicate": False},
    )
    assert post_stripe(hub, body) == (
        202,
        {"event_id": "stripe:evt_test_000001", "duplicate": True},
    )
    drain(hub, 1)
    event = hub.get("/api/events/stripe:evt_test_000001").json()
    assert event["status"] == "processed"
    assert event["type"] == "checkout.session.completed"
    assert event["entity_key"] == "email:jane@example.com"
    assert event["data"]["data"]["object"]["id"] == "cs_test_000001"
    assert [step["kind"] for step in event["history"]] == ["received", "processed"]
    [created] = event["history"][-1]["notion_requests"]  # with the page it made
    assert re.fullmatch(r"pages\.create ok /v1/pages/[0-9a-f-]{36}", created), created
    listed = hub.get("/api/events", params={"status": "processed"}).json()
    assert [e["id"] for e in listed["events"]] == ["stripe:evt_test_000001"]
    stats = hub.get("/api/stats").json()
    assert stats["events"] == {
        "received": 1,
        "processed": 1,
        "failed": 0,
        "ignored": 0,
        "pending": 0,
    }
    assert stats["notion"]["requests"] == 1


def test_refusals_have_the_right_status_and_a_message(hub: Hub) -> None:
    body = stripe_event(2, "jane@example.com")
    status, answer = post_stripe(hub, body, **{"Stripe-Signature": "t=1,v1=00"})
    assert status == 401 and answer["error"] == "signature_rejected"
    changed = hub.post("/hooks/stripe", content=body + b" ", headers=stripe_headers(body))
    assert changed.status_code == 401  # signed, then changed
    assert hub.post("/hooks/stripe", content=body).status_code == 401  # no signature at all
    not_json = b"{not json"
    status, answer = post_stripe(hub, not_json)
    assert status == 400 and answer["error"] == "payload_rejected"
    answer = hub.post("/hooks/paypal", content=body).json()
    assert answer["error"] == "unknown_provider" and "stripe" in answer["message"]
    too_big = b"{" + b" " * MAX_BODY_BYTES + b"}"
    assert hub.post("/hooks/stripe", content=too_big).status_code == 413
    # Zoom has no secret here: refused, naming the variable, whatever the body.
    answer = hub.post("/hooks/zoom", content=b"{}")
    assert answer.status_code == 503
    assert "ZOOM_WEBHOOK_SECRET_TOKEN" in answer.json()["message"]
    assert hub.get("/api/stats").json()["events"]["received"] == 0
    metrics = hub.get("/metrics").text
    assert (
        'notionhub_events_received_total{outcome="rejected_401",provider="stripe"} 3.0' in metrics
    )
    assert 'notionhub_events_received_total{outcome="rejected_503",provider="zoom"} 1.0' in metrics


def test_replay_of_a_processed_event_and_of_a_running_one(hub: Hub) -> None:
    body = stripe_event(3, "jane@example.com")
    post_stripe(hub, body)
    drain(hub, 1)
    answer = hub.post("/api/events/stripe:evt_test_000003/replay")
    assert answer.status_code == 202
    drain(hub, 1)
    event = hub.get("/api/events/stripe:evt_test_000003").json()
    assert (event["status"], event["replays"]) == ("processed", 1)
    assert event["workflow_id"] == "stripe:evt_test_000003#replay-1"
    assert [s["kind"] for s in event["history"]] == ["received", "processed", "replay", "processed"]
    # The replayed run found the row and changed nothing: no second page.
    assert event["history"][-1]["notion_requests"] == []
    assert hub.post("/api/events/stripe:evt_unknown/replay").status_code == 404
    refused = hub.post("/api/events/stripe:evt_test_000003/replay", params={"pack": "nope"})
    assert refused.status_code == 400
    assert refused.json()["message"] == "nope is not an enabled pack; enabled: echo."
    only_echo = hub.post("/api/events/stripe:evt_test_000003/replay", params={"pack": "echo"})
    assert only_echo.status_code == 202 and only_echo.json()["packs"] == ["echo"]
    drain(hub, 1)
    history = hub.get("/api/events/stripe:evt_test_000003").json()["history"]
    assert history[-2] == {"at": history[-2]["at"], "kind": "replay", "packs": ["echo"]}
    assert list(history[-1]["packs"]) == ["echo"]
    assert hub.get("/api/events/stripe:evt_unknown").json()["error"] == "not_found"


def test_health_readiness_and_metrics(hub: Hub) -> None:
    assert hub.get("/health").json()["status"] == "ok"
    ready = hub.get("/health/ready")
    assert ready.status_code == 200
    checks = ready.json()["checks"]
    assert checks["database"]["ok"] and checks["notion"]["ok"]
    assert checks["queue"]["lag_seconds"] == 0
    post_stripe(hub, stripe_event(4, "jane@example.com"))
    drain(hub, 1)
    metrics = hub.get("/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert 'notionhub_events{status="processed"} 1.0' in text
    assert 'notionhub_events_finished_total{status="processed"} 1.0' in text
    assert "notionhub_queue_lag_seconds 0.0" in text
    assert 'notionhub_notion_requests_total{operation="pages.create",outcome="ok"}' in text
    commits = {
        sample.labels["database"]: sample.value
        for family in text_string_to_metric_families(text)
        if family.name == "notionhub_database_commits"
        for sample in family.samples
        if sample.name == "notionhub_database_commits_total"
    }
    assert commits["hub"] >= 3 and commits["dbos"] >= 1  # stored, claimed, finished; its workflow
    cpu = [
        sample.value
        for family in text_string_to_metric_families(text)
        if family.name == "process_cpu_seconds"
        for sample in family.samples
    ]
    assert len(cpu) == 1 and cpu[0] > 0  # the process's own, for CPU per event (bench scale)


def test_the_openapi_document_lists_the_contract_routes(hub: Hub) -> None:
    paths = set(hub.get("/openapi.json").json()["paths"])
    assert {
        "/hooks/{provider}",
        "/api/agents",
        "/api/forms/submit",
        "/webhooks/typeform",
        "/api/events",
        "/api/events/{event_id}",
        "/api/events/{event_id}/replay",
        "/api/stats",
        "/health",
        "/health/ready",
        "/metrics",
    } <= paths


def test_the_notion_handshake_saves_the_token_for_the_operator(unsubscribed_hub: Hub) -> None:
    hub = unsubscribed_hub
    with structlog.testing.capture_logs() as logs:
        answer = hub.post("/hooks/notion", json={"verification_token": "secret_handshake_123"})
    assert answer.status_code == 200
    path = hub.runtime.settings.notionhub_home / "notion-verification-token"
    assert path.read_text() == "secret_handshake_123\n"
    assert path.stat().st_mode & 0o777 == 0o600
    # Until NOTION_WEBHOOK_VERIFICATION_TOKEN is set, signed deliveries are refused.
    refused = hub.post("/hooks/notion", json={"id": "e1", "type": "page.created"})
    assert refused.status_code == 503
    assert "NOTION_WEBHOOK_VERIFICATION_TOKEN" in refused.json()["message"]
    [captured] = [line for line in logs if line["event"] == "webhook_secret_captured"]
    assert captured["saved_to"] == str(path)
    assert "NOTION_WEBHOOK_VERIFICATION_TOKEN" in captured["next_step"]
    assert "secret_handshake_123" not in repr(logs)


def test_the_embedded_notion_subscribes_the_hub_itself(hub: Hub) -> None:
    [subscription] = hub.get("/notion/_admin/webhooks").json()["subscriptions"]
    assert subscription["url"] == f"{hub.base_url}/hooks/notion"
    assert hub.runtime.poller is None
    # Anyone else's handshake changes nothing, and is answered as a right one would be, so
    # that a guess learns nothing: the hub keeps its token.
    other = hub.post("/hooks/notion", json={"verification_token": "secret_someone_else"})
    assert other.status_code == 200
    saved = hub.runtime.settings.notionhub_home / "notion-verification-token"
    assert not saved.exists() or "secret_someone_else" not in saved.read_text()


def test_the_event_api_wants_the_internal_key(hub: Hub) -> None:
    for headers in ({"Authorization": ""}, {"Authorization": "Bearer wrong"}):
        answer = hub.get("/api/events", headers=headers)
        assert answer.status_code == 401
        assert answer.json() == {
            "error": "unauthorized",
            "message": UNAUTHORIZED,
        }
    assert hub.get("/api/events").status_code == 200
    assert hub.get("/health/ready", headers={"Authorization": ""}).status_code == 200


@pytest.mark.parametrize(("client", "allowed"), [("127.0.0.1", True), ("203.0.113.9", False)])
def test_without_a_key_the_event_api_serves_this_machine_only(
    tmp_path: Path, processor: EventProcessor, client: str, allowed: bool
) -> None:
    runtime = Runtime(hub_settings(tmp_path), processor)
    app = create_hub_app(runtime, "http://127.0.0.1:8000")
    request = Request({"type": "http", "app": app, "client": (client, 5000), "headers": []})
    if allowed:
        assert asyncio.run(require("events:read")(request)).runtime is runtime
    else:
        with pytest.raises(HTTPException) as refused:
            asyncio.run(require("events:read")(request))
        assert refused.value.status_code == 403
