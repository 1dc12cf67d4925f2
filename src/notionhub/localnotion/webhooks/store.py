"""The webhooks' own SQLite file (``webhooks.sqlite3``): subscriptions and their deliveries.

Apart from the page store on purpose: deliveries are written by the sender thread while the
page store's group commit holds its file, and neither waits for the other.

A delivery is one event for one subscription: ``pending`` until the receiver answers 2xx
(``delivered``) or the last attempt failed (``failed``). Pending deliveries survive a restart;
``due`` is when the next attempt may go, on this process's monotonic clock, so it is reset at
start (after a restart, pending deliveries are due at once). Finished deliveries are kept
only as a recent history (``KEEP_FINISHED`` per subscription); the subscription counts them.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from notionhub.localnotion.webhooks.events import WebhookEvent

KEEP_FINISHED = 200

_DDL = """
CREATE TABLE IF NOT EXISTS subscriptions (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    event_types TEXT,
    verification_token TEXT NOT NULL,
    status TEXT NOT NULL,
    created_time TEXT NOT NULL,
    verified_time TEXT,
    delivered INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    last_delivery_time TEXT
);
CREATE TABLE IF NOT EXISTS deliveries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    event TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    due REAL NOT NULL DEFAULT 0,
    http_status INTEGER,
    error TEXT,
    updated_time TEXT
);
CREATE INDEX IF NOT EXISTS deliveries_pending
    ON deliveries (subscription_id, entity_id, seq) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS deliveries_by_subscription ON deliveries (subscription_id, seq);
"""

_SUBSCRIPTION_COLUMNS = (
    "id, url, event_types, verification_token, status, created_time, verified_time,"
    " delivered, failed, last_error, last_delivery_time"
)
# A pending delivery is a head when no older pending one of its entity waits before it.
_HEADS = """
    SELECT seq, subscription_id, event, attempts FROM deliveries AS d
    WHERE d.subscription_id = ? AND d.status = 'pending' AND d.due <= ?
      AND NOT EXISTS (
        SELECT 1 FROM deliveries AS e
        WHERE e.subscription_id = d.subscription_id AND e.entity_id = d.entity_id
          AND e.status = 'pending' AND e.seq < d.seq)
    ORDER BY seq LIMIT ?
"""
_NEXT_DUE = """
    SELECT MIN(due) FROM deliveries AS d
    WHERE d.subscription_id = ? AND d.status = 'pending'
      AND NOT EXISTS (
        SELECT 1 FROM deliveries AS e
        WHERE e.subscription_id = d.subscription_id AND e.entity_id = d.entity_id
          AND e.status = 'pending' AND e.seq < d.seq)
"""


@dataclass(frozen=True)
class Subscription:
    """A URL that receives the workspace's events, signed with its verification token."""

    id: str
    url: str
    event_types: tuple[str, ...] | None  # None: every type
    verification_token: str
    status: str  # pending_verification | active
    created_time: str
    verified_time: str | None = None
    delivered: int = 0
    failed: int = 0
    last_error: str | None = None
    last_delivery_time: str | None = None

    def wants(self, event_type: str) -> bool:
        return self.event_types is None or event_type in self.event_types


@dataclass(frozen=True)
class Delivery:
    """A pending delivery, as the sender takes it: the stored event and attempts made."""

    seq: int
    subscription_id: str
    event: dict[str, Any]
    attempts: int


