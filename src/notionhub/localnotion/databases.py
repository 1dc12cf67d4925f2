"""Databases and their data sources: create, update, schema changes, two-way relations."""

from __future__ import annotations

import secrets
from dataclasses import replace
from typing import Any

from notionhub.errors import ValidationFailed
from notionhub.localnotion.api.ids import parse_id
from notionhub.localnotion.api.request_body import (
    optional_bool,
    optional_object,
    require_object,
    trash_flag,
)
from notionhub.localnotion.blocks.icons_and_covers import (
    icon_and_cover_changes,
    optional_cover,
    optional_icon,
)
from notionhub.localnotion.index import queries as index_queries
from notionhub.localnotion.pages.writes import follow_option_changes
from notionhub.localnotion.properties.schema import apply_schema_update, normalize_schema_on_create
from notionhub.localnotion.rich_text.items import normalize_rich_text, plain_text
from notionhub.localnotion.storage.store import StoredObject
from notionhub.localnotion.workspace import Workspace

_PAGE_LIKE = ("page", "block")


def new_prop_id() -> str:
    """A short property id, like Notion's four-character ones."""
    return secrets.token_urlsafe(3)


def _page_parent(ws: Workspace, raw: object, field: str) -> tuple[dict[str, Any], str]:
    parent = require_object(raw, field)
    if "page_id" not in parent:
        raise ValidationFailed(f"{field}.page_id should be defined, instead was `undefined`.")
    page = ws.find_live(parent["page_id"], ("page",), f"{field}.page_id")
    return {"type": "page_id", "page_id": page.id}, page.id


def create_database(ws: Workspace, body: dict[str, Any]) -> StoredObject:
    """``POST /v1/databases``: a database with its first data source."""
    parent, parent_id = _page_parent(ws, body.get("parent"), "body.parent")
    title = normalize_rich_text(body.get("title", []), "body.title")
    description = normalize_rich_text(body.get("description", []), "body.description")
    icon = optional_icon(body.get("icon"), "body.icon")
    cover = optional_cover(body.get("cover"), "body.cover")
    initial = optional_object(body.get("initial_data_source"), "body.initial_data_source") or {}
    properties = initial.get("properties", {"Name": {"title": {}}})
    now = ws.now()
    database_id, data_source_id = ws.ids.new_id(), ws.ids.new_id()
    with ws.storage.transaction():
        schema = _prepare_schema(
            ws, data_source_id, properties, "body.initial_data_source.properties"
        )
        ws.storage.put(
            StoredObject(
                database_id,
                "database",
                parent_id,
                None,
                False,
                now,
                now,
                {
                    "title": title,
                    "description": description,
                    "icon": icon,
                    "cover": cover,
                    "is_inline": optional_bool(body.get("is_inline"), "body.is_inline") or False,
                    "parent": parent,
                    "data_source_ids": [data_source_id],
                    "created_by": ws.actor_ref(),
                    "last_edited_by": ws.actor_ref(),
                },
            ),
            title=plain_text(title),
        )
        _store_data_source(ws, data_source_id, database_id, title, schema, icon)
        _wire_dual_relations(ws, data_source_id, schema)
    return ws.find(database_id, ("database",), "database_id")


def _prepare_schema(
    ws: Workspace, data_source_id: str, properties: object, field: str
) -> dict[str, dict[str, Any]]:
    schema = normalize_schema_on_create(properties, field, new_prop_id=new_prop_id)
    _check_relations(ws, data_source_id, schema, field)
    return schema


def _check_relations(
    ws: Workspace, data_source_id: str, schema: dict[str, dict[str, Any]], field: str
) -> None:
    """Relation targets must exist; fill their database id as Notion answers it."""
    for name, prop in schema.items():
        if prop["type"] != "relation":
            continue
        config = prop["relation"]
        target_id = parse_id(
            config.get("data_source_id"), f"{field}.{name}.relation.data_source_id"
        )
        if target_id != data_source_id:
            target = ws.find(target_id, ("data_source",), f"{field}.{name}.relation.data_source_id")
            config["database_id"] = target.parent_id
        config["data_source_id"] = target_id


def _store_data_source(
    ws: Workspace,
    data_source_id: str,
    database_id: str,
    title: list[dict[str, Any]],
    schema: dict[str, dict[str, Any]],
    icon: dict[str, Any] | None,
) -> None:
    now = ws.now()
    for prop in schema.values():
        if prop["type"] == "relation" and prop["relation"]["data_source_id"] == data_source_id:
            prop["relation"]["database_id"] = database_id
    ws.storage.put(
        StoredObject(
            data_source_id,
            "data_source",
            database_id,
            None,
            False,
            now,
            now,
            {
                "title": title,
                "description": [],
                "icon": icon,
                "properties": schema,
                "created_by": ws.actor_ref(),
                "last_edited_by": ws.actor_ref(),
            },
        ),
        title=plain_text(title),
    )


