"""The outbox's notifications, POSTed to a real HTTP receiver: each once, whatever runs at once.

Every payment event and every collect tick sends what waits, so passes overlap; each
notification is claimed before it is posted. A claim whose call never succeeded is taken up
again once stale; a failed call gives it back at once.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

import pytest
from sqlalchemy import Engine, insert, select, update

from notionhub.errors import OutboundUnavailable
from notionhub.hubdb.engine import create_tables
from notionhub.outbound import OutboundClient, OutboundPolicy
from notionhub.packs.enterprise.revenue import (
    CLAIM_STALE_SECONDS,
    NOTIFY_SERVICE,
    claim_notification,
    send_outbox,
)
from notionhub.packs.enterprise.settings import EnterpriseSettings
from notionhub.packs.enterprise.tables import enterprise_outbox, metadata
from notionhub.packs.pack import FlowContext
from tests.first_rows import write_behind_an_uncommitted_row

NOW = 1_800_000_000.0


class Receiver:
    """An HTTP endpoint that counts the notifications it is sent, and answers ``status``."""

    def __init__(self) -> None:
        self.ids: Counter[str] = Counter()
        self.status = 200
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with receiver.lock:
                    receiver.ids[body["id"]] += 1
                self.send_response(receiver.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/notify"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Sender:
    """What ``send_outbox`` uses of a flow's context: the hub database, the time, a client."""

    engine: Engine
    url: str
    policy: OutboundPolicy

    def now(self) -> datetime:
        return datetime.fromtimestamp(NOW, tz=UTC)

    def outbound(self, service: str, base_url: str) -> OutboundClient:
        return OutboundClient(self.engine, service, base_url, policy=self.policy)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.close()


@pytest.fixture
def outbox_engine(any_hub_engine: Engine) -> Engine:
    create_tables(any_hub_engine, metadata)
    return any_hub_engine


def waiting(engine: Engine, count: int, *, sent_at: float | None = None) -> list[str]:
    ids = [f"payment_received:pi_{number}" for number in range(count)]
    with engine.begin() as connection:
        for number, notification_id in enumerate(ids):
            connection.execute(
                insert(enterprise_outbox).values(
                    notification_id=notification_id,
                    recipient="ana@example.com",
                    template="payment_received",
                    subject="Payment received",
                    body="Thank you.",
                    created_at=float(number),
                    sent_at=sent_at,
                )
            )
    return ids


def send(engine: Engine, receiver: Receiver, *, attempts: int = 5) -> int:
    policy = OutboundPolicy(rate=1_000.0, burst=1_000, max_attempts=attempts, base_seconds=0.0)
    context = cast(FlowContext, Sender(engine, receiver.url, policy))
    settings = EnterpriseSettings(_env_file=None, notify_url=receiver.url)  # type: ignore[call-arg]
    return send_outbox(context, settings)


def test_passes_at_once_post_each_notification_once(
    outbox_engine: Engine, receiver: Receiver
) -> None:
    ids = waiting(outbox_engine, 30)
    sent: list[int] = []
    threads = [
        threading.Thread(target=lambda: sent.append(send(outbox_engine, receiver)))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(sent) == 30
    assert receiver.ids == Counter(dict.fromkeys(ids, 1))
    assert send(outbox_engine, receiver) == 0  # nothing waits any more


def test_a_claim_never_followed_by_a_call_is_sent_once_stale(
    outbox_engine: Engine, receiver: Receiver
) -> None:
    """A worker that died between its claim and its call: a later pass sends the notification
    once the claim is stale, not while it is fresh, and never one whose call succeeded."""
    [fresh] = waiting(outbox_engine, 1, sent_at=NOW - 10)
    assert send(outbox_engine, receiver) == 0
    with outbox_engine.begin() as connection:
        connection.execute(update(enterprise_outbox).values(sent_at=NOW - CLAIM_STALE_SECONDS - 1))
    assert send(outbox_engine, receiver) == 1
    assert receiver.ids == Counter({fresh: 1})
    with outbox_engine.begin() as connection:  # sent, and now stale: its record says so
        connection.execute(update(enterprise_outbox).values(sent_at=NOW - CLAIM_STALE_SECONDS - 1))
    assert send(outbox_engine, receiver) == 0
    assert receiver.ids == Counter({fresh: 1})
    assert NOTIFY_SERVICE == "enterprise-notify"


def test_a_failed_call_gives_the_notification_back(
    outbox_engine: Engine, receiver: Receiver
) -> None:
    [notification] = waiting(outbox_engine, 1)
    receiver.status = 503
    with pytest.raises(OutboundUnavailable):
        send(outbox_engine, receiver, attempts=1)
    with outbox_engine.connect() as connection:
        assert connection.execute(select(enterprise_outbox.c.sent_at)).scalar_one() is None
    receiver.status = 200
    assert send(outbox_engine, receiver) == 1
    assert receiver.ids[notification] == 2  # the refused call, then the accepted one


def test_a_notification_claimed_by_two_workers_at_once_goes_to_one(
    postgres_hub_engine: Engine,
) -> None:
    """On PostgreSQL the second claim waits for the first, then finds the time moved."""
    create_tables(postgres_hub_engine, metadata)
    [notification] = waiting(postgres_hub_engine, 1)
    first = (
        update(enterprise_outbox)
        .where(enterprise_outbox.c.notification_id == notification)
        .values(sent_at=NOW)
    )
    claimed: list[bool] = []
    raised = write_behind_an_uncommitted_row(
        postgres_hub_engine,
        first,
        lambda: claimed.append(claim_notification(postgres_hub_engine, notification, None, NOW)),
    )
    assert raised is None
    assert claimed == [False]