class WebhookStore:
    """The subscriptions and deliveries; safe to share between threads."""

    def __init__(self, path: Path | str) -> None:
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA busy_timeout=10000")
        self._conn.executescript(_DDL)
        self._conn.execute("UPDATE deliveries SET due = 0 WHERE status = 'pending'")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One transaction, all or nothing."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    # -- subscriptions -------------------------------------------------------------------

    def subscriptions(self) -> list[Subscription]:
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_SUBSCRIPTION_COLUMNS} FROM subscriptions ORDER BY created_time, id"
            ).fetchall()
        return [_subscription(row) for row in rows]

    def subscription(self, subscription_id: str) -> Subscription | None:
        return self._one("id", subscription_id)

    def subscription_by_url(self, url: str) -> Subscription | None:
        return self._one("url", url)

    def _one(self, column: str, value: str) -> Subscription | None:
        with self._lock:
            row = self._conn.execute(
                f"SELECT {_SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE {column} = ?", (value,)
            ).fetchone()
        return _subscription(row) if row else None

    def add(self, sub: Subscription) -> Subscription:
        """Store a new subscription; if its URL already has one, that one is kept and returned."""
        types = None if sub.event_types is None else _json(list(sub.event_types))
        with self._lock:
            self._conn.execute(
                "INSERT INTO subscriptions (id, url, event_types, verification_token, status,"
                " created_time) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO NOTHING",
                (sub.id, sub.url, types, sub.verification_token, sub.status, sub.created_time),
            )
        found = self.subscription_by_url(sub.url)
        assert found is not None
        return found

    def remove(self, subscription_id: str) -> bool:
        with self._writing() as conn:
            conn.execute("DELETE FROM deliveries WHERE subscription_id = ?", (subscription_id,))
            gone = conn.execute("DELETE FROM subscriptions WHERE id = ?", (subscription_id,))
        return gone.rowcount > 0

    def activate(self, subscription_id: str, at: str) -> None:
        self._execute(
            "UPDATE subscriptions SET status = 'active', verified_time = ?, last_error = NULL"
            " WHERE id = ?",
            (at, subscription_id),
        )

    def note_error(self, subscription_id: str, error: str) -> None:
        self._execute(
            "UPDATE subscriptions SET last_error = ? WHERE id = ?", (error, subscription_id)
        )

    # -- deliveries ----------------------------------------------------------------------

    def enqueue(self, events: list[WebhookEvent], at: str) -> int:
        """A pending delivery of each event for each subscription that wants its type."""
        subscriptions = self.subscriptions()
        rows = [
            (sub.id, event.id, event.type, event.entity_id, _json(event.to_json()), at)
            for event in events
            for sub in subscriptions
            if sub.wants(event.type)
        ]
        if rows:
            with self._writing() as conn:
                conn.executemany(
                    "INSERT INTO deliveries (subscription_id, event_id, type, entity_id, event,"
                    " status, updated_time) VALUES (?, ?, ?, ?, ?, 'pending', ?)",
                    rows,
                )
        return len(rows)

    def due(self, subscription_id: str, now: float, limit: int) -> list[Delivery]:
        """The subscription's deliveries that may go now: the oldest pending one per entity."""
        with self._lock:
            rows = self._conn.execute(_HEADS, (subscription_id, now, limit)).fetchall()
        return [Delivery(row[0], row[1], orjson.loads(row[2]), int(row[3])) for row in rows]

    def retry_now(self, subscription_id: str) -> None:
        """Make every pending delivery of the subscription due now (its receiver is back)."""
        with self._writing() as conn:
            conn.execute(
                "UPDATE deliveries SET due = 0 WHERE subscription_id = ? AND status = 'pending'",
                (subscription_id,),
            )

    def next_due(self, subscription_id: str) -> float | None:
        with self._lock:
            row = self._conn.execute(_NEXT_DUE, (subscription_id,)).fetchone()
        return None if row is None or row[0] is None else float(row[0])

    def delivered(self, delivery: Delivery, attempt: int, http_status: int, at: str) -> None:
        with self._writing() as conn:
            conn.execute(
                "UPDATE deliveries SET status = 'delivered', attempts = ?, http_status = ?,"
                " error = NULL, updated_time = ? WHERE seq = ?",
                (attempt, http_status, at, delivery.seq),
            )
            conn.execute(
                "UPDATE subscriptions SET delivered = delivered + 1, last_delivery_time = ?"
                " WHERE id = ?",
                (at, delivery.subscription_id),
            )

    def attempt_failed(
        self,
        delivery: Delivery,
        attempt: int,
        http_status: int | None,
        error: str,
        at: str,
        retry_at: float | None,
    ) -> None:
        """Record a failed attempt: pending again from ``retry_at``, or ``failed`` (None)."""
        status = "failed" if retry_at is None else "pending"
        with self._writing() as conn:
            conn.execute(
                "UPDATE deliveries SET status = ?, attempts = ?, http_status = ?, error = ?,"
                " due = ?, updated_time = ? WHERE seq = ?",
                (status, attempt, http_status, error, retry_at or 0.0, at, delivery.seq),
            )
            conn.execute(
                "UPDATE subscriptions SET failed = failed + ?, last_error = ? WHERE id = ?",
                (int(retry_at is None), error, delivery.subscription_id),
            )

    def pending_count(self, subscription_id: str) -> int:
        with self._lock:
            row = self._conn.execute(
                "SELECT COUNT(*) FROM deliveries WHERE subscription_id = ? AND status = 'pending'",
                (subscription_id,),
            ).fetchone()
        return int(row[0])

    def recent(self, subscription_id: str, limit: int) -> list[dict[str, Any]]:
        """The latest deliveries of a subscription, newest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT event_id, type, entity_id, attempts, status, http_status, error,"
                " updated_time FROM deliveries WHERE subscription_id = ?"
                " ORDER BY seq DESC LIMIT ?",
                (subscription_id, limit),
            ).fetchall()
        return [
            {
                "event_id": row[0],
                "type": row[1],
                "entity_id": row[2],
                "attempt_number": row[3],
                "status": row[4],
                "http_status": row[5],
                "error": row[6],
                "time": row[7],
            }
            for row in rows
        ]

    def prune(self, subscription_id: str, keep: int = KEEP_FINISHED) -> None:
        """Forget finished deliveries beyond the latest ``keep`` (counts stay)."""
        self._execute(
            "DELETE FROM deliveries WHERE subscription_id = ? AND status != 'pending'"
            " AND seq < (SELECT seq FROM deliveries WHERE subscription_id = ?"
            " AND status != 'pending' ORDER BY seq DESC LIMIT 1 OFFSET ?)",
            (subscription_id, subscription_id, keep),
        )

    def _execute(self, sql: str, params: tuple[Any, ...]) -> None:
        with self._lock:
            self._conn.execute(sql, params)


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _subscription(row: tuple[Any, ...]) -> Subscription:
    types = None if row[2] is None else tuple(orjson.loads(row[2]))
    return Subscription(
        id=row[0],
        url=row[1],
        event_types=types,
        verification_token=row[3],
        status=row[4],
        created_time=row[5],
        verified_time=row[6],
        delivered=int(row[7]),
        failed=int(row[8]),
        last_error=row[9],
        last_delivery_time=row[10],
    )