def _wire_dual_relations(
    ws: Workspace, data_source_id: str, schema: dict[str, dict[str, Any]]
) -> None:
    """For each new two-way relation, add (or name) the synced property on the other side."""
    source = ws.storage.get(data_source_id)
    assert source is not None
    for name, prop in schema.items():
        config = prop["relation"] if prop["type"] == "relation" else None
        if config is None or config.get("type") != "dual_property":
            continue
        dual = config["dual_property"]
        if dual.get("synced_property_id"):
            continue
        target = ws.storage.get(config["data_source_id"])
        assert target is not None
        target_schema: dict[str, dict[str, Any]] = (
            dict(target.body["properties"]) if target.id != source.id else schema
        )
        synced_name = (
            dual.get("synced_property_name")
            or f"Related to {plain_text(source.body['title'])} ({name})"
        )
        while synced_name in target_schema and target_schema[synced_name].get("type") != "relation":
            synced_name += " (1)"
        synced_id = new_prop_id()
        target_schema[synced_name] = {
            "id": synced_id,
            "name": synced_name,
            "type": "relation",
            "description": None,
            "relation": {
                "data_source_id": data_source_id,
                "database_id": source.parent_id,
                "type": "dual_property",
                "dual_property": {"synced_property_name": name, "synced_property_id": prop["id"]},
            },
        }
        config["dual_property"] = {
            "synced_property_name": synced_name,
            "synced_property_id": synced_id,
        }
        if target.id != source.id:
            ws.storage.put(
                replace(ws.touch(target), body={**target.body, "properties": target_schema})
            )
    ws.storage.put(replace(source, body={**source.body, "properties": schema}))


def update_database(ws: Workspace, raw_id: str, body: dict[str, Any]) -> StoredObject:
    """``PATCH /v1/databases/{id}``: title, description, icon, cover, is_inline, trash, parent."""
    obj = ws.find(raw_id, ("database",), "path.database_id")
    new_body = dict(obj.body)
    if "title" in body:
        new_body["title"] = normalize_rich_text(body["title"], "body.title")
    if "description" in body:
        new_body["description"] = normalize_rich_text(body["description"], "body.description")
    new_body.update(icon_and_cover_changes(body))
    if "is_inline" in body:
        new_body["is_inline"] = optional_bool(body["is_inline"], "body.is_inline") or False
    parent_id = obj.parent_id
    if "parent" in body:
        new_body["parent"], parent_id = _page_parent(ws, body["parent"], "body.parent")
    trash = trash_flag(body, obj.in_trash)
    updated = replace(
        ws.touch(obj, in_trash=trash, parent_id=parent_id),
        body={**new_body, "last_edited_by": ws.actor_ref()},
    )
    ws.storage.put(updated, title=plain_text(new_body["title"]))
    return updated


def create_data_source(ws: Workspace, body: dict[str, Any]) -> StoredObject:
    """``POST /v1/data_sources``: another data source in an existing database."""
    parent = require_object(body.get("parent"), "body.parent")
    database = ws.find_live(parent.get("database_id"), ("database",), "body.parent.database_id")
    title = normalize_rich_text(body.get("title", []), "body.title")
    icon = optional_icon(body.get("icon"), "body.icon")
    data_source_id = ws.ids.new_id()
    with ws.storage.transaction():
        schema = _prepare_schema(ws, data_source_id, body.get("properties"), "body.properties")
        _store_data_source(ws, data_source_id, database.id, title, schema, icon)
        _wire_dual_relations(ws, data_source_id, schema)
        ids = [*database.body["data_source_ids"], data_source_id]
        ws.storage.put(replace(ws.touch(database), body={**database.body, "data_source_ids": ids}))
    return ws.find(data_source_id, ("data_source",), "data_source_id")


def update_data_source(ws: Workspace, raw_id: str, body: dict[str, Any]) -> StoredObject:
    """``PATCH /v1/data_sources/{id}``: title, icon, in_trash, and property changes."""
    obj = ws.find(raw_id, ("data_source",), "path.data_source_id")
    new_body = dict(obj.body)
    with ws.storage.transaction():
        if "title" in body:
            new_body["title"] = normalize_rich_text(body["title"], "body.title")
        new_body.update(icon_and_cover_changes(body, ("icon",)))
        if "description" in body:
            new_body["description"] = normalize_rich_text(body["description"], "body.description")
        if body.get("properties") is not None:
            change = apply_schema_update(
                obj.body["properties"],
                body["properties"],
                "body.properties",
                new_prop_id=new_prop_id,
            )
            _check_relations(ws, obj.id, change.schema, "body.properties")
            for prop_id in [*change.removed, *change.retyped]:
                index_queries.drop_property(ws.storage, obj.id, prop_id)
            new_body["properties"] = change.schema
        updated = replace(
            ws.touch(obj, in_trash=trash_flag(body, obj.in_trash)),
            body={**new_body, "last_edited_by": ws.actor_ref()},
        )
        ws.storage.put(updated, title=plain_text(new_body["title"]))
        if body.get("properties") is not None:
            _wire_dual_relations(ws, obj.id, new_body["properties"])
            follow_option_changes(ws, obj.id, obj.body["properties"], new_body["properties"])
    return ws.find(obj.id, ("data_source",), "data_source_id")
