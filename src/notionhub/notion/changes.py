"""What people change in Notion, as the hub sees it: one page read, the mirror brought up to date,
and the difference given to the packs as a change of a declared model.

Notion's webhook events carry ids, not content (and the polling fallback finds pages edited
since its last look); either way the hub reads the page once, compares its properties with the
page mirror (what the hub last wrote or read) and keeps the mirror and the key index true.

No echo: an event whose authors are only this integration's bot is the hub's own write, already
in the mirror, and costs nothing; a page already read after an event arrived is not read again
for it (several events about one page share one read). A person's edit of a property the hub
owns is put back (see ``Owned`` in the schema).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Generic, Literal, TypeVar, cast

import structlog
from sqlalchemy import Engine

from notionhub.errors import ObjectNotFound
from notionhub.hubdb.marks import TimeMarks
from notionhub.hubdb.tables import page_observations
from notionhub.notion.records import Records, mirrored_record
from notionhub.notion.schema import (
    NotionModel,
    from_page,
    key_value,
    properties_of,
    to_properties,
)

M = TypeVar("M", bound=NotionModel)
ChangeKind = Literal["created", "updated", "deleted", "undeleted"]
CHANGE_KINDS: tuple[ChangeKind, ...] = ("created", "updated", "deleted", "undeleted")
# Notion's page events: each means "read the page to know what it holds now".
PAGE_EVENTS = frozenset(
    {
        "page.created",
        "page.properties_updated",
        "page.content_updated",
        "page.moved",
        "page.deleted",
        "page.undeleted",
    }
)
OWN_EDIT = "the hub's own edit"
log = structlog.get_logger("notionhub.changes")


@dataclass(frozen=True)
class PageChange:
    """What changed on one page of a hub database, as plain data (a workflow step's output).

    Values are keyed by Notion property name, in the form they are sent to Notion (the
    mirror's form); ``changed`` names the properties whose value differs.
    """

    database: str
    data_source_id: str
    page_id: str
    kind: ChangeKind
    changed: tuple[str, ...]
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    by_person: bool
    authors: tuple[str, ...] = ()  # "person:<id>", "bot:<id>"
    restored: tuple[str, ...] = ()  # the hub's properties a person edited, put back
    edited_at: str | None = None  # the page's last_edited_time as read
    seen_at: str | None = None  # when the hub read it (its clock): orders what people said

    def to_json(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "data_source_id": self.data_source_id,
            "page_id": self.page_id,
            "kind": self.kind,
            "changed": list(self.changed),
            "before": self.before,
            "after": self.after,
            "by_person": self.by_person,
            "authors": list(self.authors),
            "restored": list(self.restored),
            "edited_at": self.edited_at,
            "seen_at": self.seen_at,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PageChange:
        return cls(
            database=str(data["database"]),
            data_source_id=str(data["data_source_id"]),
            page_id=str(data["page_id"]),
            kind=cast(ChangeKind, data["kind"]),
            changed=tuple(data["changed"]),
            before=data["before"],
            after=data["after"],
            by_person=bool(data["by_person"]),
            authors=tuple(data.get("authors", ())),
            restored=tuple(data.get("restored", ())),
            edited_at=data.get("edited_at"),
            seen_at=data.get("seen_at"),
        )

    def describe(self) -> str:
        who = "a person" if self.by_person else "an integration"
        fields = f" ({', '.join(self.changed)})" if self.changed else ""
        restored = f"; put back {', '.join(self.restored)}" if self.restored else ""
        return f"{self.database} page {self.page_id} {self.kind} by {who}{fields}{restored}"


@dataclass(frozen=True)
class Change(Generic[M]):
    """A change of one record, typed: what a pack's reaction is given.

    ``changed`` holds field names (``status``), not Notion property names. ``before`` is the
    record as the hub last knew it (None when new to the hub), ``after`` as it is now (None
    once deleted).
    """

    model: type[M]
    page_id: str
    kind: ChangeKind
    changed: frozenset[str]
    before: M | None
    after: M | None
    by_person: bool
    edited_at: datetime | None = None  # when Notion says the page was last edited
    # When the hub read it, on the hub's clock: later than every event the hub had received
    # before, so it orders a person's edit among them (Notion's time may be to the minute).
    seen_at: datetime | None = None

    @classmethod
    def of(cls, model: type[M], page: PageChange) -> Change[M]:
        names = {f.name: f.field_name for f in properties_of(model)}
        return cls(
            model=model,
            page_id=page.page_id,
            kind=page.kind,
            changed=frozenset(names[name] for name in page.changed if name in names),
            before=None
            if page.before is None
            else mirrored_record(model, page.page_id, page.before),
            after=None if page.after is None else mirrored_record(model, page.page_id, page.after),
            by_person=page.by_person,
            edited_at=_parse_time(page.edited_at),
            seen_at=_parse_time(page.seen_at),
        )

    @property
    def record(self) -> M:
        """The record as it is now, or as it was last known when deleted."""
        found = self.after if self.after is not None else self.before
        if found is None:  # pragma: no cover - a change always has one of them
            raise ValueError("A change without a record.")
        return found


@dataclass(frozen=True)
class Observation:
    """What looking at one event gave: a change for the packs, or why there is none."""

    change: PageChange | None
    note: str
    read: bool = False  # whether a page was read for it
    own: bool = False  # the hub's own write, told back


@dataclass
class BotIdentity:
    """Who this integration is in Notion (``GET /v1/users/me``), asked once and remembered."""

    ask: Callable[[], Mapping[str, Any]]
    _id: str | None = field(default=None, init=False)

    def __call__(self) -> str:
        if self._id is None:
            self._id = str(self.ask()["id"])
        return self._id

    @property
    def known(self) -> str | None:
        """The id if already asked, else None (never a request)."""
        return self._id


def only_by(event: Mapping[str, Any], bot_id: str) -> bool:
    """Whether a Notion event's authors are this integration's bot alone (its own write)."""
    authors = _authors(event.get("authors"))
    return bool(authors) and all(author == f"bot:{bot_id}" for author in authors)


@dataclass
class ChangeObserver:
    """Turns Notion's page events (or polled pages) into changes of the hub's models."""

    records: Records
    models: Sequence[type[NotionModel]]
    engine: Engine
    clock: Callable[[], float]
    # This integration's bot user id (``BotIdentity``: asked of Notion once per process).
    bot_id: Callable[[], str]

    def _reads(self) -> TimeMarks:
        """When each page was last read (the time the read started)."""
        return TimeMarks(self.engine, page_observations, "page_id", "observed_at")

    def model_of(self, data_source_id: str) -> type[NotionModel] | None:
        for model in self.models:
            if self.records.data_sources.get(model.__database__.name) == data_source_id:
                return model
        return None

    def observe(
        self, data: Mapping[str, Any], received_at: float, *, replayed: bool = False
    ) -> Observation:
        """The change a Notion event (or a polled page) stands for, applied to the mirror.

        ``received_at``: when the hub received the event (its clock), to know whether a read
        made since already saw what the event is about. ``replayed``: an operator asked to
        run it again: the page is read as it is now (never a polled copy, which may be old).
        """
        entity = data.get("entity")
        kind = data.get("type")
        if not isinstance(entity, Mapping) or entity.get("type", "page") != "page":
            return Observation(None, "not about a page")
        if kind not in PAGE_EVENTS or not isinstance(entity.get("id"), str):
            return Observation(None, f"{kind}: nothing for the packs")
        page_id = str(entity["id"])
        authors = _authors(data.get("authors"))
        if authors and only_by(data, self.bot_id()):
            return Observation(None, OWN_EDIT, own=True)
        named = data_source_named(data.get("data"))
        # A page moved out of a hub database names its new home: it is read, to be let go.
        if named is not None and self.model_of(named) is None and kind != "page.moved":
            return Observation(None, "not in a database of the enabled packs")
        snapshot = data.get("page") if not replayed else None
        if not isinstance(snapshot, Mapping):
            seen = self._reads().get(page_id)
            if seen is not None and seen >= received_at and not replayed:
                return Observation(None, "already read since this event arrived")
        started = self.clock()
        page: Mapping[str, Any] | None
        if isinstance(snapshot, Mapping):
            page = snapshot
        else:
            try:
                page = self.records.gateway.retrieve_page(page_id)
            except ObjectNotFound:
                page = None  # gone, or no longer shared with the integration
            self._reads().advance(page_id, started)
        by_person = any(author.startswith("person:") for author in authors) or not authors
        change = self._apply(page_id, page, str(kind), by_person, authors)
        read = not isinstance(snapshot, Mapping)
        if isinstance(change, str):
            return Observation(None, change, read)
        edited = page.get("last_edited_time") if page is not None else None
        change = replace(
            change,
            edited_at=edited if isinstance(edited, str) else None,
            seen_at=_iso(started),
        )
        return Observation(change, change.describe(), read)

    # -- the mirror and the index ------------------------------------------------------------

    def _apply(
        self,
        page_id: str,
        page: Mapping[str, Any] | None,
        event_type: str,
        by_person: bool,
        authors: tuple[str, ...],
    ) -> PageChange | str:
        mirror, index = self.records.mirror, self.records.index
        data_source_id = data_source_named(page) if page is not None else None
        known_in = mirror.data_source_of_page(page_id)
        moved_out = (
            known_in is not None
            and data_source_id is not None
            and data_source_id != known_in
            and self.model_of(data_source_id) is None
        )
        if data_source_id is None or moved_out:
            data_source_id = known_in
        model = None if data_source_id is None else self.model_of(data_source_id)
        if model is None or data_source_id is None:
            return "not in a database of the enabled packs"
        before = mirror.get(page_id)
        if page is None or page.get("in_trash") or page.get("archived") or moved_out:
            if before is None:
                return "a page the hub did not know was deleted"
            old_key = key_value(mirrored_record(model, page_id, before))
            if old_key is not None:
                index.forget_page(data_source_id, old_key, page_id)
            mirror.forget(page_id)
            return self._change(model, data_source_id, page_id, "deleted", before, None, by_person)
        record = from_page(model, page)
        after = to_properties(record)
        key = key_value(record)
        if before is not None:
            old_key = key_value(mirrored_record(model, page_id, before))
            if old_key is not None and old_key != key:
                index.forget_page(data_source_id, old_key, page_id)
        if key is not None:
            index.record(data_source_id, key, page_id)
            owner = index.page_id(data_source_id, key)
            if owner != page_id:
                log.warning(
                    "duplicate_key_page",
                    database=model.__database__.name,
                    key=key,
                    page_id=page_id,
                    kept=owner,
                )
                return f"another page already has the key {key!r}: this one is left alone"
        if before is None:
            kind: ChangeKind = "undeleted" if event_type == "page.undeleted" else "created"
            mirror.put(page_id, data_source_id, after)
            return self._change(
                model, data_source_id, page_id, kind, None, after, by_person, authors
            )
        changed = [name for name, value in after.items() if before.get(name) != value]
        if not changed:
            mirror.put(page_id, data_source_id, {**before, **after})
            return "no property of the model changed"
        # Put back only what a known person changed. With no author named (a polled page the
        # hub edited last), a hub property that differs may be the hub's own write, sent to
        # Notion and not yet in the mirror: putting the mirror's value back would undo it.
        known_person = any(author.startswith("person:") for author in authors)
        restored = self._put_back(model, page_id, before, changed) if known_person else []
        mirror.put(page_id, data_source_id, {**before, **after, **{n: before[n] for n in restored}})
        return self._change(
            model,
            data_source_id,
            page_id,
            "updated",
            before,
            {**after, **{name: before[name] for name in restored}},
            by_person,
            authors,
            changed=tuple(name for name in changed if name not in restored),
            restored=tuple(restored),
        )

    def _put_back(
        self, model: type[NotionModel], page_id: str, before: Mapping[str, Any], changed: list[str]
    ) -> list[str]:
        """Write back the hub's properties a person changed; the names put back."""
        hubs = {f.name for f in properties_of(model) if f.owner == "hub"}
        restored = [name for name in changed if name in hubs and name in before]
        if restored:
            self.records.gateway.update_page(
                page_id, {"properties": {name: before[name] for name in restored}}
            )
            log.warning(
                "hub_property_restored",
                database=model.__database__.name,
                page_id=page_id,
                properties=restored,
                reason="the hub owns these properties; edit what they are computed from",
            )
        return restored

    def _change(
        self,
        model: type[NotionModel],
        data_source_id: str,
        page_id: str,
        kind: ChangeKind,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        by_person: bool,
        authors: tuple[str, ...] = (),
        *,
        changed: tuple[str, ...] | None = None,
        restored: tuple[str, ...] = (),
    ) -> PageChange:
        if changed is None:
            known = after if after is not None else before or {}
            changed = tuple(name for name in known if not _empty(known[name]))
        return PageChange(
            database=model.__database__.name,
            data_source_id=data_source_id,
            page_id=page_id,
            kind=kind,
            changed=changed,
            before=before,
            after=after,
            by_person=by_person,
            authors=authors,
            restored=restored,
        )


def _authors(raw: object) -> tuple[str, ...]:
    """``type:id`` of each author of an event (persons, bots, agents)."""
    if not isinstance(raw, list):
        return ()
    return tuple(
        f"{author.get('type')}:{author.get('id')}"
        for author in raw
        if isinstance(author, Mapping) and isinstance(author.get("id"), str)
    )


def data_source_named(holder: object) -> str | None:
    """The data source named by ``holder["parent"]`` (an event's data, or a page), if any."""
    if not isinstance(holder, Mapping):
        return None
    parent = holder.get("parent")
    if not isinstance(parent, Mapping):
        return None
    if isinstance(parent.get("data_source_id"), str):
        return str(parent["data_source_id"])
    if parent.get("type") == "data_source" and isinstance(parent.get("id"), str):
        return str(parent["id"])
    return None


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat().replace("+00:00", "Z")


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _empty(value: Any) -> bool:
    """Whether a property value (as sent to Notion) holds nothing."""
    inner = next(iter(value.values()), None) if isinstance(value, Mapping) else value
    return inner in (None, [], "", {})
