"""The key index: record key → Notion page id, per data source, in the hub database.

A row is also a lease: whoever holds it is the only writer of that key, on any worker, so two
callers upserting the same key can never both create a page. A create is marked as started
before it is sent; a lease taken over from a writer that died with such a mark knows the page
may exist and looks it up in Notion before creating.

A new key's row is inserted with the mark already set (most new keys are created at once), so
its create needs no write of its own; a writer that ends without sending one clears the mark as
it releases the key. What the writer learns of the page (``set_page``) is written with its next
write of the row, its release at the latest, both of which it must make anyway: a writer that
dies in between leaves the mark, and the next one looks in Notion, as after any unanswered
create. Each upsert that creates a page thus writes the row twice (take, release), not four times.
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import structlog
from sqlalchemy import ColumnElement, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from notionhub.hubdb.engine import read_connection, upsert_statement
from notionhub.hubdb.marks import TimeMarks
from notionhub.hubdb.tables import key_index, key_index_sync

log = structlog.get_logger("notionhub.key_index")

LEASE_SECONDS = 120.0
_POLL_SECONDS = 0.02


def _owner_prefix(worker: str) -> str:
    """The start of a worker's lease owners: a digest, so any worker id fits the column."""
    return hashlib.sha256(worker.encode()).hexdigest()[:16] + "/"


@dataclass
class KeyLease:
    """The exclusive right to write one key, with what the index knows of it."""

    data_source_id: str
    key: str
    page_id: str | None
    # A previous writer started a create and never recorded its answer.
    uncertain: bool
    owner: str
    # The row's create mark is set (committed) by this writer: at its insert, or before a create.
    marked: bool = False
    # A create was sent under this lease (so the mark stays until the page is known).
    create_sent: bool = False
    # What set_page learned, written with this lease's next write of the row.
    unwritten: dict[str, object] = field(default_factory=dict)


