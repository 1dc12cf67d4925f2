"""Database views: create, retrieve, update, delete, list, and view queries.

A view belongs to a database and is scoped to one of its data sources; it holds a ``type``
(table, board, …), a ``name``, and the ``filter`` and ``sorts`` of a data source query, which
are checked as a query would check them. A view query runs the view's filter and sorts once,
keeps the ids of up to 10,000 matching pages for 15 minutes (``view_query`` objects in the
store) and pages through them, as Notion's does.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from notionhub.errors import ObjectNotFound, ValidationFailed
from notionhub.localnotion.api.fields import require_str
from notionhub.localnotion.api.pagination import (
    PageRequest,
    list_body,
    paginate,
    parse_page_request,
)
from notionhub.localnotion.api.request_body import optional_object
from notionhub.localnotion.query import engine as query
from notionhub.localnotion.storage.store import StoredObject
from notionhub.localnotion.workspace import Workspace, format_time

VIEW_TYPES = (
    "table",
    "board",
    "calendar",
    "timeline",
    "gallery",
    "list",
    "form",
    "chart",
    "map",
    "dashboard",
)
MAX_QUERY_RESULTS = 10_000
QUERY_LIFETIME = timedelta(minutes=15)
_EDITABLE = ("name", "filter", "sorts", "quick_filters", "configuration")


def render_view(ws: Workspace, view: StoredObject) -> dict[str, Any]:
    body = view.body
    return {
        "object": "view",
        "id": view.id,
        "parent": {"type": "database_id", "database_id": view.parent_id},
        "data_source_id": body.get("data_source_id"),
        "name": body["name"],
        "type": body["type"],
        "filter": body.get("filter"),
        "sorts": body.get("sorts"),
        "quick_filters": body.get("quick_filters"),
        "configuration": body.get("configuration"),
        "created_time": view.created_time,
        "last_edited_time": view.last_edited_time,
        "url": ws.url_of(view.parent_id or "") + "?v=" + view.id.replace("-", ""),
    }


def find_view(ws: Workspace, raw_id: object) -> StoredObject:
    view = ws.find(raw_id, ("view",), "path.view_id")
    if view.in_trash:
        raise ObjectNotFound(f"Could not find view with ID: {view.id}.")
    return view


def create_view(ws: Workspace, body: dict[str, Any]) -> StoredObject:
    """``POST /v1/views`` on a ``database_id`` or in a dashboard ``view_id``."""
    places = [key for key in ("database_id", "view_id", "create_database") if body.get(key)]
    if len(places) != 1:
        raise ValidationFailed(
            "body should define exactly one of `database_id`, `view_id` or `create_database`,"
            f" instead defined {len(places)}."
        )
    if places == ["create_database"]:
        raise ValidationFailed(
            "body.create_database: linked database blocks are not available on this server;"
            " create the view on a `database_id`."
        )
    name = require_str(body.get("name"), "body.name", max_length=2000)
    kind = body.get("type")
    if kind not in VIEW_TYPES:
        raise ValidationFailed(
            f"body.type should be one of {', '.join(f'`{t}`' for t in VIEW_TYPES)},"
            f" instead was `{kind!r}`."
        )
    if places == ["view_id"]:
        dashboard = find_view(ws, body["view_id"])
        if dashboard.body["type"] != "dashboard":
            raise ValidationFailed(f"body.view_id: view {dashboard.id} is not a dashboard view.")
        database = ws.find_live(dashboard.parent_id, ("database",), "body.view_id")
    else:
        database = ws.find_live(body["database_id"], ("database",), "body.database_id")
    source_id = _data_source_of(ws, database, body.get("data_source_id"), str(kind))
    now = ws.now()
    view = StoredObject(
        ws.ids.new_id(),
        "view",
        database.id,
        None,
        False,
        now,
        now,
        {
            "name": name,
            "type": kind,
            "data_source_id": source_id,
            "created_by": ws.actor_ref(),
            **_settings(ws, source_id, body),
        },
    )
    ws.storage.put(view, title=name, new=True)
    return view


def _data_source_of(ws: Workspace, database: StoredObject, raw: object, kind: str) -> str | None:
    if raw is None and kind == "dashboard":
        return None
    source = ws.find(raw, ("data_source",), "body.data_source_id")
    if source.id not in database.body.get("data_source_ids", []):
        raise ValidationFailed(
            f"body.data_source_id: data source {source.id} is not a data source of database"
            f" {database.id}."
        )
    return source.id


def _settings(ws: Workspace, source_id: str | None, body: dict[str, Any]) -> dict[str, Any]:
    """The filter, sorts and configuration a body gives, checked by a query of one page."""
    settings: dict[str, Any] = {}
    for key in ("filter", "quick_filters", "configuration"):
        if key in body:
            settings[key] = optional_object(body[key], f"body.{key}")
    if "sorts" in body:
        sorts = body["sorts"]
        if sorts is not None and not isinstance(sorts, list):
            raise ValidationFailed(f"body.sorts should be an array, instead was `{sorts!r}`.")
        settings["sorts"] = sorts
    if source_id is not None and ("filter" in settings or "sorts" in settings):
        probe = {k: settings[k] for k in ("filter", "sorts") if settings.get(k) is not None}
        query.matching_ids(ws, source_id, {**probe, "page_size": 1})
    return settings


def update_view(ws: Workspace, raw_id: object, body: dict[str, Any]) -> StoredObject:
    """``PATCH /v1/views/{id}``: ``name``, ``filter``, ``sorts``, ``quick_filters``,
    ``configuration`` (``null`` clears one)."""
    view = find_view(ws, raw_id)
    unknown = sorted(set(body) - set(_EDITABLE))
    if unknown:
        raise ValidationFailed(f"body.{unknown[0]} cannot be changed on a view.")
    changes = _settings(ws, view.body.get("data_source_id"), body)
    if "name" in body:
        changes["name"] = require_str(body["name"], "body.name", max_length=2000)
    updated = replace(view, last_edited_time=ws.now(), body={**view.body, **changes})
    ws.storage.put(updated, title=updated.body["name"])
    return updated


def delete_view(ws: Workspace, raw_id: object) -> StoredObject:
    view = find_view(ws, raw_id)
    ws.storage.put(replace(view, in_trash=True, last_edited_time=ws.now()))
    return view


def list_views(
    ws: Workspace, database_id: object, data_source_id: object, request: PageRequest
) -> dict[str, Any]:
    """``GET /v1/views?database_id=`` or ``?data_source_id=``: oldest first."""
    if (database_id is None) == (data_source_id is None):
        raise ValidationFailed(
            "query should define exactly one of `database_id` or `data_source_id`."
        )
    if database_id is not None:
        database = ws.find(database_id, ("database",), "query.database_id")
        views = ws.storage.children(database.id, ("view",))
    else:
        source = ws.find(data_source_id, ("data_source",), "query.data_source_id")
        views = [
            view
            for view in ws.storage.children(source.parent_id or "", ("view",))
            if view.body.get("data_source_id") == source.id
        ]
    page, cursor = paginate(views, request, lambda view: view.id)
    return list_body([render_view(ws, view) for view in page], cursor, "view")


# -- view queries ----------------------------------------------------------------------------


def create_view_query(ws: Workspace, raw_id: object, body: dict[str, Any]) -> dict[str, Any]:
    """``POST /v1/views/{id}/queries``: run the view, keep its answer, give the first page."""
    view = find_view(ws, raw_id)
    request = parse_page_request(None, body.get("page_size"), "body")
    source_id = view.body.get("data_source_id")
    if source_id is None:
        raise ValidationFailed(f"View {view.id} is a dashboard: it has no data source to query.")
    ids, truncated = _all_ids(ws, source_id, view.body)
    moment = ws.clock()
    stored = StoredObject(
        ws.ids.new_id(),
        "view_query",
        view.id,
        None,
        False,
        format_time(moment),
        format_time(moment),
        {
            "page_ids": ids,
            "expires_at": format_time(moment + QUERY_LIFETIME),
            "truncated": truncated,
        },
    )
    ws.storage.put(stored, new=True)
    first = _results_page(stored, request)
    return {
        "object": "view_query",
        "id": stored.id,
        "view_id": view.id,
        "expires_at": stored.body["expires_at"],
        "total_count": len(ids),
        **{key: first[key] for key in ("results", "next_cursor", "has_more")},
        **_status(stored),
    }


def _all_ids(ws: Workspace, source_id: str, settings: dict[str, Any]) -> tuple[list[str], bool]:
    body = {k: settings[k] for k in ("filter", "sorts") if settings.get(k) is not None}
    ids: list[str] = []
    cursor: str | None = None
    while len(ids) < MAX_QUERY_RESULTS:
        page, cursor = query.matching_ids(
            ws, source_id, {**body, "page_size": 100, "start_cursor": cursor}
        )
        ids += page
        if cursor is None:
            return ids, False
    return ids[:MAX_QUERY_RESULTS], True


def _status(stored: StoredObject) -> dict[str, Any]:
    if not stored.body["truncated"]:
        return {}
    reason = "query_result_limit_reached"
    return {"request_status": {"type": "incomplete", "incomplete_reason": reason}}


def _results_page(stored: StoredObject, request: PageRequest) -> dict[str, Any]:
    ids: list[str] = stored.body["page_ids"]
    page, cursor = paginate(ids, request, lambda page_id: page_id)
    results = [{"object": "page", "id": page_id} for page_id in page]
    return {**list_body(results, cursor, "page"), "page": {}, **_status(stored)}


def _find_query(ws: Workspace, view: StoredObject, raw_id: object) -> StoredObject | None:
    stored = ws.find(raw_id, ("view_query",), "path.query_id") if raw_id else None
    if stored is None or stored.parent_id != view.id or stored.in_trash:
        return None
    if ws.now() >= stored.body["expires_at"]:
        return None
    return stored


def view_query_results(
    ws: Workspace, raw_view_id: object, raw_query_id: object, request: PageRequest
) -> dict[str, Any]:
    """``GET /v1/views/{id}/queries/{query_id}``; an expired or deleted query is not found."""
    view = find_view(ws, raw_view_id)
    stored = _find_query(ws, view, raw_query_id)
    if stored is None:
        raise ObjectNotFound(f"Could not find view query with ID: {raw_query_id}.")
    return _results_page(stored, request)


def delete_view_query(ws: Workspace, raw_view_id: object, raw_query_id: object) -> dict[str, Any]:
    """``DELETE /v1/views/{id}/queries/{query_id}``: idempotent."""
    view = find_view(ws, raw_view_id)
    try:
        stored = _find_query(ws, view, raw_query_id)
    except ObjectNotFound:
        stored = None
    if stored is not None:
        ws.storage.put(replace(stored, in_trash=True))
    query_id = stored.id if stored is not None else str(raw_query_id)
    return {"object": "view_query", "id": query_id, "deleted": True}
