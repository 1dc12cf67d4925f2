"""Pages: create under a page or a data source, update, trash, and read one property."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from notionhub.errors import ValidationFailed
from notionhub.localnotion.api.ids import is_id, parse_id
from notionhub.localnotion.api.request_body import optional_bool, require_object, trash_flag
from notionhub.localnotion.blocks.children import store_children
from notionhub.localnotion.blocks.icons_and_covers import (
    icon_and_cover_changes,
    optional_cover,
    optional_icon,
)
from notionhub.localnotion.blocks.types import check_children_fit, normalize_children
from notionhub.localnotion.index import queries as index_queries
from notionhub.localnotion.index.planner import index_rows
from notionhub.localnotion.properties.types.options import changed_options, follow_options
from notionhub.localnotion.properties.values import normalize_property_values
from notionhub.localnotion.render import shared_schema
from notionhub.localnotion.rich_text.items import normalize_rich_text, plain_text
from notionhub.localnotion.storage.store import StoredObject
from notionhub.localnotion.workspace import Workspace

_CONTAINERS = ("page", "database", "data_source")


def resolve_parent(ws: Workspace, raw: object) -> tuple[dict[str, Any], StoredObject]:
    """Notion's parent forms: ``page_id``, ``data_source_id``, or ``database_id`` (one source)."""
    parent = require_object(raw, "body.parent")
    if "page_id" in parent:
        page = ws.find_live(parent["page_id"], ("page",), "body.parent.page_id")
        return {"type": "page_id", "page_id": page.id}, page
    if "data_source_id" in parent:
        ds = _live_data_source(ws, parent["data_source_id"], "body.parent.data_source_id")
        return {"type": "data_source_id", "data_source_id": ds.id}, ds
    if "database_id" in parent:
        database = ws.find_live(parent["database_id"], ("database",), "body.parent.database_id")
        sources = database.body["data_source_ids"]
        if len(sources) != 1:
            raise ValidationFailed(
                "body.parent.database_id names a database with several data sources;"
                " use parent.data_source_id instead."
            )
        ds = ws.find_live(sources[0], ("data_source",), "body.parent.database_id")
        return {"type": "data_source_id", "data_source_id": ds.id}, ds
    raise ValidationFailed("body.parent should have one of page_id, data_source_id or database_id.")


def _live_data_source(ws: Workspace, raw_id: object, field: str) -> StoredObject:
    """``ws.find_live`` of a data source, read through ``Storage.get_shared``.

    Creating a page only reads its data source (a changed schema is stored as a new object),
    so the shared copy spares decoding the schema on every page created. Anything but a live
    data source goes through ``find_live`` for its error.
    """
    if is_id(raw_id):
        shared = ws.storage.get_shared(parse_id(raw_id, field))
        if shared is not None and shared.kind == "data_source" and not shared.in_trash:
            return shared
    return ws.find_live(raw_id, ("data_source",), field)


def create_page(ws: Workspace, body: dict[str, Any]) -> StoredObject:
    """``POST /v1/pages``."""
    parent, container = resolve_parent(ws, body.get("parent"))
    icon = optional_icon(body.get("icon"), "body.icon")
    cover = optional_cover(body.get("cover"), "body.cover")
    children = normalize_children(body.get("children", []), "body.children")
    check_children_fit("page", {}, children, "body.children")
    page_id, now = ws.ids.new_id(), ws.now()
    with ws.storage.transaction():
        if container.kind == "data_source":
            values, title = data_source_values(ws, container, page_id, body.get("properties"))
            parent_id, data_source_id = container.id, container.id
        else:
            values, title = _title_only_values(body.get("properties")), None
            parent_id, data_source_id = container.id, None
        page = StoredObject(
            page_id,
            "page",
            parent_id,
            data_source_id,
            False,
            now,
            now,
            {
                "parent": parent,
                "icon": icon,
                "cover": cover,
                "is_locked": False,
                "created_by": ws.actor_ref(),
                "last_edited_by": ws.actor_ref(),
                "values": values,
            },
        )
        save_page(ws, page, title, new=True)
        store_children(ws, page, children, after=None)
    return page


def _title_only_values(raw: object) -> dict[str, Any]:
    """A page under a page has only a title, given as ``title`` or ``{"title": [...]}``."""
    props = require_object(raw if raw is not None else {}, "body.properties")
    for key, value in props.items():
        if key != "title" and not (isinstance(value, dict) and "title" in value):
            raise ValidationFailed(
                f"body.properties.{key}: a page whose parent is a page can only have a title"
                " property."
            )
    raw_title: object = []
    for value in props.values():
        raw_title = value["title"] if isinstance(value, dict) else value
    items = normalize_rich_text(raw_title, "body.properties.title.title")
    return {"title": {"id": "title", "type": "title", "title": items}}


def data_source_values(
    ws: Workspace,
    ds: StoredObject,
    page_id: str,
    raw: object,
    current: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], str]:
    """Validated values by property id (merged over ``current``), and the page's plain title."""
    schema: dict[str, dict[str, Any]] = ds.body["properties"]
    result = normalize_property_values(
        schema, raw if raw is not None else {}, "body.properties", ws
    )
    if result.schema is not None:
        schema = result.schema
        ws.storage.put(replace(ds, body={**ds.body, "properties": schema}))
    values = dict(current or {})
    for name, value in result.values.items():
        values[schema[name]["id"]] = value
    if current is None:
        for prop in schema.values():
            if prop["type"] == "unique_id":
                number = ws.storage.next_counter(f"unique_id:{ds.id}:{prop['id']}")
                values[prop["id"]] = {
                    "id": prop["id"],
                    "type": "unique_id",
                    "unique_id": {"prefix": prop["unique_id"].get("prefix"), "number": number},
                }
    for name, ids in result.relation_changes.items():
        _sync_relation(ws, page_id, schema[name], ids, current, name)
    title_prop = next(p for p in schema.values() if p["type"] == "title")
    title_value = values.get(title_prop["id"])
    title = plain_text(title_value["title"]) if title_value else ""
    return values, title


