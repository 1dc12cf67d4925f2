"""Blocks: append children (nested), list children, retrieve, update, move to the trash."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from notionhub.errors import ValidationFailed
from notionhub.localnotion.api.ids import parse_id
from notionhub.localnotion.api.request_body import optional_object, trash_flag
from notionhub.localnotion.blocks.bodies import MEDIA_TYPES, keep_media_source
from notionhub.localnotion.blocks.types import (
    NormalizedBlock,
    check_children_fit,
    normalize_block_update,
    normalize_children,
)
from notionhub.localnotion.storage.store import StoredObject
from notionhub.localnotion.workspace import Workspace, archived_error

CHILD_KINDS = ("block", "page", "database")
START = "start"  # ``after`` value meaning: before every existing child


def store_children(
    ws: Workspace, parent: StoredObject, children: list[NormalizedBlock], *, after: str | None
) -> list[StoredObject]:
    """Store ``children`` (and their own children) under ``parent``; the first level is returned."""
    if not children:
        return []
    parent_ref = (
        {"type": "page_id", "page_id": parent.id}
        if parent.kind == "page"
        else {"type": "block_id", "block_id": parent.id}
    )
    position: int | None = None
    if after == START:
        first = ws.storage.children(parent.id, CHILD_KINDS)
        lowest = ws.storage.position_of(first[0].id) if first else 0
        position = (lowest or 0) - (len(children) + 1) * 1024
    elif after is not None:
        anchor = ws.storage.position_of(after)
        assert anchor is not None
        ws.storage.make_room_after(parent.id, anchor, len(children))
        position = anchor
    stored: list[StoredObject] = []
    now = ws.now()
    with ws.storage.transaction():
        for child in children:
            if position is not None:
                position += 1024
            obj = StoredObject(
                ws.ids.new_id(),
                "block",
                parent.id,
                None,
                False,
                now,
                now,
                {
                    "type": child.type,
                    child.type: child.content,
                    "parent": parent_ref,
                    "created_by": ws.actor_ref(),
                    "last_edited_by": ws.actor_ref(),
                },
            )
            ws.storage.put(obj, position=position)
            store_children(ws, obj, child.children, after=None)
            stored.append(obj)
    return stored


def _container(ws: Workspace, raw_id: str) -> StoredObject:
    obj = ws.find(raw_id, ("block", "page"), "path.block_id")
    if obj.in_trash:
        raise archived_error(obj.id)
    return obj


def append_children(ws: Workspace, raw_id: str, body: dict[str, Any]) -> list[StoredObject]:
    """``PATCH /v1/blocks/{id}/children``: ``children``, optional ``after`` or ``position``."""
    parent = _container(ws, raw_id)
    if "children" not in body:
        raise ValidationFailed("body.children should be defined, instead was `undefined`.")
    children = normalize_children(body["children"], "body.children")
    if parent.kind == "page":
        check_children_fit("page", {}, children, "body.children")
    else:
        kind = parent.body["type"]
        check_children_fit(kind, parent.body[kind], children, "body.children")
    after = _after(ws, parent, body)
    with ws.storage.transaction():
        created = store_children(ws, parent, children, after=after)
        ws.storage.put(ws.touch(parent))
    return created


def _after(ws: Workspace, parent: StoredObject, body: dict[str, Any]) -> str | None:
    """The sibling to insert after; ``START`` for the beginning; ``None`` for the end."""
    raw_after: object = body.get("after")
    position = optional_object(body.get("position"), "body.position")
    if position is not None:
        kind = position.get("type")
        if kind == "after_block":
            raw_after = (position.get("after_block") or {}).get("id")
        elif kind == "start":
            return START
        elif kind != "end":
            raise ValidationFailed("body.position.type should be `after_block`, `start` or `end`.")
    if raw_after is None:
        return None
    after_id = parse_id(raw_after, "body.after")
    sibling = ws.storage.get(after_id)
    if sibling is None or sibling.parent_id != parent.id:
        raise ValidationFailed(f"body.after: block {after_id} is not a child of {parent.id}.")
    return after_id


def list_children(ws: Workspace, raw_id: str) -> list[StoredObject]:
    """Every live child of a page or block, in order."""
    parent = ws.find(raw_id, ("block", "page"), "path.block_id")
    return ws.storage.children(parent.id, CHILD_KINDS)


def retrieve_block(ws: Workspace, raw_id: str) -> StoredObject:
    return ws.find(raw_id, CHILD_KINDS, "path.block_id")


def update_block(ws: Workspace, raw_id: str, body: dict[str, Any]) -> StoredObject:
    """``PATCH /v1/blocks/{id}``: new content for the block's type, or ``in_trash``."""
    obj = ws.find(raw_id, ("block",), "path.block_id")
    trash = trash_flag(body, obj.in_trash)
    kind = obj.body["type"]
    new_body = dict(ws.touch(obj).body)
    partial = normalize_block_update(kind, body, "body")
    if partial:
        if obj.in_trash and trash:
            raise archived_error(obj.id)
        merged = {**obj.body[kind], **partial}
        if "type" in partial and kind in MEDIA_TYPES:
            keep_media_source(merged)  # the new source replaces the old one
        new_body[kind] = merged
    updated = replace(obj, last_edited_time=ws.now(), in_trash=trash, body=new_body)
    ws.storage.put(updated)
    return updated


def delete_block(ws: Workspace, raw_id: str) -> StoredObject:
    """``DELETE /v1/blocks/{id}``: the block (or child page) goes to the trash."""
    obj = ws.find(raw_id, CHILD_KINDS, "path.block_id")
    updated = replace(ws.touch(obj), in_trash=True)
    ws.storage.put(updated)
    return updated
