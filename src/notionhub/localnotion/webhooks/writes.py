"""From one successful write to the events Notion would send for it.

Each writing route has a deriver (``DERIVERS``): it reads the request, the answer, the object
as it was before (``BEFORE``: taken just before the handler ran) and the store as the write left
it, and returns the events. It runs right after the handler, in the same turn of the event loop,
so nothing else was written in between; the events are published only once the write is
committed (``app._endpoint``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from notionhub.localnotion.api.ids import is_id, parse_id
from notionhub.localnotion.storage.store import StoredObject
from notionhub.localnotion.webhooks.events import Author, WebhookEvent
from notionhub.localnotion.webhooks.parents import (
    data_source_parent,
    database_parent,
    owning_page,
    page_parent,
)
from notionhub.localnotion.workspace import Workspace


@dataclass(frozen=True)
class Write:
    """One answered write, as the derivers see it."""

    ws: Workspace
    path: Mapping[str, str]
    body: dict[str, Any]
    result: dict[str, Any]
    before: StoredObject | None
    author: Author
    timestamp: str

    def stored(self, object_id: object) -> StoredObject | None:
        return self.ws.storage.get(parse_id(object_id, "id")) if is_id(object_id) else None

    def event(
        self, kind: str, entity: StoredObject, data: dict[str, Any], entity_type: str = ""
    ) -> WebhookEvent:
        return WebhookEvent(
            id=str(uuid.uuid4()),
            timestamp=self.timestamp,
            type=kind,
            entity_id=entity.id,
            entity_type=entity_type or entity.kind,
            authors=[self.author],
            data=data,
        )


Deriver = Callable[[Write], list[WebhookEvent]]

# The routes whose events depend on what the object was before: the path parameter naming it.
BEFORE = {
    "PATCH /v1/pages/{page_id}": "page_id",
    "PATCH /v1/databases/{database_id}": "database_id",
    "PATCH /v1/data_sources/{data_source_id}": "data_source_id",
    "PATCH /v1/blocks/{block_id}": "block_id",
    "DELETE /v1/blocks/{block_id}": "block_id",
}


def object_before(ws: Workspace, route: str, path: Mapping[str, str]) -> StoredObject | None:
    """The object a write is about, as it is before the write (None if it needs none)."""
    param = BEFORE.get(route)
    raw = path.get(param) if param else None
    if raw is None or not is_id(raw):
        return None  # the handler refuses a malformed id itself
    return ws.storage.get(parse_id(raw, param or ""))


# -- pages ---------------------------------------------------------------------------------


def _page_created(w: Write) -> list[WebhookEvent]:
    page = w.stored(w.result.get("id"))
    if page is None:
        return []
    events = [w.event("page.created", page, {"parent": page_parent(w.ws, page)})]
    events += _relation_echoes(w, page, {})
    return events + container_changed(w, page)


def _page_updated(w: Write) -> list[WebhookEvent]:
    before, page = w.before, w.stored(w.result.get("id"))
    if before is None or page is None:
        return []
    parent = page_parent(w.ws, page)
    events: list[WebhookEvent] = []
    if before.in_trash and not page.in_trash:
        events += [w.event("page.undeleted", page, {"parent": parent})]
        events += container_changed(w, page)
    changed = _changed_values(before.body["values"], page.body["values"])
    if changed:
        data = {"parent": parent, "updated_properties": changed}
        events.append(w.event("page.properties_updated", page, data))
        events += _relation_echoes(w, page, before.body["values"])
    if bool(before.body.get("is_locked")) != bool(page.body.get("is_locked")):
        kind = "page.locked" if page.body.get("is_locked") else "page.unlocked"
        events.append(w.event(kind, page, {"parent": parent}))
    if page.in_trash and not before.in_trash:
        events += [w.event("page.deleted", page, {"parent": parent})]
        events += container_changed(w, page)
    return events


def _changed_values(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The ids of the properties whose value differs (schema ids: ``title``, ``%3AUPp``)."""
    changed = [prop_id for prop_id, value in new.items() if old.get(prop_id) != value]
    return changed + [prop_id for prop_id in old if prop_id not in new]


