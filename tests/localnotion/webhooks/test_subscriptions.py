"""Subscriptions: the admin API, verification, and what survives a restart."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from notionhub.localnotion.webhooks import WEBHOOKS_FILE
from tests.conftest import RunningServer, free_port, start_server
from tests.localnotion.conftest import title
from tests.localnotion.webhooks.conftest import (
    Receiver,
    client_of,
    subscribe,
    subscription,
    subscriptions,
    verify_signature,
    wait_until,
)
from tests.servers import serving


def test_a_subscription_is_verified_by_one_unsigned_post_of_its_token(
    server: RunningServer, receiver: Receiver
) -> None:
    answer = server.admin("POST", "/_admin/webhooks", {"url": receiver.url})
    assert answer.status_code == 201
    created = answer.json()
    assert created["url"] == receiver.url
    assert created["event_types"] is None
    assert created["status"] == "pending_verification"
    assert created["verification_token"].startswith("secret_")
    assert len(created["verification_token"]) > 30

    first = receiver.wait_for(lambda got: len(got) >= 1)[0]
    assert first.json == {"verification_token": created["verification_token"]}
    assert first.headers["content-type"] == "application/json"
    assert "x-notion-signature" not in first.headers
    wait_until(lambda: subscription(server, created["id"])["status"] == "active", "active")
    listed = subscription(server, created["id"])
    assert listed["verified_time"] is not None
    assert "verification_token" not in listed  # only the creating answer tells it


def test_the_same_url_answers_the_existing_subscription(
    server: RunningServer, receiver: Receiver
) -> None:
    first = server.admin("POST", "/_admin/webhooks", {"url": receiver.url})
    again = server.admin(
        "POST", "/_admin/webhooks", {"url": receiver.url, "event_types": ["page.created"]}
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["verification_token"] == first.json()["verification_token"]
    assert [s["id"] for s in subscriptions(server)] == [first.json()["id"]]


def test_a_bad_subscription_request_is_refused_with_notion_s_error(server: RunningServer) -> None:
    for body in (
        {},
        {"url": "ftp://example.invalid/x"},
        {"url": "http://127.0.0.1:1/hook", "event_types": ["page.exploded"]},
        {"url": "http://127.0.0.1:1/hook", "event_types": "page.created"},
    ):
        answer = server.admin("POST", "/_admin/webhooks", body)
        assert answer.status_code == 400, body
        assert answer.json()["code"] == "validation_error"
    assert subscriptions(server) == []


def test_delete_removes_a_subscription_and_an_unknown_one_is_404(
    server: RunningServer, receiver: Receiver
) -> None:
    created = subscribe(server, receiver)
    gone = server.admin("DELETE", f"/_admin/webhooks/{created['id']}")
    assert gone.status_code == 200
    assert gone.json() == {"id": created["id"], "deleted": True}
    assert subscriptions(server) == []
    again = server.admin("DELETE", f"/_admin/webhooks/{created['id']}")
    assert again.status_code == 404
    assert again.json()["object"] == "error"
    assert again.json()["code"] == "object_not_found"


def test_events_wait_for_verification_and_then_go_in_order(
    server: RunningServer, receiver: Receiver, root: str
) -> None:
    receiver.statuses.extend([503, 503])  # the first two verification requests fail
    created = server.admin("POST", "/_admin/webhooks", {"url": receiver.url}).json()
    client = client_of(server)
    page = client.pages.create(parent={"page_id": root}, properties={"title": title("Early")})
    client.pages.update(page_id=page["id"], properties={"title": title("Renamed")})
    event = receiver.wait_for_event("page.properties_updated", page["id"])
    got = receiver.wait_for(lambda got: True)
    kinds = [r.json.get("type", "verification") for r in got]
    assert kinds[:3] == ["verification"] * 3
    assert kinds.index("page.created") < kinds.index("page.properties_updated")
    assert event["subscription_id"] == created["id"]
    client.close()


def test_subscriptions_and_their_token_survive_a_restart(
    tmp_path: Path, receiver: Receiver
) -> None:
    data = tmp_path / "notion"
    first = start_server(data, webhook_aggregation_seconds=0.0)
    try:
        created = subscribe(first, receiver)
        before = _create_page(first, receiver)
    finally:
        first.stop()
    assert (data / WEBHOOKS_FILE).is_file()

    second = start_server(data, webhook_aggregation_seconds=0.0)
    try:
        listed = subscriptions(second)
        assert [(s["id"], s["status"]) for s in listed] == [(created["id"], "active")]
        after = _create_page(second, receiver)
    finally:
        second.stop()
    delivered = receiver.requests_of(after["id"])[0]
    assert verify_signature(delivered, created["verification_token"])
    assert after["subscription_id"] == created["id"]
    assert after["workspace_id"] == before["workspace_id"]  # the workspace keeps its id


def _create_page(server: RunningServer, receiver: Receiver) -> dict[str, object]:
    client = client_of(server)
    root = client.search(query="notionhub")["results"][0]["id"]
    page = client.pages.create(parent={"page_id": root}, properties={"title": title("x")})
    client.close()
    return receiver.wait_for_event("page.created", page["id"])


def test_configured_urls_are_subscribed_at_start_once(tmp_path: Path, receiver: Receiver) -> None:
    data = tmp_path / "notion"
    for _ in range(2):
        running = start_server(data, webhook_urls=(receiver.url,))
        try:
            wait_until(partial(_all_active, running), "verification")
            assert [s["url"] for s in subscriptions(running)] == [receiver.url]
        finally:
            running.stop()
    verifications = [r for r in receiver.wait_for(lambda got: True) if r.is_verification]
    assert len(verifications) == 1  # verified once: the second start found it active


def _all_active(server: RunningServer) -> bool:
    return all(s["status"] == "active" for s in subscriptions(server))


def test_pending_deliveries_survive_a_restart(tmp_path: Path) -> None:
    """A receiver down while events are written gets them after the server restarts."""
    data = tmp_path / "notion"
    port = free_port()
    receiver = Receiver(url=f"http://127.0.0.1:{port}/hook")
    first = start_server(data, webhook_aggregation_seconds=0.0, webhook_retry_base_seconds=60.0)
    try:
        created = first.admin("POST", "/_admin/webhooks", {"url": receiver.url}).json()
        client = client_of(first)
        root = client.search(query="notionhub")["results"][0]["id"]
        page = client.pages.create(parent={"page_id": root}, properties={"title": title("x")})
        client.close()
        wait_until(lambda: subscription(first, created["id"])["pending"] >= 1, "a pending one")
    finally:
        first.stop()

    with serving(receiver.app(), port=port):
        second = start_server(data, webhook_aggregation_seconds=0.0)
        try:
            event = receiver.wait_for_event("page.created", page["id"])
            assert event["attempt_number"] == 1
        finally:
            second.stop()
