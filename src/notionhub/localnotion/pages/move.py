"""``POST /v1/pages/{id}/move``: a page goes under another page or into a data source.

Moving keeps the page's id, content and comments. Its properties follow it where the new
place has them: the title always; into a data source, every other value whose property has
the same name and a type that holds plain values there (text, number, select, …; relations
and computed properties start empty), as Notion does when a page is dragged between
databases. Under a page, only the title remains.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from notionhub.errors import ValidationFailed
from notionhub.localnotion.api.request_body import require_object
from notionhub.localnotion.index import queries as index_queries
from notionhub.localnotion.pages.writes import data_source_values, resolve_parent, save_page
from notionhub.localnotion.properties.types.catalog import WRITABLE_TYPES
from notionhub.localnotion.render import render_page
from notionhub.localnotion.storage.store import StoredObject
from notionhub.localnotion.workspace import Workspace, archived_error

# Property types whose value means the same in another data source with that property: the
# writable ones but the title (always carried) and relations (they name the old data source's
# related pages).
_PORTABLE_TYPES = WRITABLE_TYPES - {"title", "relation"}


def move_page(ws: Workspace, raw_id: str, body: dict[str, Any]) -> StoredObject:
    """Move the page to ``body.parent`` (``page_id``, ``data_source_id``, or the
    ``database_id`` of a database with one data source)."""
    page = ws.find(raw_id, ("page",), "path.page_id")
    if page.in_trash:
        raise archived_error(page.id)
    raw_parent = require_object(body.get("parent"), "body.parent")
    if raw_parent.get("type") == "workspace" or "workspace" in raw_parent:
        raise ValidationFailed(
            "body.parent.type should be `page_id` or `data_source_id`: the API cannot move a"
            " page to the top level of the workspace."
        )
    parent, container = resolve_parent(ws, raw_parent)
    if container.kind == "page":
        _refuse_cycle(ws, page, container)
    if container.id == page.parent_id:
        return page  # already there: nothing moves, nothing is renumbered
    old_source = page.data_source_id
    with ws.storage.transaction():
        if container.kind == "data_source":
            raw = _portable_values(ws, page, container)
            values, title = data_source_values(ws, container, page.id, raw)
            data_source_id: str | None = container.id
        else:
            values = {"title": {"id": "title", "type": "title", "title": _title_items(ws, page)}}
            title, data_source_id = None, None
        moved = replace(
            ws.touch(page),
            parent_id=container.id,
            data_source_id=data_source_id,
            body={**ws.touch(page).body, "parent": parent, "values": values},
        )
        if old_source is not None and old_source != data_source_id:
            index_queries.replace_rows(ws.storage, old_source, page.id, [])
        position = (
            None if page.parent_id == container.id else ws.storage.next_position(container.id)
        )
        ws.storage.put(moved, position=position)
        save_page(ws, moved, title)
    return moved


def _refuse_cycle(ws: Workspace, page: StoredObject, target: StoredObject) -> None:
    """A page cannot go under itself or under one of its own descendants."""
    current: StoredObject | None = target
    while current is not None:
        if current.id == page.id:
            raise ValidationFailed(
                f"body.parent.page_id: can't move page {page.id} under itself or one of its"
                " descendants."
            )
        current = ws.storage.get(current.parent_id) if current.parent_id else None


def _title_items(ws: Workspace, page: StoredObject) -> list[dict[str, Any]]:
    rendered = render_page(ws, page)["properties"]
    for value in rendered.values():
        if value.get("type") == "title":
            items: list[dict[str, Any]] = value["title"]
            return items
    return []


def _portable_values(ws: Workspace, page: StoredObject, target: StoredObject) -> dict[str, Any]:
    """The page's values as a ``properties`` body for ``target``'s schema (names matched)."""
    schema: dict[str, dict[str, Any]] = target.body["properties"]
    title_name = next(name for name, prop in schema.items() if prop["type"] == "title")
    raw: dict[str, Any] = {title_name: {"title": _title_items(ws, page)}}
    if page.data_source_id is None:
        return raw
    for name, value in render_page(ws, page, rollups=False)["properties"].items():
        kind = value.get("type")
        prop = schema.get(name)
        if prop is None or kind not in _PORTABLE_TYPES or prop["type"] != kind:
            continue
        if kind == "status" and not _has_option(prop, value["status"]):
            continue  # a status must name one of the target's options: left empty
        raw[name] = {kind: value[kind]}
    return raw


def _has_option(prop: dict[str, Any], status: dict[str, Any] | None) -> bool:
    if status is None:
        return True
    names = {option["name"] for option in prop["status"].get("options", [])}
    return status.get("name") in names
