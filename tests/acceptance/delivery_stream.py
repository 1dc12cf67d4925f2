"""Signed webhook deliveries posted from several threads, retried the way providers retry.

A delivery answered 503, or not answered (the hub is down, the connection was reset), is put
back at the end of the line and sent again after a short pause, until it gets its 202; what a
202 said (the event id, ``duplicate``) is kept. ``resend`` queues deliveries that were already
acknowledged, as a provider does when it never saw the answer.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field

import httpx
from bench.coaching import signed_headers
from bench.coaching_month import Delivery

RETRY_PAUSE = 0.1  # seconds a sender waits after a refusal: the hub is given room to come back


@dataclass(frozen=True)
class Posting:
    """One delivery: its provider, its exact body, and what it stands for."""

    provider: str
    body: bytes
    month: Delivery | None = None  # the month's delivery it is (None: made up by the run)
    poison: bool = False  # signed and well-formed, but no pack can apply it


@dataclass
class Counts:
    accepted: int = 0  # 202
    duplicates: int = 0  # 202, "duplicate": true
    refused: int = 0  # 503
    unanswered: int = 0  # no answer at all
    other: list[str] = field(default_factory=list)  # anything else: a bug of the run or the hub


class DeliveryStream:
    """``start`` the senders; ``busy`` while anything is queued or in flight; ``join``."""

    def __init__(self, hub_url: str, postings: list[Posting], *, senders: int = 6) -> None:
        self.hub_url = hub_url
        self.postings = postings
        self.counts = Counts()
        self._queue: deque[int] = deque(range(len(postings)))
        self._in_flight = 0
        self._acknowledged: dict[int, str] = {}  # index → event id
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._send, daemon=True) for _ in range(senders)]
        self._stopping = False

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def busy(self) -> bool:
        with self._lock:
            return bool(self._queue) or self._in_flight > 0

    def join(self) -> None:
        with self._lock:
            self._stopping = True
        for thread in self._threads:
            thread.join()

    def resend(self, indexes: list[int]) -> None:
        with self._lock:
            self._queue.extend(indexes)

    def acknowledged_count(self) -> int:
        with self._lock:
            return len(self._acknowledged)

    def acknowledged_indexes(self) -> list[int]:
        with self._lock:
            return list(self._acknowledged)

    def event_ids(self, *, poison: bool = False) -> set[str]:
        """Ids of the acknowledged events (only of the poison deliveries, with ``poison``)."""
        with self._lock:
            return {
                event_id
                for index, event_id in self._acknowledged.items()
                if self.postings[index].poison or not poison
            }

    def _next(self) -> int | None:
        """The next delivery to send; None once everything is sent and ``join`` was called."""
        while True:
            with self._lock:
                if self._queue:
                    self._in_flight += 1
                    return self._queue.popleft()
                if self._stopping and self._in_flight == 0:
                    return None
            time.sleep(0.01)

    def _send(self) -> None:
        with httpx.Client(base_url=self.hub_url, timeout=30, trust_env=False) as client:
            while (index := self._next()) is not None:
                self._post(client, index)

    def _post(self, client: httpx.Client, index: int) -> None:
        posting = self.postings[index]
        headers = signed_headers(posting.provider, posting.body, int(time.time()))
        status, answer = 0, None
        try:
            response = client.post(
                f"/hooks/{posting.provider}", content=posting.body, headers=headers
            )
            status = response.status_code
            answer = response.json() if status == 202 else response.text[:300]
        except httpx.TransportError:
            pass
        with self._lock:
            self._in_flight -= 1
            if status == 202 and isinstance(answer, dict):
                self.counts.accepted += 1
                self.counts.duplicates += bool(answer["duplicate"])
                known = self._acknowledged.setdefault(index, answer["event_id"])
                if known != answer["event_id"]:
                    self.counts.other.append(f"{index}: {known} then {answer['event_id']}")
                return
            if status == 0:
                self.counts.unanswered += 1
            elif status == 503:
                self.counts.refused += 1
            else:
                self.counts.other.append(f"{posting.provider} {status}: {answer}")
                return
            self._queue.append(index)  # sent again later, as the provider would
        time.sleep(RETRY_PAUSE)