class KeyIndex:
    """Key → page id, leases, and when each data source's index was last complete."""

    def __init__(
        self,
        engine: Engine,
        *,
        lease_seconds: float = LEASE_SECONDS,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        worker: str | None = None,
    ) -> None:
        self.engine = engine
        self.worker = worker  # names the worker in its leases (release_leases_of)
        self.lease_seconds = lease_seconds
        self.clock = clock
        self.sleep = sleep
        self._syncs = TimeMarks(engine, key_index_sync, "data_source_id", "synced_at")

    def _where(self, data_source_id: str, key: str) -> ColumnElement[bool]:
        return (key_index.c.data_source_id == data_source_id) & (key_index.c.record_key == key)

    @contextmanager
    def lease(self, data_source_id: str, key: str) -> Iterator[KeyLease]:
        """Hold the key while the body runs; other writers of it wait.

        The lease is renewed in the background while held, so a writer that waits long for
        its Notion budget never loses it; it only lapses when its process dies.
        """
        held = self._acquire(data_source_id, key)
        stop = threading.Event()
        keeper = threading.Thread(target=self._keep, args=(held, stop), daemon=True)
        keeper.start()
        try:
            yield held
        finally:
            stop.set()
            keeper.join()
            released: dict[str, object] = {"lease_owner": None, "lease_until": None}
            if held.marked and not held.create_sent:  # presumed at the insert, never sent
                released["create_started"] = False
            self._update(held, **released)

    def _keep(self, held: KeyLease, stop: threading.Event) -> None:
        while not stop.wait(self.lease_seconds / 3):  # the renewal only: unwritten stays
            try:
                self._write(held, {"lease_until": self.clock() + self.lease_seconds})
            except Exception as error:  # the database away: try again at the next renewal
                log.warning("key_lease_renewal_failed", key=held.key, error=str(error))

    def _acquire(self, data_source_id: str, key: str) -> KeyLease:
        owner = uuid.uuid4().hex
        if self.worker is not None:
            owner = _owner_prefix(self.worker) + owner
        while True:
            try:
                lease = self._try_acquire(data_source_id, key, owner)
            except IntegrityError:  # another worker inserted the row first
                lease = None
            if lease is not None:
                return lease
            self.sleep(_POLL_SECONDS)

    def _try_acquire(self, data_source_id: str, key: str, owner: str) -> KeyLease | None:
        with self.engine.begin() as conn:
            row = conn.execute(
                select(key_index).where(self._where(data_source_id, key)).with_for_update()
            ).first()
            now = self.clock()
            until = now + self.lease_seconds
            if row is None:
                conn.execute(
                    insert(key_index).values(
                        data_source_id=data_source_id,
                        record_key=key,
                        page_id=None,
                        create_started=True,  # presumed: see the module's docstring
                        lease_owner=owner,
                        lease_until=until,
                    )
                )
                return KeyLease(data_source_id, key, None, False, owner, marked=True)
            if row.lease_owner is not None and (row.lease_until or 0) > now:
                return None
            conn.execute(
                update(key_index)
                .where(self._where(data_source_id, key))
                .values(lease_owner=owner, lease_until=until)
            )
            uncertain = bool(row.create_started) and row.page_id is None
            return KeyLease(data_source_id, key, row.page_id, uncertain, owner)

    def release_leases_of(self, worker: str) -> int:
        """Free the leases a previous run of ``worker`` held when it died; how many.

        Called as a worker starts, before it recovers its pending workflows: a lease of a
        process killed mid-write would otherwise hold its key for up to ``lease_seconds``.
        Safe only because a worker id runs in one process at a time (as DBOS requires too);
        a writer that died mid-create left its mark, so the next writer still looks in Notion.
        """
        prefix = _owner_prefix(worker)
        with self.engine.begin() as conn:
            result = conn.execute(
                update(key_index)
                .where(key_index.c.lease_owner.startswith(prefix, autoescape=True))
                .values(lease_owner=None, lease_until=None)
            )
        return int(result.rowcount)

    def mark_create_started(self, lease: KeyLease) -> None:
        """Recorded (committed) before a create is sent: at once, unless the row has it."""
        if not lease.marked:
            self._update(lease, create_started=True)
            lease.marked = True
        lease.create_sent = True

    def set_page(self, lease: KeyLease, page_id: str | None) -> None:
        """The key's page is known (or known not to exist, with ``None``): written with the
        lease's next write of the row (until then the row keeps its create mark)."""
        lease.page_id = page_id
        lease.uncertain = False
        lease.marked = lease.create_sent = False
        lease.unwritten = {"page_id": page_id, "create_started": False}

    def _update(self, lease: KeyLease, **values: object) -> None:
        """Write ``values``, with what ``set_page`` left unwritten, to the lease's row."""
        self._write(lease, {**lease.unwritten, **values})
        lease.unwritten = {}

    def _write(self, lease: KeyLease, values: dict[str, object]) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(key_index)
                .where(
                    self._where(lease.data_source_id, lease.key)
                    & (key_index.c.lease_owner == lease.owner)
                )
                .values(values)
            )

    # -- without a lease: reindexing and reads ---------------------------------------------

    def page_id(self, data_source_id: str, key: str) -> str | None:
        with read_connection(self.engine) as conn:
            row = conn.execute(
                select(key_index.c.page_id).where(self._where(data_source_id, key))
            ).first()
        return row.page_id if row else None

    def record(self, data_source_id: str, key: str, page_id: str) -> None:
        """Learned from Notion (reindex, sync): the key's page, unless a writer holds the key.

        A row inserted meanwhile by another worker (its own lesson, or a writer's lease) is
        left as it is: the lease holder's row is its own, and the other lesson came from Notion
        too.
        """
        with self.engine.begin() as conn:
            row = conn.execute(
                select(key_index).where(self._where(data_source_id, key)).with_for_update()
            ).first()
            if row is None:
                conn.execute(
                    upsert_statement(conn, key_index)
                    .values(
                        data_source_id=data_source_id,
                        record_key=key,
                        page_id=page_id,
                        create_started=False,
                    )
                    .on_conflict_do_nothing(index_elements=["data_source_id", "record_key"])
                )
            elif row.lease_owner is None and row.page_id is None:
                conn.execute(
                    update(key_index)
                    .where(self._where(data_source_id, key))
                    .values(page_id=page_id, create_started=False)
                )

    def forget(self, data_source_id: str, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(key_index).where(self._where(data_source_id, key)))

    def forget_page(self, data_source_id: str, key: str, page_id: str) -> None:
        """Forget ``key`` if it names ``page_id`` and no writer holds it (a page renamed or
        deleted in Notion)."""
        with self.engine.begin() as conn:
            conn.execute(
                delete(key_index).where(
                    self._where(data_source_id, key)
                    & (key_index.c.page_id == page_id)
                    & key_index.c.lease_owner.is_(None)
                )
            )

    def clear(self, data_source_id: str) -> None:
        """Forget every key of a data source (before a full reindex)."""
        with self.engine.begin() as conn:
            conn.execute(
                delete(key_index).where(
                    (key_index.c.data_source_id == data_source_id)
                    & key_index.c.lease_owner.is_(None)
                )
            )
            conn.execute(
                delete(key_index_sync).where(key_index_sync.c.data_source_id == data_source_id)
            )

    def synced_at(self, data_source_id: str) -> float | None:
        """When the index last held every page of the data source, or ``None``."""
        return self._syncs.get(data_source_id)

    def claim_sync(self, data_source_id: str, seen: float, at: float) -> bool:
        """Take the periodic sync of a data source last synced at ``seen``, moving it to ``at``.

        A compare-and-set: of every thread and worker that saw the same stale time, exactly one
        gets True and syncs; the others go on with the index as it is (at most one sync behind).
        """
        return self._syncs.claim(data_source_id, seen, at)

    def mark_synced(self, data_source_id: str, at: float) -> None:
        self._syncs.put(data_source_id, at)