def _sync_relation(
    ws: Workspace,
    page_id: str,
    prop: dict[str, Any],
    new_ids: list[str],
    current: dict[str, Any] | None,
    name: str,
) -> None:
    """Check the related pages and, for a two-way relation, update the other side."""
    config = prop["relation"]
    targets = ws.storage.get_many(new_ids)
    for related_id in new_ids:
        target = targets.get(related_id)
        if (
            target is None
            or target.kind != "page"
            or target.data_source_id != config["data_source_id"]
        ):
            raise ValidationFailed(
                f"body.properties.{name}.relation: {related_id} is not a page of the related"
                f" data source {config['data_source_id']}."
            )
    if config.get("type") != "dual_property":
        return
    synced_id = config["dual_property"]["synced_property_id"]
    old_value = (current or {}).get(prop["id"])
    old_ids = (
        [r["id"] for r in old_value["relation"]]
        if old_value and old_value.get("type") == "relation"
        else []
    )
    added = [i for i in new_ids if i not in old_ids and i != page_id]
    removed = [i for i in old_ids if i not in new_ids and i != page_id]
    for other in ws.storage.get_many(added + removed).values():
        stored = other.body["values"].get(synced_id)
        ids = (
            [r["id"] for r in stored["relation"]]
            if stored and stored.get("type") == "relation"
            else []
        )
        ids = [i for i in ids if i != page_id] + ([page_id] if other.id in added else [])
        values = {
            **other.body["values"],
            synced_id: {"id": synced_id, "type": "relation", "relation": [{"id": i} for i in ids]},
        }
        updated = replace(ws.touch(other), body={**ws.touch(other).body, "values": values})
        save_page(ws, updated, None)


def save_page(ws: Workspace, page: StoredObject, title: str | None, *, new: bool = False) -> None:
    """Store a page with its search title and, in a data source, its index rows.

    ``new``: the page was just created, so nothing of it is stored yet.
    """
    if title is None:
        title = _plain_title(ws, page)
    ws.storage.put(page, title=title, new=new)
    if page.data_source_id is not None:
        schema = shared_schema(ws, page.data_source_id)
        rows = index_rows(schema, page.body["values"])
        index_queries.replace_rows(ws.storage, page.data_source_id, page.id, rows, new=new)


def follow_option_changes(
    ws: Workspace, data_source_id: str, old: dict[str, Any], new: dict[str, Any]
) -> None:
    """Show renamed options by their new names in the data source's pages, and take removed
    ones out, after its schema went from ``old`` to ``new`` (stored already).

    Values keep the option's name as written, so they are rewritten here, with their index
    rows; only the pages the index shows holding a changed name are read. Their edit times
    stay (the schema was edited, not the pages).
    """
    changed = changed_options(old, new)
    affected: set[str] = set()
    for prop_id, change in changed.items():
        affected |= index_queries.pages_with_texts(
            ws.storage, data_source_id, prop_id, change.stale_names
        )
    kinds = {prop["id"]: prop["type"] for prop in new.values()}
    for page in ws.storage.get_many(sorted(affected)).values():
        values = dict(page.body["values"])
        for prop_id, change in changed.items():
            value = values.get(prop_id)
            if value is not None and value.get("type") == kinds[prop_id]:
                values[prop_id] = follow_options(value, change.options)
        save_page(ws, replace(page, body={**page.body, "values": values}), None)


def _plain_title(ws: Workspace, page: StoredObject) -> str:
    values = page.body["values"]
    if page.data_source_id is None:
        return plain_text(values["title"]["title"])
    schema = shared_schema(ws, page.data_source_id)
    title_prop = next(p for p in schema.values() if p["type"] == "title")
    value = values.get(title_prop["id"])
    return plain_text(value["title"]) if value and value.get("type") == "title" else ""


def update_page(ws: Workspace, raw_id: str, body: dict[str, Any]) -> StoredObject:
    """``PATCH /v1/pages/{id}``: properties, icon, cover, in_trash / archived, is_locked."""
    page = ws.find(raw_id, ("page",), "path.page_id")
    trash = trash_flag(body, page.in_trash)
    # An empty ``properties`` changes nothing, so it is no edit.
    edits = [key for key in ("properties", "icon", "cover", "is_locked") if key in body]
    if "properties" in edits and not body["properties"]:
        edits.remove("properties")
    if page.in_trash and trash and edits:
        raise ValidationFailed(
            f"Can't edit a page that is in the trash ({', '.join(edits)}). Restore it first."
        )
    with ws.storage.transaction():
        new_body = dict(ws.touch(page).body)
        title: str | None = None
        if body.get("properties") is not None:
            if page.data_source_id is not None:
                ds = ws.find(page.data_source_id, ("data_source",), "parent.data_source_id")
                new_body["values"], title = data_source_values(
                    ws, ds, page.id, body["properties"], page.body["values"]
                )
            else:
                new_body["values"] = _title_only_values(body["properties"])
        new_body.update(icon_and_cover_changes(body))
        if "is_locked" in body:
            new_body["is_locked"] = bool(optional_bool(body["is_locked"], "body.is_locked"))
        updated = replace(page, last_edited_time=ws.now(), in_trash=trash, body=new_body)
        save_page(ws, updated, title)
    return updated
