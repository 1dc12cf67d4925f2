"""The webhooks of one local Notion server, as the app holds them.

``WebhookNotifier`` owns the subscriptions (``subscribe`` / ``unsubscribe`` / ``describe``),
the write hook (``watch``: what a write needs before and after its handler) and the background
sender. With no subscription, ``watch`` answers None and a write costs nothing more.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx
import structlog

from notionhub.localnotion.webhooks.aggregation import Aggregator
from notionhub.localnotion.webhooks.delivery import WebhookSender
from notionhub.localnotion.webhooks.events import Author, WebhookEvent, Workplace
from notionhub.localnotion.webhooks.retries import RetrySchedule
from notionhub.localnotion.webhooks.store import Subscription, WebhookStore
from notionhub.localnotion.webhooks.writes import DERIVERS, Write, object_before
from notionhub.localnotion.workspace import ROOT_PAGE_TITLE, Workspace

WEBHOOKS_FILE = "webhooks.sqlite3"
RECENT_DELIVERIES = 20  # how many of a subscription's latest deliveries the admin API lists
log = structlog.get_logger("notionhub.localnotion")


def new_verification_token() -> str:
    return f"secret_{secrets.token_urlsafe(32)}"


class WriteWatch:
    """One write under watch: what it was before, and the events it made once run."""

    def __init__(self, notifier: WebhookNotifier, route: str, author: Author) -> None:
        self._notifier = notifier
        self._route = route
        self._author = author
        self.events: list[WebhookEvent] = []

    def run(
        self,
        handler: Callable[[], dict[str, Any]],
        path: Mapping[str, str],
        body: dict[str, Any],
    ) -> dict[str, Any]:
        """Run the write's handler; derive its events right after, before anything else runs."""
        ws = self._notifier.workspace
        before = object_before(ws, self._route, path)
        result = handler()
        try:
            write = Write(ws, path, body, result, before, self._author, ws.now())
            self.events = DERIVERS[self._route](write)
        except Exception:  # a write stands even if its events cannot be told
            log.exception("webhook_events_failed", route=self._route)
        return result

    def publish(self) -> None:
        """Hand the events to the sender: call once the write is committed."""
        self._notifier.publish(self.events)


class WebhookNotifier:
    """Subscriptions, the write hook and the sender of one workspace."""

    def __init__(
        self,
        workspace: Workspace,
        data_dir: Path,
        *,
        aggregation_seconds: float = 1.0,
        retry_base_seconds: float = 1.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.workspace = workspace
        self.store = WebhookStore(data_dir / WEBHOOKS_FILE)
        workplace = Workplace(workspace.workspace_id, ROOT_PAGE_TITLE, workspace.bot_id)
        self.sender = WebhookSender(
            self.store,
            Aggregator(aggregation_seconds),
            RetrySchedule(base=retry_base_seconds),
            workplace,
            workspace.now,
            transport=transport,
        )
        self._listening = bool(self.store.subscriptions())

    # -- subscriptions -------------------------------------------------------------------

    def subscribe(
        self, url: str, event_types: tuple[str, ...] | None = None
    ) -> tuple[Subscription, bool]:
        """The subscription of ``url`` and whether it is new (one URL, one subscription)."""
        existing = self.store.subscription_by_url(url)
        if existing is not None:
            return existing, False
        fresh = Subscription(
            id=str(uuid.uuid4()),
            url=url,
            event_types=event_types,
            verification_token=new_verification_token(),
            status="pending_verification",
            created_time=self.workspace.now(),
        )
        stored = self.store.add(fresh)
        self._listening = True
        if stored.id == fresh.id:
            log.info(
                "webhook_subscription_created",
                subscription_id=stored.id,
                url=url,
                event_types=list(event_types) if event_types is not None else None,
            )
            self.sender.wake()  # the verification request goes out
        return stored, stored.id == fresh.id

    def unsubscribe(self, subscription_id: str) -> bool:
        removed = self.store.remove(subscription_id)
        self._listening = bool(self.store.subscriptions())
        if removed:
            log.info("webhook_subscription_deleted", subscription_id=subscription_id)
        return removed

    def retry_now(self, subscription_id: str) -> None:
        """Its receiver is listening (again): verify and deliver now, whatever the backoff."""
        self.sender.retry_now(subscription_id)

    def subscriptions(self) -> list[Subscription]:
        return self.store.subscriptions()

    def describe(self, sub: Subscription, *, with_token: bool = False) -> dict[str, Any]:
        """A subscription and its delivery state, as the admin API answers it."""
        described: dict[str, Any] = {
            "id": sub.id,
            "url": sub.url,
            "event_types": list(sub.event_types) if sub.event_types is not None else None,
            "status": sub.status,
            "created_time": sub.created_time,
            "verified_time": sub.verified_time,
        }
        if with_token:
            described["verification_token"] = sub.verification_token
        described.update(
            delivered=sub.delivered,
            pending=self.store.pending_count(sub.id),
            failed=sub.failed,
            last_error=sub.last_error,
            last_delivery_time=sub.last_delivery_time,
            recent_deliveries=self.store.recent(sub.id, RECENT_DELIVERIES),
        )
        return described

    # -- the write hook ------------------------------------------------------------------

    def author(self, person: bool) -> Author:
        ws = self.workspace
        return Author(ws.person_id, "person") if person else Author(ws.bot_id, "bot")

    def watch(self, route: str, person: bool) -> WriteWatch | None:
        """A watch over a write on ``route`` by the person (or the bot), or None when nobody
        listens or the route writes nothing."""
        if not self._listening or route not in DERIVERS:
            return None
        return WriteWatch(self, route, self.author(person))

    def publish(self, events: list[WebhookEvent]) -> None:
        """Events of a committed write, for the sender; returns at once."""
        if events:
            self.sender.publish(events)

    # -- life ----------------------------------------------------------------------------

    def start(self) -> None:
        """Resume verifications and pending deliveries, if there is any subscription."""
        if self._listening:
            self.sender.start()

    def close(self) -> None:
        self.sender.stop()
        self.store.close()
