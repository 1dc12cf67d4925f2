"""Stored objects → the JSON objects the Notion API answers with.

Pages store their property values by property id, so renaming a property never touches a
page; values whose type no longer matches the schema render empty. Timestamps, authors,
formulas and rollups are computed at read time.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from notionhub.errors import ObjectNotFound, ValidationFailed
from notionhub.localnotion.properties.types.rendering import render_value
from notionhub.localnotion.rich_text.items import plain_text
from notionhub.localnotion.storage.store import StoredObject
from notionhub.localnotion.workspace import Workspace


def render_user(user: Mapping[str, Any]) -> dict[str, Any]:
    return dict(user)


def _timestamps(obj: StoredObject) -> dict[str, Any]:
    return {
        "created_time": obj.created_time,
        "last_edited_time": obj.last_edited_time,
        "created_by": obj.body.get("created_by"),
        "last_edited_by": obj.body.get("last_edited_by"),
    }


def shared_schema(ws: Workspace, data_source_id: str) -> dict[str, dict[str, Any]]:
    """The schema of a data source, shared between callers (``Storage.get_shared``): read only."""
    obj = ws.storage.get_shared(data_source_id)
    if obj is None or obj.kind != "data_source":
        raise ObjectNotFound(f"Could not find data source with ID: {data_source_id}.")
    schema: dict[str, dict[str, Any]] = obj.body["properties"]
    return schema


def page_parent(
    obj: StoredObject, ws: Workspace, data_source: StoredObject | None = None
) -> dict[str, Any]:
    """The page's parent; ``data_source``, when given, is the page's (already read)."""
    parent: dict[str, Any] = obj.body["parent"]
    if parent.get("type") == "data_source_id" and obj.data_source_id:
        if data_source is not None and data_source.id == obj.data_source_id:
            ds: StoredObject | None = data_source
        else:
            ds = ws.storage.get_shared(obj.data_source_id)
        database_id = ds.parent_id if ds else None
        return {
            "type": "data_source_id",
            "data_source_id": obj.data_source_id,
            "database_id": database_id,
        }
    return parent


def render_page(
    ws: Workspace,
    obj: StoredObject,
    *,
    schema: dict[str, dict[str, Any]] | None = None,
    rollups: bool = True,
    data_source: StoredObject | None = None,
) -> dict[str, Any]:
    """The page object.

    ``schema`` and ``data_source`` (the page's) may be passed when rendering many pages of
    one data source.
    """
    if obj.data_source_id is not None:
        if schema is None:
            schema = shared_schema(ws, obj.data_source_id)
        properties = render_properties(ws, obj, schema, rollups=rollups)
    else:
        properties = {"title": obj.body["values"]["title"]}
    return {
        "object": "page",
        "id": obj.id,
        **_timestamps(obj),
        "cover": obj.body.get("cover"),
        "icon": obj.body.get("icon"),
        "parent": page_parent(obj, ws, data_source),
        "archived": obj.in_trash,
        "in_trash": obj.in_trash,
        "is_locked": bool(obj.body.get("is_locked", False)),
        "properties": properties,
        "url": ws.url_of(obj.id),
        "public_url": None,
    }


@dataclass(frozen=True)
class _Reading:
    """A page whose properties are being rendered (``properties.types.rendering.PageReading``)."""

    ws: Workspace
    page: StoredObject
    schema: dict[str, dict[str, Any]]
    rollups: bool

    def related_values(self, rollup: dict[str, Any]) -> list[dict[str, Any]]:
        """The rendered values of the rollup's property on the live pages of its relation."""
        config = rollup["rollup"]
        relation = next(
            (p for p in self.schema.values() if p["id"] == config.get("relation_property_id")),
            None,
        )
        if relation is None or relation["type"] != "relation":
            return []
        target_schema = shared_schema(self.ws, relation["relation"]["data_source_id"])
        target_name = next(
            (
                n
                for n, p in target_schema.items()
                if p["id"] == config.get("rollup_property_id")
                or n == config.get("rollup_property_name")
            ),
            None,
        )
        if target_name is None:
            return []
        stored = self.page.body["values"].get(relation["id"])
        ids = (
            [item["id"] for item in stored["relation"]]
            if stored and stored.get("type") == "relation"
            else []
        )
        values = []
        for page in self.ws.storage.get_many(ids).values():
            if not page.in_trash:
                props = render_properties(self.ws, page, target_schema, rollups=False)
                values.append(props[target_name])
        return values


def render_properties(
    ws: Workspace,
    obj: StoredObject,
    schema: dict[str, dict[str, Any]],
    *,
    rollups: bool = True,
    only: Collection[str] | None = None,
) -> dict[str, dict[str, Any]]:
    """Every property of the schema for this page, computed ones included.

    Each value is rendered by its type's entry in the registry
    (``properties.types.rendering``). ``only`` limits the result to those names; a formula
    among them needs the properties it reads, so pass ``only`` with none.
    """
    reading = _Reading(ws, obj, schema, rollups)
    out: dict[str, dict[str, Any]] = {}
    formulas: list[tuple[str, dict[str, Any]]] = []
    for name, prop in schema.items():
        if only is not None and name not in only:
            continue
        if prop["type"] == "formula":  # reads the other values: evaluated once they are done
            formulas.append((name, prop))
        else:
            out[name] = render_value(reading, prop)
    _evaluate_formulas(ws, schema, formulas, out)
    return {name: out[name] for name in schema if name in out}


def _evaluate_formulas(
    ws: Workspace,
    schema: dict[str, dict[str, Any]],
    formulas: list[tuple[str, dict[str, Any]]],
    out: dict[str, dict[str, Any]],
) -> None:
    """Add each formula's value to ``out``; a formula may read another: evaluated in passes."""
    pending = formulas
    for _ in range(len(formulas) + 1):
        if not pending:
            break
        waiting: list[tuple[str, dict[str, Any]]] = []
        for name, prop in pending:
            try:
                expression = prop["formula"]["expression"]
                formula = ws.formulas.parse(expression, schema, f"{name}.formula")
            except ValidationFailed:  # e.g. a property it read was removed: Notion shows nothing
                out[name] = _empty_formula(prop)
                continue
            if any(ref not in out for ref in formula.referenced_properties):
                waiting.append((name, prop))
                continue
            result = formula.evaluate(out, now=ws.clock())
            out[name] = {"id": prop["id"], "type": "formula", "formula": result}
        if len(waiting) == len(pending):
            for name, prop in waiting:  # a cycle: Notion shows nothing
                out[name] = _empty_formula(prop)
            break
        pending = waiting


def _empty_formula(prop: dict[str, Any]) -> dict[str, Any]:
    return {"id": prop["id"], "type": "formula", "formula": {"type": "string", "string": None}}


def render_database(ws: Workspace, obj: StoredObject) -> dict[str, Any]:
    body = obj.body
    sources = ws.storage.get_many(body["data_source_ids"])
    return {
        "object": "database",
        "id": obj.id,
        **_timestamps(obj),
        "title": body["title"],
        "description": body.get("description", []),
        "icon": body.get("icon"),
        "cover": body.get("cover"),
        "parent": body["parent"],
        "is_inline": bool(body.get("is_inline", False)),
        "in_trash": obj.in_trash,
        "archived": obj.in_trash,
        "is_locked": bool(body.get("is_locked", False)),
        "data_sources": [
            {"id": ds_id, "name": plain_text(sources[ds_id].body["title"])}
            for ds_id in body["data_source_ids"]
            if ds_id in sources and not sources[ds_id].in_trash
        ],
        "url": ws.url_of(obj.id),
        "public_url": None,
    }


def render_data_source(ws: Workspace, obj: StoredObject) -> dict[str, Any]:
    body = obj.body
    database = ws.storage.get(obj.parent_id or "")
    return {
        "object": "data_source",
        "id": obj.id,
        **_timestamps(obj),
        "title": body["title"],
        "description": body.get("description", []),
        "icon": body.get("icon"),
        "properties": body["properties"],
        "parent": {"type": "database_id", "database_id": obj.parent_id},
        "database_parent": database.body["parent"] if database else None,
        "is_inline": bool(database.body.get("is_inline", False)) if database else False,
        "archived": obj.in_trash,
        "in_trash": obj.in_trash,
        "url": ws.url_of(obj.id),
        "public_url": None,
    }


def render_block(ws: Workspace, obj: StoredObject) -> dict[str, Any]:
    """A block; child pages and databases render as ``child_page`` / ``child_database``."""
    if obj.kind == "page":
        kind, content = "child_page", {"title": plain_text(obj.body["values"]["title"]["title"])}
        has_children = ws.storage.has_children(obj.id, ("block", "page", "database"))
    elif obj.kind == "database":
        kind, content = "child_database", {"title": plain_text(obj.body["title"])}
        has_children = False
    else:
        kind, content = obj.body["type"], obj.body[obj.body["type"]]
        has_children = ws.storage.has_children(obj.id, ("block", "page", "database"))
    return {
        "object": "block",
        "id": obj.id,
        "parent": obj.body["parent"],
        **_timestamps(obj),
        "has_children": has_children,
        "archived": obj.in_trash,
        "in_trash": obj.in_trash,
        "type": kind,
        kind: content,
    }


def render_comment(obj: StoredObject) -> dict[str, Any]:
    body = obj.body
    return {
        "object": "comment",
        "id": obj.id,
        "parent": body["parent"],
        "discussion_id": body["discussion_id"],
        "created_time": obj.created_time,
        "last_edited_time": obj.last_edited_time,
        "created_by": body["created_by"],
        "rich_text": body["rich_text"],
        **({"attachments": body["attachments"]} if body.get("attachments") else {}),
        "display_name": body.get("display_name") or _INTEGRATION_NAME,
    }


_INTEGRATION_NAME = {"type": "integration", "resolved_name": "notionhub local integration"}