def container_changed(w: Write, page: StoredObject) -> list[WebhookEvent]:
    """A page came or went: its data source's content changed, or its parent page's."""
    block = [{"id": page.id, "type": "block"}]
    if page.data_source_id is not None:
        source = w.stored(page.data_source_id)
        if source is None:
            return []
        data = {"parent": data_source_parent(source), "updated_blocks": block}
        return [w.event("data_source.content_updated", source, data)]
    if page.parent_id is None:
        return []
    parent = w.stored(page.parent_id)
    if parent is None or parent.kind != "page":
        return []
    data = {"parent": page_parent(w.ws, parent), "updated_blocks": block}
    return [w.event("page.content_updated", parent, data)]


def _relation_echoes(w: Write, page: StoredObject, old: dict[str, Any]) -> list[WebhookEvent]:
    """The pages whose two-way relation property changed along with this page's."""
    if page.data_source_id is None:
        return []
    source = w.stored(page.data_source_id)
    if source is None:
        return []
    events: list[WebhookEvent] = []
    for prop in source.body["properties"].values():
        config = prop.get("relation") if prop["type"] == "relation" else None
        if not config or config.get("type") != "dual_property":
            continue
        before = _related_ids(old.get(prop["id"]))
        after = _related_ids(page.body["values"].get(prop["id"]))
        synced = config["dual_property"].get("synced_property_id")
        for other_id in sorted((before ^ after) - {page.id}):
            other = w.stored(other_id)
            if other is None or synced is None:
                continue
            data = {"parent": page_parent(w.ws, other), "updated_properties": [synced]}
            events.append(w.event("page.properties_updated", other, data))
    return events


def _related_ids(value: Any) -> set[str]:
    if not isinstance(value, dict) or value.get("type") != "relation":
        return set()
    return {str(item["id"]) for item in value["relation"]}


# -- blocks and comments -------------------------------------------------------------------


def content_changed(w: Write, obj: StoredObject, block_ids: list[str]) -> list[WebhookEvent]:
    """``page.content_updated`` of the page that ``obj`` (a block or a page) belongs to."""
    page = owning_page(w.ws, obj)
    if page is None:
        return []
    blocks = [{"id": block_id, "type": "block"} for block_id in block_ids]
    data = {"parent": page_parent(w.ws, page), "updated_blocks": blocks}
    return [w.event("page.content_updated", page, data)]


def _block_updated(w: Write) -> list[WebhookEvent]:
    before, block = w.before, w.stored(w.result.get("id"))
    if before is None or block is None:
        return []
    kind = block.body.get("type", "")
    if before.in_trash == block.in_trash and before.body.get(kind) == block.body.get(kind):
        return []
    return content_changed(w, block, [block.id])


def _block_deleted(w: Write) -> list[WebhookEvent]:
    """``DELETE /v1/blocks/{id}`` trashes a block, a child page or a child database."""
    before = w.before
    if before is None or before.in_trash:
        return []
    obj = w.stored(before.id) or before
    if obj.kind == "page":
        events = [w.event("page.deleted", obj, {"parent": page_parent(w.ws, obj)})]
        return events + container_changed(w, obj)
    if obj.kind == "database":
        return [w.event("database.deleted", obj, {"parent": database_parent(w.ws, obj)})]
    return content_changed(w, obj, [obj.id])


def _children_appended(w: Write) -> list[WebhookEvent]:
    created = [str(block["id"]) for block in w.result.get("results", [])]
    first = w.stored(created[0]) if created else None
    return [] if first is None else content_changed(w, first, created)


def comment_event(kind: str) -> Deriver:
    """The deriver of a write of a comment: ``kind`` (``comment.created``, …) with ``data``
    naming the page and the page or block commented on."""

    def derive(w: Write) -> list[WebhookEvent]:
        comment = w.stored(w.result.get("id"))
        target = w.stored(comment.parent_id) if comment is not None else None
        if comment is None or target is None:
            return []
        page = owning_page(w.ws, target)
        data = {
            "page_id": (page or target).id,
            "parent": {"id": target.id, "type": "page" if target.kind == "page" else "block"},
        }
        return [w.event(kind, comment, data)]

    return derive


# -- databases and data sources ------------------------------------------------------------


