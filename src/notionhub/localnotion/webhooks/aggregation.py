"""Merging the events of one entity within a short window, as Notion aggregates them.

Rules (``window`` seconds, counted from the first event of a merged one):

- An event of an aggregated type merges into the entity's latest waiting event of the same
  type: the union of ``updated_properties``, ``updated_blocks`` and ``authors``, the latest
  ``timestamp``; it keeps the first event's id.
- ``page.properties_updated`` and ``page.content_updated`` right after a waiting
  ``page.created`` of the page merge into it: the receiver reads the page once, whole.
- Anything else opens a new event after the entity's waiting ones, so the entity's events
  keep their order: ``page.deleted`` then ``page.undeleted`` within the window are both
  delivered, in that order (a later ``page.deleted`` merges into neither: it is newer).
- Types Notion does not aggregate (``comment.created``, ``page.locked``, …) are due at once;
  releasing an event releases the entity's earlier waiting ones first.

With a window of 0 nothing waits and nothing merges. Time is passed in (``now``), so the rules
are tested without sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from notionhub.localnotion.webhooks.events import NOT_AGGREGATED, WebhookEvent

# Page events a waiting ``page.created`` absorbs.
_ABSORBED_BY_CREATED = frozenset({"page.properties_updated", "page.content_updated"})
# A guard on memory: past this many waiting events the oldest are released early.
MAX_WAITING = 10_000


@dataclass
class _Waiting:
    seq: int
    event: WebhookEvent
    due: float


class Aggregator:
    """Events waiting for their window to close; not thread-safe (one sender thread uses it)."""

    def __init__(self, window: float) -> None:
        self.window = max(0.0, window)
        self._seq = 0
        self._waiting: dict[int, _Waiting] = {}  # by seq, in arrival order
        self._latest: dict[str, int] = {}  # entity id -> seq of its latest waiting event

    def __len__(self) -> int:
        return len(self._waiting)

    def add(self, event: WebhookEvent, now: float) -> None:
        latest_seq = self._latest.get(event.entity_id)
        latest = self._waiting.get(latest_seq) if latest_seq is not None else None
        if latest is not None and self.window > 0 and event.type not in NOT_AGGREGATED:
            if latest.event.type == event.type:
                _merge(latest.event, event)
                return
            if latest.event.type == "page.created" and event.type in _ABSORBED_BY_CREATED:
                _merge_authors_and_time(latest.event, event)
                return
        self._seq += 1
        due = now if event.type in NOT_AGGREGATED else now + self.window
        self._waiting[self._seq] = _Waiting(self._seq, event, due)
        self._latest[event.entity_id] = self._seq

    def next_due(self) -> float | None:
        return min((w.due for w in self._waiting.values()), default=None)

    def release(self, now: float) -> list[WebhookEvent]:
        """The events due by ``now`` (and their entities' earlier ones), in arrival order."""
        overflow = len(self._waiting) - MAX_WAITING
        until: dict[str, int] = {}  # entity -> the last seq to release
        for seq, waiting in self._waiting.items():
            if waiting.due <= now:
                until[waiting.event.entity_id] = seq
            elif overflow > 0:
                until[waiting.event.entity_id] = seq
                overflow -= 1
        released = [w for w in self._waiting.values() if w.seq <= until.get(w.event.entity_id, -1)]
        for waiting in released:
            del self._waiting[waiting.seq]
            if self._latest.get(waiting.event.entity_id) == waiting.seq:
                del self._latest[waiting.event.entity_id]
        return [waiting.event for waiting in released]


def _merge(into: WebhookEvent, event: WebhookEvent) -> None:
    _merge_authors_and_time(into, event)
    for key, value in event.data.items():
        current = into.data.get(key)
        if key in ("updated_properties", "updated_blocks") and isinstance(current, list):
            into.data[key] = _union(current, value)
        else:
            into.data[key] = value  # e.g. the parent: the latest one is where it is now


def _merge_authors_and_time(into: WebhookEvent, event: WebhookEvent) -> None:
    into.authors = into.authors + [a for a in event.authors if a not in into.authors]
    into.timestamp = max(into.timestamp, event.timestamp)


def _union(current: list[Any], more: list[Any]) -> list[Any]:
    """Items of both, in order; dict items (blocks, schema changes) are one per ``id``."""
    merged = list(current)
    for item in more:
        key = item.get("id") if isinstance(item, dict) else item
        found = next(
            (
                i
                for i, old in enumerate(merged)
                if (old.get("id") if isinstance(old, dict) else old) == key
            ),
            None,
        )
        if found is None:
            merged.append(item)
        elif isinstance(item, dict):
            merged[found] = _latest_change(merged[found], item)
    merged = [item for item in merged if item is not None]
    return merged


def _latest_change(old: dict[str, Any], new: dict[str, Any]) -> Any:
    """Two changes of one schema property: a property made in the window stays ``created``
    (or vanishes if deleted again); otherwise the latest action holds."""
    if old.get("action") != "created":
        return new
    return None if new.get("action") == "deleted" else {**new, "action": "created"}
