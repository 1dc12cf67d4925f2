"""Delivery: retries, a dead or slow receiver, unsubscribing, and aggregation over a window."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from notion_client import Client

from notionhub.localnotion.webhooks import delivery as sending
from tests.conftest import RunningServer, start_server
from tests.localnotion.conftest import title
from tests.localnotion.webhooks.conftest import (
    PERSON_TOKEN,
    Receiver,
    client_of,
    make_crm,
    property_ids,
    subscribe,
    subscription,
    subscriptions,
    verify_signature,
    wait_until,
)
from tests.servers import serving


def test_a_failed_attempt_is_retried_with_the_next_attempt_number(
    server: RunningServer, receiver: Receiver, bot: Client, root: str
) -> None:
    created = subscribe(server, receiver)
    receiver.statuses.append(500)
    page = bot.pages.create(parent={"page_id": root}, properties={"title": title("Again")})
    event = receiver.wait_for_event("page.created", page["id"])
    receiver.wait_for(lambda _: len(receiver.requests_of(event["id"])) == 2)

    first, second = receiver.requests_of(event["id"])
    assert [first.json["attempt_number"], second.json["attempt_number"]] == [1, 2]
    assert first.body != second.body
    token = created["verification_token"]
    assert verify_signature(first, token) and verify_signature(second, token)
    wait_until(lambda: subscription(server, created["id"])["pending"] == 0, "delivered")
    state = subscription(server, created["id"])
    assert state["last_error"] == "HTTP 500"
    retried = next(d for d in state["recent_deliveries"] if d["event_id"] == event["id"])
    assert retried["attempt_number"] == 2
    assert (retried["status"], retried["http_status"], retried["error"]) == ("delivered", 200, None)


def test_a_dead_receiver_fails_after_8_attempts_and_holds_up_nobody(
    server: RunningServer, other_receiver: Receiver, bot: Client, root: str
) -> None:
    dead = Receiver()
    with serving(dead.app()) as base_url:
        dead.url = f"{base_url}/hook"
        created = subscribe(server, dead)
    subscribe(server, other_receiver)
    # Nothing listens at the dead receiver's URL any more; writes go on.
    pages = [
        bot.pages.create(parent={"page_id": root}, properties={"title": title(str(n))})
        for n in range(3)
    ]
    for page in pages:
        other_receiver.wait_for_event("page.created", page["id"])
    wait_until(lambda: subscription(server, created["id"])["pending"] == 0, "the last attempts")
    state = subscription(server, created["id"])
    # Each page: page.created, and page.content_updated of the root page it was added to.
    assert (state["status"], state["delivered"], state["failed"]) == ("active", 0, 6)
    told = {d["event_id"]: d for d in state["recent_deliveries"]}
    assert len(told) == 6
    for delivery in told.values():
        assert (delivery["status"], delivery["attempt_number"]) == ("failed", 8)
        assert delivery["http_status"] is None
        assert delivery["error"].startswith("ConnectError")
    assert state["last_error"].startswith("ConnectError")


def test_a_slow_receiver_neither_delays_answers_nor_other_subscriptions(
    server: RunningServer,
    receiver: Receiver,
    other_receiver: Receiver,
    bot: Client,
    root: str,
) -> None:
    slow = subscribe(server, receiver)
    subscribe(server, other_receiver)
    receiver.hold.set()
    first = bot.pages.create(parent={"page_id": root}, properties={"title": title("1")})
    receiver.wait_for_event("page.created", first["id"])  # now held, unanswered
    second = bot.pages.create(parent={"page_id": root}, properties={"title": title("2")})
    other_receiver.wait_for_event("page.created", second["id"])
    # Both answered and the other receiver has both, while the slow one still holds the first.
    assert receiver.hold.is_set()
    assert subscription(server, slow["id"])["pending"] >= 1
    receiver.hold.clear()
    receiver.wait_for_event("page.created", second["id"])
    wait_until(lambda: subscription(server, slow["id"])["pending"] == 0, "all delivered")


def test_a_deleted_subscription_gets_nothing_more(
    server: RunningServer,
    receiver: Receiver,
    other_receiver: Receiver,
    bot: Client,
    root: str,
) -> None:
    gone = subscribe(server, receiver)
    subscribe(server, other_receiver)
    assert server.admin("DELETE", f"/_admin/webhooks/{gone['id']}").status_code == 200
    page = bot.pages.create(parent={"page_id": root}, properties={"title": title("After")})
    # Events are queued for every subscription at once: the other one has it, so the deleted
    # one would have had it queued too.
    other_receiver.wait_for_event("page.created", page["id"])
    assert receiver.events() == []
    assert [s["url"] for s in subscriptions(server)] == [other_receiver.url]


@pytest.fixture
def windowed(tmp_path: Path) -> Iterator[RunningServer]:
    """A server that merges one entity's events of a type within 2 seconds."""
    running = start_server(
        tmp_path / "notion",
        webhook_aggregation_seconds=2.0,
        webhook_retry_base_seconds=0.005,
        person_tokens=(PERSON_TOKEN,),
    )
    yield running
    running.stop()


