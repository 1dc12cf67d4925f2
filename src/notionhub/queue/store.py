"""The event log in the hub database: what was accepted, where each event stands, its history.

An event is written here before its 202 is sent, so from then on it survives ``kill -9``; the
dispatcher hands pending events to DBOS, and the workflow records the outcome here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Engine, and_, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from notionhub.errors import EventNotFound
from notionhub.hubdb.engine import read_connection, record_write_probe, write_transaction
from notionhub.hubdb.tables import event_history, events
from notionhub.ingest.event import Event

Status = Literal["pending", "queued", "processed", "failed", "ignored"]
STATUSES: tuple[Status, ...] = ("pending", "queued", "processed", "failed", "ignored")
FINISHED: tuple[Status, ...] = ("processed", "failed", "ignored")


@dataclass(frozen=True)
class StoredEvent:
    """One row of the event log."""

    seq: int
    id: str
    provider: str
    type: str
    entity_key: str | None
    occurred_at: float
    received_at: float
    data: dict[str, Any]
    status: Status
    attempts: int
    replays: int
    notion_requests: int
    last_error: str | None
    updated_at: float

    @property
    def workflow_id(self) -> str:
        """The DBOS workflow of this event's current run: a replay is a new run."""
        return self.id if self.replays == 0 else f"{self.id}#replay-{self.replays}"

    @property
    def partition(self) -> str:
        """Events of one entity apply in order; events without one need no order."""
        return self.entity_key or f"event:{self.id}"

    def event(self) -> Event:
        return Event(
            provider=self.provider,
            type=self.type,
            idempotency_key=self.id,
            entity_key=self.entity_key,
            occurred_at=datetime.fromtimestamp(self.occurred_at, tz=UTC),
            data=self.data,
        )

    def summary(self) -> dict[str, Any]:
        """The JSON of the event list (no payload)."""
        return {
            "id": self.id,
            "seq": self.seq,
            "provider": self.provider,
            "type": self.type,
            "entity_key": self.entity_key,
            "status": self.status,
            "attempts": self.attempts,
            "replays": self.replays,
            "notion_requests": self.notion_requests,
            "last_error": self.last_error,
            "occurred_at": _iso(self.occurred_at),
            "received_at": _iso(self.received_at),
            "updated_at": _iso(self.updated_at),
        }


@dataclass(frozen=True)
class HistoryEntry:
    at: float
    kind: str
    detail: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"at": _iso(self.at), "kind": self.kind, **self.detail}


