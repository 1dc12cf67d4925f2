"""Upsert by key: create or update the one page whose key property equals a record's key.

Never a duplicate: writers of a key are serialised by the key index's lease, and a create whose
outcome is unknown (a timeout, a 5xx, a worker killed mid-way) is followed by a look-up in
Notion before anything is created again. Updates send only the properties that changed since
the last write (the page mirror) and no request at all when nothing did.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import structlog

from notionhub.errors import (
    AmbiguousWrite,
    ConfigurationError,
    ObjectNotFound,
    ValidationFailed,
)
from notionhub.notion.gateway import NotionGateway
from notionhub.notion.key_index import KeyIndex, KeyLease
from notionhub.notion.mirror import PageMirror
from notionhub.notion.schema import (
    NotionModel,
    from_page,
    key_of,
    key_value,
    properties_of,
    to_properties,
)

M = TypeVar("M", bound=NotionModel)
log = structlog.get_logger("notionhub.records")

# How long the key index is trusted to hold every page (ours and others') before a miss
# triggers an incremental sync of pages edited since.
DEFAULT_SYNC_INTERVAL = 300.0
# Notion's last_edited_time is rounded to the minute: look back a little further.
SYNC_OVERLAP = 120.0
CREATE_ATTEMPTS = 3


@dataclass(frozen=True)
class UpsertResult:
    """What an upsert did."""

    page_id: str
    action: Literal["created", "updated", "unchanged"]
    changed: tuple[str, ...] = ()


@dataclass
class Records:
    """Typed reads and writes of Notion pages for declared models."""

    gateway: NotionGateway
    index: KeyIndex
    mirror: PageMirror
    data_sources: Mapping[str, str]  # DatabaseSpec.name → data source id
    sync_interval: float = DEFAULT_SYNC_INTERVAL
    clock: Callable[[], float] = field(default=time.time)

    def data_source_of(self, model: type[NotionModel]) -> str:
        name = model.__database__.name
        try:
            return self.data_sources[name]
        except KeyError:
            raise ConfigurationError(
                f"The {name} database is not provisioned: run `notionhub provision`."
            ) from None

    # -- upsert ------------------------------------------------------------------------

    def upsert(self, record: NotionModel, *, only: Collection[str] | None = None) -> UpsertResult:
        """Create or update the page of ``record``'s key; returns what was done.

        ``only`` names the fields to write (e.g. to leave a relation Notion keeps on the other
        side, or a column people edit, alone); by default every writable property is written.
        """
        model = type(record)
        key = key_value(record)
        if key is None:
            raise ConfigurationError(f"{model.__name__} has no key value to upsert by.")
        result = self.upsert_computed(model, key, lambda: record, only=only)
        assert result is not None  # the builder always gives the record
        return result

    def upsert_computed(
        self,
        model: type[M],
        key: str,
        build: Callable[[], M | None],
        *,
        only: Collection[str] | None = None,
    ) -> UpsertResult | None:
        """Upsert the record ``build()`` returns for ``key``, built while holding the key's lease.

        Whatever ``build`` reads was committed before the lease was taken, so when writers of a
        key race, the last one to write saw everything the others saw: a record computed from
        shared state (facts, other rows) never ends older than that state. ``None`` from
        ``build`` writes nothing.
        """
        data_source_id = self.data_source_of(model)
        fresh = self._index_is_fresh(model)  # may sync first: never while holding a lease
        with self.index.lease(data_source_id, key) as lease:
            record = build()
            if record is None:
                return None
            if key_value(record) != key:
                raise ConfigurationError(
                    f"{model.__name__}: the record built for key {key!r} has key"
                    f" {key_value(record)!r}."
                )
            desired = to_properties(record, only=only)
            self._settle(model, lease, fresh)
            if lease.page_id is None:
                return self._create(model, lease, desired)
            try:
                return self._update(lease.page_id, data_source_id, _hubs(model, desired))
            except ObjectNotFound:
                log.warning("page_gone_recreating", key=key, page_id=lease.page_id)
            except ValidationFailed:
                # A page in the trash refuses edits. Its key's page is gone as far as the data
                # source is concerned (queries skip the trash), so it is made again, as after a
                # 404: trashed by a person, or by our own archive whose local record a kill
                # lost. Any other validation error is the record's own fault and stands.
                if not self._in_trash(lease.page_id):
                    raise
                log.warning("page_in_trash_recreating", key=key, page_id=lease.page_id)
            self.index.set_page(lease, None)
            self.mirror.forget(lease.page_id)
            return self._create(model, lease, desired)

    def archive(self, model: type[NotionModel], key: str) -> str | None:
        """Move the page of ``key`` to the trash (when there is one); returns its id.

        Its relations are emptied in the same request, so the pages it pointed to stop listing
        it in their two-way relations.
        """
        data_source_id = self.data_source_of(model)
        fresh = self._index_is_fresh(model)
        with self.index.lease(data_source_id, key) as lease:
            self._settle(model, lease, fresh)
            page_id = lease.page_id
            if page_id is None:
                return None
            unlinked: dict[str, Any] = {
                field_.name: {"relation": []}
                for field_ in properties_of(model)
                if field_.spec.type == "relation"
            }
            body: dict[str, Any] = {"in_trash": True}
            if unlinked:
                body["properties"] = unlinked
            try:
                self.gateway.update_page(page_id, body)
            except ObjectNotFound:
                pass  # already gone
            except ValidationFailed:
                # Trashed already (a kill came between the trashing and this record of it,
                # or a person did it): done. Anything else stands.
                if not self._in_trash(page_id):
                    raise
            self.index.set_page(lease, None)
            self.mirror.forget(page_id)
            return page_id

    def _in_trash(self, page_id: str) -> bool:
        """Whether the page is in the trash (or gone), asked of Notion: the error's wording
        is not part of the API, the page's ``in_trash`` is."""
        try:
            page = self.gateway.retrieve_page(page_id)
        except ObjectNotFound:
            return True
        return bool(page.get("in_trash") or page.get("archived"))

    def known(self, model: type[M]) -> list[M]:
        """Every record of the model as last written or synced (the mirror): no request.

        The key index is brought up to date first when it is stale (every ``sync_interval``),
        so pages made or edited by people in Notion are seen too.
        """
        data_source_id = self.data_source_of(model)
        if not self._index_is_fresh(model):
            self._learn(model, since=None)
        return [
            mirrored_record(model, page_id, values)
            for page_id, values in self.mirror.of_data_source(data_source_id)
        ]

    def mirrored(self, model: type[M], key: str) -> M | None:
        """The record of ``key`` as last written or synced (the mirror), without a request."""
        page_id = self.index.page_id(self.data_source_of(model), key)
        values = self.mirror.get(page_id) if page_id is not None else None
        if page_id is None or values is None:
            return None
        return mirrored_record(model, page_id, values)

    def _settle(self, model: type[NotionModel], lease: KeyLease, fresh: bool) -> None:
        """Make the lease's page id certain: a miss is asked of Notion once, unless the index
        is known complete and no create of the key may have gone through unrecorded."""
        if lease.page_id is None and (lease.uncertain or not fresh):
            self._adopt_from_notion(model, lease)

    def _create(
        self, model: type[NotionModel], lease: KeyLease, desired: dict[str, Any]
    ) -> UpsertResult:
        body = {"parent": {"data_source_id": lease.data_source_id}, "properties": desired}
        for attempt in range(1, CREATE_ATTEMPTS + 1):
            self.index.mark_create_started(lease)
            try:
                page = self.gateway.create_page(body)
            except AmbiguousWrite:
                # It may have been applied: only Notion can tell.
                self._adopt_from_notion(model, lease)
                if lease.page_id is not None:
                    return self._update(lease.page_id, lease.data_source_id, desired, created=True)
                if attempt == CREATE_ATTEMPTS:
                    raise
                continue
            self.index.set_page(lease, page["id"])
            self.mirror.put(page["id"], lease.data_source_id, desired)
            return UpsertResult(page["id"], "created", tuple(desired))
        raise AssertionError("unreachable")  # pragma: no cover

    def _update(
        self, page_id: str, data_source_id: str, desired: dict[str, Any], *, created: bool = False
    ) -> UpsertResult:
        changed = PageMirror.changes(desired, self.mirror.get(page_id))
        if not changed:
            return UpsertResult(page_id, "created" if created else "unchanged")
        self.gateway.update_page(page_id, {"properties": changed})
        self.mirror.merge(page_id, data_source_id, changed)
        return UpsertResult(page_id, "created" if created else "updated", tuple(changed))

    # -- finding pages in Notion -------------------------------------------------------------

    def _adopt_from_notion(self, model: type[NotionModel], lease: KeyLease) -> None:
        """Ask Notion once for the key's page; remember what it holds."""
        pages = self._pages_with_key(model, lease.data_source_id, lease.key)
        if not pages:
            self.index.set_page(lease, None)
            return
        if len(pages) > 1:
            log.warning(
                "duplicate_key_pages",
                database=model.__database__.name,
                key=lease.key,
                pages=[p["id"] for p in pages],
            )
        oldest = min(pages, key=lambda p: (p["created_time"], p["id"]))
        self.index.set_page(lease, oldest["id"])
        self.mirror.put(oldest["id"], lease.data_source_id, to_properties(from_page(model, oldest)))

    def _pages_with_key(
        self, model: type[NotionModel], data_source_id: str, key: str
    ) -> list[dict[str, Any]]:
        spec = _key_spec(model)
        value: object = float(key) if spec.notion_type == "number" else key
        query = {"filter": {"property": spec.name, spec.notion_type: {"equals": value}}}
        return [
            page
            for page in self.gateway.query(data_source_id, query)
            if key_value(from_page(model, page)) == key
        ]

    def find(self, model: type[M], key: str) -> M | None:
        """The record with this key, read from Notion (one request when indexed)."""
        data_source_id = self.data_source_of(model)
        page_id = self.index.page_id(data_source_id, key)
        if page_id is not None:
            try:
                return from_page(model, self.gateway.retrieve_page(page_id))
            except ObjectNotFound:  # forgotten unless a writer holds the key (it mends it)
                self.index.forget_page(data_source_id, key, page_id)
        pages = self._pages_with_key(model, data_source_id, key)
        return (
            from_page(model, min(pages, key=lambda p: (p["created_time"], p["id"])))
            if pages
            else None
        )

    def all(self, model: type[M], query: dict[str, Any] | None = None) -> Iterator[M]:
        """Every record of the model's database matching ``query`` (filter and sorts)."""
        for page in self.gateway.query(self.data_source_of(model), query):
            yield from_page(model, page)

    # -- keeping the index complete ----------------------------------------------------------

    def _index_is_fresh(self, model: type[NotionModel]) -> bool:
        """Whether a miss in the index means "no such page", syncing it first if stale.

        One caller syncs a stale index (``KeyIndex.claim_sync``): under load every workflow
        thread of every worker found it stale at the same moment and each read all the pages
        edited since (measured: half the hub's CPU during a long drain). The others go on, a
        sync behind at most, as they were until the interval ran out.
        """
        data_source_id = self.data_source_of(model)
        synced_at = self.index.synced_at(data_source_id)
        if synced_at is None:
            return False
        if self.clock() - synced_at > self.sync_interval and self.index.claim_sync(
            data_source_id, synced_at, self.clock()
        ):
            try:
                self._learn(model, since=synced_at - SYNC_OVERLAP)
            except BaseException:
                self.index.mark_synced(data_source_id, synced_at)  # the next caller tries again
                raise
        return True

    def sync(self, model: type[NotionModel], *, older_than: float) -> bool:
        """Learn pages edited in Notion since the last sync, if that is over ``older_than`` s old.

        For a look-up that missed: a row a person just added is found without waiting for the
        periodic sync, and misses cost at most one query per ``older_than`` seconds.
        """
        synced_at = self.index.synced_at(self.data_source_of(model))
        if synced_at is not None and self.clock() - synced_at <= older_than:
            return False
        self._learn(model, since=None if synced_at is None else synced_at - SYNC_OVERLAP)
        return True

    def reindex(self, model: type[NotionModel]) -> int:
        """Rebuild the key index and mirror of a database from Notion; returns pages seen.

        Pages trashed in Notion since are forgotten (an incremental sync cannot see them).
        """
        data_source_id = self.data_source_of(model)
        self.index.clear(data_source_id)
        self.mirror.clear(data_source_id)
        return self._learn(model, since=None)

    def _learn(self, model: type[NotionModel], since: float | None) -> int:
        data_source_id = self.data_source_of(model)
        started = self.clock()
        query: dict[str, Any] = {}
        if since is not None:
            iso = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(since))
            query["filter"] = {
                "timestamp": "last_edited_time",
                "last_edited_time": {"on_or_after": iso},
            }
        seen = 0
        for page in self.gateway.query(data_source_id, query):
            record = from_page(model, page)
            key = key_value(record)
            seen += 1
            if key is None:
                continue
            self.index.record(data_source_id, key, page["id"])
            # A page already mirrored is left to the change stream (notion/changes.py), which
            # tells the packs what people changed: overwriting it here would hide the change.
            if (
                self.index.page_id(data_source_id, key) == page["id"]
                and self.mirror.get(page["id"]) is None
            ):
                self.mirror.put(page["id"], data_source_id, to_properties(record))
        self.index.mark_synced(data_source_id, started)
        return seen


def _hubs(model: type[NotionModel], desired: dict[str, Any]) -> dict[str, Any]:
    """``desired`` less the properties people own: set on a new page, never on one that exists."""
    people = {f.name for f in properties_of(model) if f.owner == "person"}
    return {name: value for name, value in desired.items() if name not in people}


def mirrored_record(model: type[M], page_id: str, values: Mapping[str, Any]) -> M:
    """A record from mirrored values: as sent (``{"Name": {"title": …}}``), read as a page."""
    properties = {
        name: {"type": kind, kind: inner}
        for name, value in values.items()
        for kind, inner in value.items()
    }
    return from_page(model, {"id": page_id, "properties": properties})


@dataclass(frozen=True)
class _KeySpec:
    name: str
    notion_type: str


def _key_spec(model: type[NotionModel]) -> _KeySpec:
    field_ = key_of(model)
    if field_ is None:
        raise ConfigurationError(f"{model.__name__} declares no Key() property.")
    return _KeySpec(field_.spec.name, field_.spec.type)