def test_edits_within_the_window_arrive_as_one_event(
    windowed: RunningServer, receiver: Receiver
) -> None:
    subscribe(windowed, receiver)
    bot, person = client_of(windowed), client_of(windowed, PERSON_TOKEN)
    root = bot.search(query="notionhub")["results"][0]["id"]
    crm = make_crm(bot, root)
    ids = property_ids(bot, crm["data_source_id"])
    users = {user["type"]: user["id"] for user in bot.users.list()["results"]}
    parent = {"data_source_id": crm["data_source_id"]}

    fresh = bot.pages.create(parent=parent, properties={"Name": {"title": title("New")}})
    bot.pages.update(page_id=fresh["id"], properties={"Price": {"number": 1}})
    known = bot.pages.create(parent=parent, properties={"Name": {"title": title("Known")}})
    gone = bot.pages.create(parent=parent, properties={"Name": {"title": title("Gone")}})
    receiver.wait_for_event("page.created", gone["id"])  # the first window has closed

    bot.pages.update(page_id=known["id"], properties={"Name": {"title": title("Known 2")}})
    person.pages.update(page_id=known["id"], properties={"Price": {"number": 2}})
    bot.pages.update(page_id=gone["id"], in_trash=True)
    bot.pages.update(page_id=gone["id"], in_trash=False)
    merged = receiver.wait_for_event("page.properties_updated", known["id"])
    receiver.wait_for_event("page.undeleted", gone["id"])

    def of(page_id: str) -> list[str]:
        return [e["type"] for e in receiver.events() if e["entity"]["id"] == page_id]

    # Created and edited within the window: one page.created, read whole by the receiver.
    assert of(fresh["id"]) == ["page.created"]
    # Two edits by two authors: one event with both properties and both authors.
    assert of(known["id"]) == ["page.created", "page.properties_updated"]
    assert sorted(merged["data"]["updated_properties"]) == sorted([ids["Name"], ids["Price"]])
    assert merged["authors"] == [
        {"id": users["bot"], "type": "bot"},
        {"id": users["person"], "type": "person"},
    ]
    # Trashed and restored within the window: both, in order.
    assert of(gone["id"]) == ["page.created", "page.deleted", "page.undeleted"]
    bot.close()
    person.close()


def test_stopping_cuts_a_request_the_receiver_never_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A receiver that takes the connection and never answers (a hub whose port is bound while
    it starts): stopping the server ends the request then, not at its timeout, and the cut
    request is not taken for the receiver's answer."""
    monkeypatch.setattr(sending, "TIMEOUT_SECONDS", 3600.0)  # only the cut can end it
    silent = socket.create_server(("127.0.0.1", 0))
    silent.settimeout(30)  # guards, not timings
    url = f"http://127.0.0.1:{silent.getsockname()[1]}/hook"
    server = start_server(tmp_path / "notion", webhook_aggregation_seconds=0.0)
    try:
        answer = server.admin("POST", "/_admin/webhooks", {"url": url})
        assert answer.status_code == 201, answer.text
        connection, _ = silent.accept()  # the verification, sent and waiting for an answer
        connection.settimeout(30)
        assert b"verification_token" in _read_request(connection)

        server.stop()

        assert not server.thread.is_alive()
        assert connection.recv(1) == b""  # the sender shut the connection down
        connection.close()
        # Started again (the receiver still silent): the cut was not recorded as its answer.
        again = start_server(tmp_path / "notion", webhook_aggregation_seconds=0.0)
        [state] = subscriptions(again)
        again.stop()
        assert (state["status"], state["last_error"]) == ("pending_verification", None)
    finally:
        server.stop()
        silent.close()


def _read_request(connection: socket.socket) -> bytes:
    received = b""
    while b"\r\n\r\n" not in received or not received.rstrip().endswith(b"}"):
        chunk = connection.recv(65536)
        if not chunk:
            break
        received += chunk
    return received