class EventStore:
    """Reads and writes of the ``events`` and ``event_history`` tables."""

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], float] = time.time,
        *,
        ingest_wait_seconds: float | None = None,
    ) -> None:
        self.engine = engine
        self.clock = clock  # Unix seconds: when events arrive and change
        # How long a webhook waits for the database's locks (HUB_DB_BUSY_TIMEOUT_SECONDS);
        # None = as long as background work.
        self.ingest_wait_seconds = ingest_wait_seconds

    # -- intake ------------------------------------------------------------------------

    def insert_many(
        self, batch: Sequence[Event], *, wait_seconds: float | None = None
    ) -> list[bool]:
        """Store events in one transaction; for each, True if new, False if already stored.

        The ids already present are read first, in the same transaction (which holds SQLite's
        write lock from its start); the insert ignores conflicts anyway, so a concurrent worker
        on PostgreSQL inserting the same event at the same moment is still stored only once.
        ``wait_seconds``: the longest wait for the database's locks, then ``HubDatabaseBusy``
        and nothing stored (None: as long as background work).
        """
        now = self.clock()
        keys = [event.idempotency_key for event in batch]
        with write_transaction(self.engine, wait_seconds) as connection:
            present = set(
                connection.execute(select(events.c.id).where(events.c.id.in_(set(keys)))).scalars()
            )
            new: list[bool] = []
            rows = []
            for event, key in zip(batch, keys, strict=True):
                is_new = key not in present
                new.append(is_new)
                if is_new:
                    present.add(key)
                    rows.append(_row(event, now))
            if rows:
                connection.execute(self._insert_ignoring_duplicates(), rows)
        return new

    def _insert_ignoring_duplicates(self) -> Any:
        if self.engine.dialect.name == "postgresql":
            return postgresql.insert(events).on_conflict_do_nothing(index_elements=["id"])
        return sqlite.insert(events).on_conflict_do_nothing(index_elements=["id"])

    def check_writable(self, worker: str, wait_seconds: float) -> None:
        """Raise ``HubDatabaseBusy`` or ``HubDatabaseFull`` unless an event could be stored now.

        Takes the lock storing an event takes (SQLite's write lock; on PostgreSQL the events
        table's insert lock) within ``wait_seconds``, and commits a write of ``worker``'s probe
        row, which a full disk refuses.
        """
        with write_transaction(self.engine, wait_seconds) as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("LOCK TABLE events IN ROW EXCLUSIVE MODE"))
            record_write_probe(connection, worker, self.clock())

    # -- reads -------------------------------------------------------------------------

    def get(self, event_id: str) -> StoredEvent:
        with read_connection(self.engine) as connection:
            row = connection.execute(select(events).where(events.c.id == event_id)).first()
        if row is None:
            raise EventNotFound(f"No event with id {event_id!r}.")
        return _stored(row._mapping)

    def recent(
        self,
        *,
        status: Status | None = None,
        limit: int = 50,
        before_seq: int | None = None,
        provider: str | None = None,
        type: str | None = None,
        since: float | None = None,
        until: float | None = None,
        entity_key: str | None = None,
        search: str | None = None,
    ) -> list[StoredEvent]:
        """Newest first; ``before_seq`` pages back (keyset: the seq of the previous page's last);
        ``since``/``until``: received in [since, until) (Unix s); ``search``: a part of the id
        or entity key (case-insensitive)."""
        query = select(events).order_by(events.c.seq.desc()).limit(limit)
        equal = ((events.c.status, status), (events.c.provider, provider), (events.c.type, type))
        for column, value in (*equal, (events.c.entity_key, entity_key)):
            if value is not None:
                query = query.where(column == value)
        if since is not None:
            query = query.where(events.c.received_at >= since)
        if until is not None:
            query = query.where(events.c.received_at < until)
        if search:
            query = query.where(
                events.c.id.icontains(search, autoescape=True)
                | events.c.entity_key.icontains(search, autoescape=True)
            )
        if before_seq is not None:
            query = query.where(events.c.seq < before_seq)
        with read_connection(self.engine) as connection:
            return [_stored(row._mapping) for row in connection.execute(query)]

    def history(self, event_id: str) -> list[HistoryEntry]:
        """What happened to the event, oldest first, starting with its arrival."""
        received = HistoryEntry(self.get(event_id).received_at, "received", {})
        query = (
            select(event_history.c.at, event_history.c.kind, event_history.c.detail_json)
            .where(event_history.c.event_id == event_id)
            .order_by(event_history.c.id)
        )
        with read_connection(self.engine) as connection:
            return [received] + [
                HistoryEntry(row.at, row.kind, json.loads(row.detail_json))
                for row in connection.execute(query)
            ]

    def counts(self) -> dict[str, int]:
        """Events by status (every status present, zero when none)."""
        query = select(events.c.status, func.count()).group_by(events.c.status)
        with read_connection(self.engine) as connection:
            found = {row[0]: row[1] for row in connection.execute(query)}
        return {status: int(found.get(status, 0)) for status in STATUSES}

    def oldest_unfinished(self, wait_seconds: float | None = None) -> float | None:
        """When the oldest event not yet finished was received (the queue's lag).

        ``wait_seconds`` bounds the read on PostgreSQL, where a table lock can hold it.
        """
        query = select(func.min(events.c.received_at)).where(
            events.c.status.in_(("pending", "queued"))
        )
        with read_connection(self.engine, wait_seconds) as connection:
            value = connection.execute(query).scalar()
        return float(value) if value is not None else None

    def total_notion_requests(self) -> int:
        with read_connection(self.engine) as connection:
            value = connection.execute(select(func.sum(events.c.notion_requests))).scalar()
        return int(value or 0)

    # -- the dispatcher's side ---------------------------------------------------------

    def count_queued(self) -> int:
        query = select(func.count()).where(events.c.status == "queued")
        with read_connection(self.engine) as connection:
            return int(connection.execute(query).scalar() or 0)

    def claim_pending(self, limit: int) -> list[StoredEvent]:
        """Mark the oldest pending events queued (arrival order) and return them."""
        if limit <= 0:
            return []
        now = self.clock()
        with self.engine.begin() as connection:
            rows = [
                _stored(row._mapping)
                for row in connection.execute(
                    select(events)
                    .where(events.c.status == "pending")
                    .order_by(events.c.seq)
                    .limit(limit)
                )
            ]
            if not rows:
                return []
            # Conditional: another worker may have claimed some of them meanwhile.
            taken = set(
                connection.execute(
                    update(events)
                    .where(
                        and_(
                            events.c.id.in_([row.id for row in rows]), events.c.status == "pending"
                        )
                    )
                    .values(status="queued", updated_at=now)
                    .returning(events.c.id)
                ).scalars()
            )
        return [row for row in rows if row.id in taken]

    def queued_since(self, before: float) -> list[StoredEvent]:
        """Queued events not touched since ``before``: candidates for the sweep."""
        query = (
            select(events)
            .where(and_(events.c.status == "queued", events.c.updated_at < before))
            .order_by(events.c.seq)
        )
        with read_connection(self.engine) as connection:
            return [_stored(row._mapping) for row in connection.execute(query)]

    # -- the workflow's side -----------------------------------------------------------

    def record_attempt(
        self, event_id: str, attempt: int, error: str, requests: Any, *, pack: str | None = None
    ) -> None:
        detail = {"attempt": attempt, "error": error, "notion_requests": requests}
        if pack is not None:
            detail["pack"] = pack
        self._change(
            event_id,
            {"attempts": attempt, "last_error": error},
            "attempt_failed",
            detail,
            notion_requests=len(requests),
        )

    def finish(
        self,
        event_id: str,
        status: Status,
        *,
        attempts: int,
        detail: dict[str, Any],
        error: str | None = None,
        notion_requests: int = 0,
    ) -> None:
        """Record the end of a run: processed, failed or ignored."""
        self._change(
            event_id,
            {"status": status, "attempts": attempts, "last_error": error},
            status,
            detail,
            notion_requests=notion_requests,
        )

    def request_replay(
        self, event_ids: Iterable[str], *, packs: Sequence[str] | None = None
    ) -> list[str]:
        """Make finished events pending again, as a new run; returns those replayed.

        ``packs``: run only these packs' parts again (those that failed, say); None = all.
        """
        detail = "{}" if packs is None else json.dumps({"packs": sorted(set(packs))})
        replayed = []
        now = self.clock()
        with self.engine.begin() as connection:
            for event_id in event_ids:
                result = connection.execute(
                    update(events)
                    .where(and_(events.c.id == event_id, events.c.status.in_(FINISHED)))
                    .values(
                        status="pending",
                        replays=events.c.replays + 1,
                        attempts=0,
                        updated_at=now,
                    )
                )
                if result.rowcount:
                    replayed.append(event_id)
                    connection.execute(
                        insert(event_history).values(
                            event_id=event_id, at=now, kind="replay", detail_json=detail
                        )
                    )
        return replayed

    def replay_packs(self, event_id: str) -> list[str] | None:
        """The packs the event's latest replay asked for; None = every pack that handles it."""
        query = (
            select(event_history.c.detail_json)
            .where((event_history.c.event_id == event_id) & (event_history.c.kind == "replay"))
            .order_by(event_history.c.id.desc())
            .limit(1)
        )
        with read_connection(self.engine) as connection:
            detail = connection.execute(query).scalar()
        packs = json.loads(detail).get("packs") if detail else None
        return None if packs is None else [str(name) for name in packs]

    def failed_ids(self) -> list[str]:
        query = select(events.c.id).where(events.c.status == "failed").order_by(events.c.seq)
        with read_connection(self.engine) as connection:
            return list(connection.execute(query).scalars())

    def _change(
        self,
        event_id: str,
        values: dict[str, Any],
        kind: str,
        detail: dict[str, Any],
        *,
        notion_requests: int = 0,
    ) -> None:
        now = self.clock()
        with self.engine.begin() as connection:
            connection.execute(
                update(events)
                .where(events.c.id == event_id)
                .values(
                    **values,
                    updated_at=now,
                    notion_requests=events.c.notion_requests + notion_requests,
                )
            )
            connection.execute(
                insert(event_history).values(
                    event_id=event_id, at=now, kind=kind, detail_json=json.dumps(detail)
                )
            )


def _row(event: Event, now: float) -> dict[str, Any]:
    return {
        "id": event.idempotency_key,
        "provider": event.provider,
        "type": event.type,
        "entity_key": event.entity_key,
        "occurred_at": event.occurred_at.timestamp(),
        "received_at": now,
        "data_json": json.dumps(event.data, separators=(",", ":")),
        "status": "pending",
        "attempts": 0,
        "replays": 0,
        "notion_requests": 0,
        "updated_at": now,
    }


def _stored(row: Any) -> StoredEvent:
    return StoredEvent(
        seq=row["seq"],
        id=row["id"],
        provider=row["provider"],
        type=row["type"],
        entity_key=row["entity_key"],
        occurred_at=row["occurred_at"],
        received_at=row["received_at"],
        data=json.loads(row["data_json"]),
        status=row["status"],
        attempts=row["attempts"],
        replays=row["replays"],
        notion_requests=row["notion_requests"],
        last_error=row["last_error"],
        updated_at=row["updated_at"],
    )


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat().replace("+00:00", "Z")