def _database_created(w: Write) -> list[WebhookEvent]:
    database = w.stored(w.result.get("id"))
    if database is None:
        return []
    events = [w.event("database.created", database, {"parent": database_parent(w.ws, database)})]
    for source_id in database.body.get("data_source_ids", []):
        source = w.stored(source_id)
        if source is not None:
            events += _synced_properties_made(w, source, list(source.body["properties"].values()))
    return events


def _database_updated(w: Write) -> list[WebhookEvent]:
    before, database = w.before, w.stored(w.result.get("id"))
    if before is None or database is None:
        return []
    data = {"parent": database_parent(w.ws, database)}
    events: list[WebhookEvent] = []
    if before.in_trash and not database.in_trash:
        events.append(w.event("database.undeleted", database, data))
    if before.parent_id != database.parent_id:
        events.append(w.event("database.moved", database, data))
    if database.in_trash and not before.in_trash:
        events.append(w.event("database.deleted", database, data))
    return events


def _data_source_created(w: Write) -> list[WebhookEvent]:
    source = w.stored(w.result.get("id"))
    if source is None:
        return []
    events = [w.event("data_source.created", source, {"parent": data_source_parent(source)})]
    return events + _synced_properties_made(w, source, list(source.body["properties"].values()))


def _data_source_updated(w: Write) -> list[WebhookEvent]:
    before, source = w.before, w.stored(w.result.get("id"))
    if before is None or source is None:
        return []
    data: dict[str, Any] = {"parent": data_source_parent(source)}
    events: list[WebhookEvent] = []
    if before.in_trash and not source.in_trash:
        events.append(w.event("data_source.undeleted", source, data))
    changes = _schema_changes(before.body["properties"], source.body["properties"])
    if changes:
        schema_data = {**data, "updated_properties": changes}
        events.append(w.event("data_source.schema_updated", source, schema_data))
        made = {change["id"] for change in changes if change["action"] == "created"}
        props = [p for p in source.body["properties"].values() if p["id"] in made]
        events += _synced_properties_made(w, source, props)
    if source.in_trash and not before.in_trash:
        events.append(w.event("data_source.deleted", source, data))
    return events


def _schema_changes(
    old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]
) -> list[dict[str, str]]:
    """``[{"id", "name", "action": created|updated|deleted}]``, as Notion lists them."""
    old_by_id = {prop["id"]: (name, prop) for name, prop in old.items()}
    new_ids = {prop["id"] for prop in new.values()}
    changes = []
    for name, prop in new.items():
        was = old_by_id.get(prop["id"])
        if was is None:
            changes.append({"id": prop["id"], "name": name, "action": "created"})
        elif was != (name, prop):
            changes.append({"id": prop["id"], "name": name, "action": "updated"})
    for prop_id, (name, _) in old_by_id.items():
        if prop_id not in new_ids:
            changes.append({"id": prop_id, "name": name, "action": "deleted"})
    return changes


def _synced_properties_made(
    w: Write, source: StoredObject, props: list[dict[str, Any]]
) -> list[WebhookEvent]:
    """A new two-way relation adds its synced property to the related data source."""
    events: list[WebhookEvent] = []
    for prop in props:
        config = prop.get("relation") if prop["type"] == "relation" else None
        if not config or config.get("type") != "dual_property":
            continue
        dual = config.get("dual_property") or {}
        target = w.stored(config.get("data_source_id"))
        if target is None or target.id == source.id or not dual.get("synced_property_id"):
            continue
        change = {
            "id": dual["synced_property_id"],
            "name": dual.get("synced_property_name"),
            "action": "created",
        }
        data = {"parent": data_source_parent(target), "updated_properties": [change]}
        events.append(w.event("data_source.schema_updated", target, data))
    return events


DERIVERS: dict[str, Deriver] = {
    "POST /v1/pages": _page_created,
    "PATCH /v1/pages/{page_id}": _page_updated,
    "PATCH /v1/blocks/{block_id}": _block_updated,
    "DELETE /v1/blocks/{block_id}": _block_deleted,
    "PATCH /v1/blocks/{block_id}/children": _children_appended,
    "POST /v1/comments": comment_event("comment.created"),
    "POST /v1/databases": _database_created,
    "PATCH /v1/databases/{database_id}": _database_updated,
    "POST /v1/data_sources": _data_source_created,
    "PATCH /v1/data_sources/{data_source_id}": _data_source_updated,
}
