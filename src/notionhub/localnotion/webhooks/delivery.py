"""Sending webhooks in the background, off the request path.

One dispatcher thread takes the events the API published, lets the aggregator hold them for
their window, writes the released ones to the store (a pending delivery per subscription) and
hands each subscription's due deliveries to a worker of a small pool. A subscription has at most
one worker at a time, so its deliveries of one entity go in order, and a slow or dead receiver
holds one worker, never the others' deliveries. Until a subscription is verified (its URL
answered the verification POST with 2xx) its events stay queued.

Each attempt is a POST of the event with ``attempt_number`` set, signed with
``X-Notion-Signature: sha256=<HMAC-SHA256 of the exact body, keyed by the verification token>``;
2xx delivers it, anything else is retried (``RetrySchedule``) until the 8th attempt fails.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import math
import socket
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import httpx
import orjson
import structlog

from notionhub.localnotion.webhooks.aggregation import Aggregator
from notionhub.localnotion.webhooks.events import WebhookEvent, Workplace, envelope
from notionhub.localnotion.webhooks.retries import RetrySchedule
from notionhub.localnotion.webhooks.store import Delivery, Subscription, WebhookStore

TIMEOUT_SECONDS = 10.0
WORKERS = 8
BATCH = 50  # deliveries one worker takes for a subscription before the dispatcher looks again
IDLE_SECONDS = 5.0  # the dispatcher looks at least this often, in case a wake-up was missed
MAX_INBOX = 100_000  # events published but not yet taken by the dispatcher
log = structlog.get_logger("notionhub.localnotion")


def signature(body: bytes, verification_token: str) -> str:
    """The ``X-Notion-Signature`` header of a delivery."""
    digest = hmac.new(verification_token.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class WebhookSender:
    """The background delivery of one workspace's events; started on first need."""

    def __init__(
        self,
        store: WebhookStore,
        aggregator: Aggregator,
        schedule: RetrySchedule,
        workplace: Workplace,
        now_text: Callable[[], str],
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._store = store
        self._aggregator = aggregator
        self._schedule = schedule
        self._workplace = workplace
        self._now_text = now_text  # the workspace's clock, for the times it records
        self._transport = transport
        self._wake = threading.Condition()
        self._inbox: deque[WebhookEvent] = deque()
        self._busy: set[str] = set()  # subscriptions a worker is sending to
        self._verify_due: dict[str, float] = {}
        self._verify_attempts: dict[str, int] = {}
        self._state = "new"  # new | running | stopped
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._http: httpx.Client | None = None
        # The connections the client opened: ``stop`` shuts them down, so a request waiting
        # for a receiver that accepted the connection but does not answer (a hub whose port is
        # bound while it starts) ends at once, not at its timeout. Closing the client does not
        # wake a thread blocked reading its socket; shutting the socket down does.
        self._streams: weakref.WeakSet[Any] = weakref.WeakSet()

    # -- what the app calls ----------------------------------------------------------------

    def start(self) -> None:
        """Start the threads (once; never again after ``stop``)."""
        with self._wake:
            if self._state != "new":
                return
            self._state = "running"
            self._http = httpx.Client(timeout=TIMEOUT_SECONDS, transport=self._transport)
            self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="local-notion-webhook")
            self._thread = threading.Thread(
                target=self._run, name="local-notion-webhooks", daemon=True
            )
            self._thread.start()

    def publish(self, events: list[WebhookEvent]) -> None:
        """Hand over events of a committed write; returns at once."""
        with self._wake:
            if len(self._inbox) + len(events) > MAX_INBOX:
                log.warning("webhook_events_dropped", count=len(events), reason="inbox full")
                return
            self._inbox.extend(events)
            self._wake.notify()
        self.start()

    def wake(self) -> None:
        """Look again now (a subscription was added or removed)."""
        self.start()
        with self._wake:
            self._wake.notify()

    def retry_now(self, subscription_id: str) -> None:
        """The receiver is known to be back: verify and deliver now, not at the next backoff."""
        self._store.retry_now(subscription_id)
        with self._wake:
            self._verify_due.pop(subscription_id, None)
        self.wake()

    def stop(self) -> None:
        """Stop the threads; events still waiting in the aggregator are stored first. Requests
        in flight are cut (their deliveries stay pending, as if never sent)."""
        with self._wake:
            running, self._state = self._state == "running", "stopped"
            self._wake.notify()
            streams = list(self._streams)
        if not running:
            return
        assert self._thread is not None and self._pool is not None and self._http is not None
        for stream in streams:
            _shut_down(stream)
        self._thread.join()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._http.close()

    # -- the dispatcher thread -------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._wake:
                stopping = self._state == "stopped"
                events = list(self._inbox)
                self._inbox.clear()
            try:
                if stopping:
                    self._store_waiting(events, math.inf)
                    return
                self._step(events, time.monotonic())
                wait = self._seconds_to_wait(time.monotonic())
            except Exception:
                log.exception("webhook_dispatch_failed")
                wait = 1.0
            with self._wake:
                if not self._inbox and self._state == "running":
                    self._wake.wait(wait)

    def _store_waiting(self, events: list[WebhookEvent], now: float) -> None:
        for event in events:
            self._aggregator.add(event, now)
        released = self._aggregator.release(now)
        if released:
            self._store.enqueue(released, self._now_text())

    def _step(self, events: list[WebhookEvent], now: float) -> None:
        self._store_waiting(events, now)
        for sub in self._store.subscriptions():
            with self._wake:
                if sub.id in self._busy:
                    continue
            if sub.status != "active":
                with self._wake:
                    verify_due = self._verify_due.get(sub.id, 0.0)
                if verify_due <= now:
                    self._submit(sub, partial(self._verify, sub))
                continue
            due = self._store.due(sub.id, now, BATCH)
            if due:
                self._submit(sub, partial(self._deliver, sub, due))

    def _submit(self, sub: Subscription, job: Callable[[], None]) -> None:
        assert self._pool is not None

        def run() -> None:
            try:
                job()
            except Exception:
                log.exception("webhook_job_failed", subscription_id=sub.id)
            finally:
                with self._wake:
                    self._busy.discard(sub.id)
                    self._wake.notify()

        with self._wake:
            self._busy.add(sub.id)
        self._pool.submit(run)

    def _seconds_to_wait(self, now: float) -> float:
        moments = [self._aggregator.next_due()]
        for sub in self._store.subscriptions():
            with self._wake:
                if sub.id in self._busy:
                    continue  # its worker wakes the dispatcher when done
                verify_due = self._verify_due.get(sub.id, now)
            moments.append(self._store.next_due(sub.id) if sub.status == "active" else verify_due)
        soonest = min((m for m in moments if m is not None), default=now + IDLE_SECONDS)
        return min(IDLE_SECONDS, max(0.0, soonest - now))

    # -- the workers -----------------------------------------------------------------------

    def _post(self, url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
        """The receiver's status (None if it could not be reached) and an error, or ''."""
        assert self._http is not None
        try:
            response = self._http.post(
                url, content=body, headers=headers, extensions={"trace": self._trace}
            )
        except httpx.HTTPError as error:
            return None, f"{type(error).__name__}: {error}"[:300]
        if 200 <= response.status_code < 300:
            return response.status_code, ""
        return response.status_code, f"HTTP {response.status_code}"

    def _trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's trace extension: remember each connection opened (for ``stop``)."""
        if event == "connection.connect_tcp.complete":
            with self._wake:
                self._streams.add(info["return_value"])

    def _stopped(self) -> bool:
        with self._wake:
            return self._state == "stopped"

    def _verify(self, sub: Subscription) -> None:
        body = orjson.dumps({"verification_token": sub.verification_token})
        status, error = self._post(sub.url, body, {"Content-Type": "application/json"})
        if error and self._stopped():
            return  # cut by stop: not the receiver's answer, tried again at the next start
        if not error:
            self._store.activate(sub.id, self._now_text())
            with self._wake:
                self._verify_attempts.pop(sub.id, None)
                self._verify_due.pop(sub.id, None)
            log.info("webhook_subscription_verified", subscription_id=sub.id, url=sub.url)
            return
        with self._wake:
            attempt = self._verify_attempts.get(sub.id, 0) + 1
            self._verify_attempts[sub.id] = attempt
            delay = self._schedule.delay(attempt, sub.id)
            self._verify_due[sub.id] = time.monotonic() + delay
        self._store.note_error(sub.id, f"verification: {error}")
        log.info(
            "webhook_verification_failed",
            subscription_id=sub.id,
            url=sub.url,
            status=status,
            error=error,
            retry_in=round(delay, 3),
        )

    def _deliver(self, sub: Subscription, due: list[Delivery]) -> None:
        for delivery in due:
            with self._wake:
                if self._state != "running":
                    return
            if self._store.subscription(sub.id) is None:
                return  # deleted meanwhile: its deliveries are gone too
            self._attempt(sub, delivery)
        self._store.prune(sub.id)

    def _attempt(self, sub: Subscription, delivery: Delivery) -> None:
        attempt = delivery.attempts + 1
        body = orjson.dumps(envelope(delivery.event, self._workplace, sub.id, attempt))
        headers = {
            "Content-Type": "application/json",
            "X-Notion-Signature": signature(body, sub.verification_token),
        }
        status, error = self._post(sub.url, body, headers)
        if error and self._stopped():
            return  # cut by stop: still pending, this attempt not counted
        at = self._now_text()
        fields = {
            "subscription_id": sub.id,
            "event_id": delivery.event["id"],
            "type": delivery.event["type"],
            "attempt_number": attempt,
        }
        if not error:
            assert status is not None
            self._store.delivered(delivery, attempt, status, at)
            log.debug("webhook_delivered", **fields)
            return
        if self._schedule.gives_up_after(attempt):
            self._store.attempt_failed(delivery, attempt, status, error, at, None)
            log.warning("webhook_delivery_failed", url=sub.url, error=error, **fields)
            return
        delay = self._schedule.delay(attempt, str(delivery.event["id"]))
        self._store.attempt_failed(delivery, attempt, status, error, at, time.monotonic() + delay)
        log.info("webhook_delivery_retrying", error=error, retry_in=round(delay, 3), **fields)


def _shut_down(stream: Any) -> None:
    """Shut a connection's socket down: a thread blocked reading it returns at once."""
    sock = stream.get_extra_info("socket")
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):  # already closed by its own request
            sock.shutdown(socket.SHUT_RDWR)
