"""Where an object lives, in the form webhook events give it: ``data.parent``.

Events name a parent by ``{"id", "type"}`` with types ``page``, ``block``, ``database`` and
``space`` (the workspace), not the ``page_id`` / ``data_source_id`` forms of the API's objects.
Since 2025-09-03 a page of a data source has its database as parent, with the data source's id
beside it: ``{"id": <database>, "type": "database", "data_source_id": <data source>}``.
"""

from __future__ import annotations

from typing import Any

from notionhub.localnotion.storage.store import StoredObject
from notionhub.localnotion.workspace import Workspace

# Blocks nest a few levels deep; the walk up to a page stops well before a cycle could matter.
_MAX_DEPTH = 64


def page_parent(ws: Workspace, page: StoredObject) -> dict[str, Any]:
    """The parent of a page: its data source's database, a page, a block or the workspace."""
    if page.data_source_id is not None:
        return data_source_ref(ws, page.data_source_id)
    return _from_api_parent(ws, page.body.get("parent") or {})


def data_source_ref(ws: Workspace, data_source_id: str) -> dict[str, Any]:
    """A data source as the parent of its pages: its database, with the data source's id."""
    source = ws.storage.get(data_source_id)
    database_id = source.parent_id if source is not None else None
    return {"id": database_id, "type": "database", "data_source_id": data_source_id}


def database_parent(ws: Workspace, database: StoredObject) -> dict[str, Any]:
    return _from_api_parent(ws, database.body.get("parent") or {})


def data_source_parent(source: StoredObject) -> dict[str, Any]:
    return {"id": source.parent_id, "type": "database"}


def block_parent(ws: Workspace, block: StoredObject) -> dict[str, Any]:
    return _from_api_parent(ws, block.body.get("parent") or {})


def _from_api_parent(ws: Workspace, parent: dict[str, Any]) -> dict[str, Any]:
    kind = parent.get("type")
    if kind == "page_id":
        return {"id": parent["page_id"], "type": "page"}
    if kind == "block_id":
        return {"id": parent["block_id"], "type": "block"}
    if kind == "database_id":
        return {"id": parent["database_id"], "type": "database"}
    if kind == "data_source_id":
        return data_source_ref(ws, parent["data_source_id"])
    return {"id": ws.workspace_id, "type": "space"}


def owning_page(ws: Workspace, obj: StoredObject) -> StoredObject | None:
    """The page a block (or comment) belongs to: the nearest page above it, or itself."""
    current: StoredObject | None = obj
    for _ in range(_MAX_DEPTH):
        if current is None or current.kind == "page":
            return current
        if current.parent_id is None:
            return None
        current = ws.storage.get(current.parent_id)
    return None
