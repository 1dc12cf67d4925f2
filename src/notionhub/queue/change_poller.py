"""Two-way without webhooks: look at each database the packs react to for pages edited since.

When the hub has no Notion webhook subscription (no ``NOTION_WEBHOOK_VERIFICATION_TOKEN``, e.g.
real Notion where none was set up), a thread asks each such database, every ``interval``
seconds, for the pages edited since its last look (one query while nothing changed: at most one
request per database per interval). A page whose properties differ from the mirror becomes a
Notion-shaped event in the event log, carrying the page it read, and goes through the same
change reading and reactions as a webhook's, exactly once per page edit (its id is the page id
and its ``last_edited_time``).

One process looks at a time: the look is claimed in the hub database (compare-and-set on its
time), so several workers sharing a database do not all ask.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
import structlog
from sqlalchemy import Engine

from notionhub.hubdb.marks import TimeMarks
from notionhub.hubdb.tables import change_polls
from notionhub.ingest.event import Event
from notionhub.metrics import Metrics
from notionhub.notion.records import SYNC_OVERLAP, Records
from notionhub.notion.schema import NotionModel, from_page, to_properties
from notionhub.queue.store import EventStore

log = structlog.get_logger("notionhub.change_poller")

DEFAULT_POLL_SECONDS = 60.0


class ChangePoller:
    """Finds pages people edited in the reacted-to databases and logs them as Notion events."""

    def __init__(
        self,
        records: Callable[[], Records],
        models: Sequence[type[NotionModel]],  # the databases looked at
        store: EventStore,
        engine: Engine,
        *,
        bot_id: Callable[[], str],
        clock: Callable[[], float],
        interval: float = DEFAULT_POLL_SECONDS,
        on_events: Callable[[int], None] = lambda count: None,
        metrics: Metrics | None = None,
    ) -> None:
        self.records = records
        self.models = list(models)
        self.store = store
        self.engine = engine
        # When each data source was last looked at (claimed by one process at a time).
        self.looked = TimeMarks(engine, change_polls, "data_source_id", "polled_at")
        self.bot_id = bot_id
        self.clock = clock
        self.interval = interval
        self.on_events = on_events
        self.metrics = metrics or Metrics()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.looks = 0  # completed passes over the databases

    def start(self) -> None:
        if not self.models or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="change-poller", daemon=True)
        self._thread.start()
        log.info(
            "change_polling_started",
            databases=[model.__database__.name for model in self.models],
            interval_seconds=self.interval,
        )

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception as error:  # logged; the next look tries again
                self.metrics.notion_polls.labels(outcome="error").inc()
                log.warning("change_poll_failed", error=f"{type(error).__name__}: {error}")
            self._stop.wait(self.interval)

    def poll_once(self) -> int:
        """Look at every due database now; how many events were logged."""
        records = self.records()
        logged = 0
        for model in self.models:
            data_source_id = records.data_sources.get(model.__database__.name)
            if data_source_id is None:
                continue
            now = self.clock()
            last = self.looked.get(data_source_id)
            if last is None:
                # The first look only marks the start: what is there now is what the mirror
                # and the periodic sync know; edits from here on are changes.
                self.looked.claim(data_source_id, None, now)
                continue
            if now - last < self.interval * 0.9 or not self.looked.claim(data_source_id, last, now):
                continue
            try:
                logged += self._look(records, model, data_source_id, since=last - SYNC_OVERLAP)
            except BaseException:
                self.looked.claim(data_source_id, now, last)  # the next look covers this span
                raise
        self.looks += 1
        if logged:
            self.on_events(logged)
        return logged

    def _look(
        self, records: Records, model: type[NotionModel], data_source_id: str, since: float
    ) -> int:
        query = {
            "filter": {
                "timestamp": "last_edited_time",
                "last_edited_time": {"on_or_after": _iso(since)},
            }
        }
        events = []
        for page in records.gateway.query(data_source_id, query):
            values = to_properties(from_page(model, page))
            known = records.mirror.get(page["id"])
            if known is None and self.created_by_the_hub(page):
                continue  # the hub's own create, seen before its mirror was written: no change
            if _differs(known, values):
                events.append(self.event_for(page, values))
        self.metrics.notion_polls.labels(outcome="changes" if events else "quiet").inc()
        if not events:
            return 0
        return sum(self.store.insert_many(events))

    def created_by_the_hub(self, page: dict[str, Any]) -> bool:
        """Whether the hub created the page and nobody edited it since."""
        bot = self.bot_id()
        return all(
            (page.get(who) or {}).get("id") == bot for who in ("created_by", "last_edited_by")
        )

    def event_for(self, page: dict[str, Any], values: dict[str, Any]) -> Event:
        """The Notion event a webhook would have brought, with the page read (no read again).

        Its id is the page's, its edit time and a digest of its values: Notion's edit times
        may be to the minute, and a second edit within one must not pass for the first.
        """
        page_id = str(page["id"])
        edited = str(page.get("last_edited_time") or "")
        digest = hashlib.sha256(orjson.dumps(values, option=orjson.OPT_SORT_KEYS)).hexdigest()
        version = f"{edited}:{digest[:16]}"
        editor = page.get("last_edited_by") or {}
        # A page object names its last editor only; if that is the hub, whoever edited before
        # is unknown (and is not the hub: the mirror would hold their values).
        authors = (
            [{"id": editor["id"], "type": "person"}]
            if isinstance(editor.get("id"), str) and editor["id"] != self.bot_id()
            else []
        )
        occurred = _parse(edited) or datetime.fromtimestamp(self.clock(), UTC)
        return Event(
            provider="notion",
            type="page.properties_updated",
            idempotency_key=f"notion-poll:{page_id}:{version}",
            entity_key=f"notion-page:{page_id}",
            occurred_at=occurred,
            data={
                "id": f"poll-{page_id}-{version}",
                "type": "page.properties_updated",
                "timestamp": edited,
                "source": "poll",
                "authors": authors,
                "entity": {"id": page_id, "type": "page"},
                "data": {"parent": page.get("parent")},
                "page": page,
            },
        )


def _differs(known: dict[str, Any] | None, now: dict[str, Any]) -> bool:
    """Whether a page holds values the mirror does not know."""
    return known is None or any(known.get(name) != value for name, value in now.items())


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _parse(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
