"""``GET``/``PATCH /v1/pages/{id}/markdown``: a page's content as Notion-flavoured Markdown.

Reading writes every live child (``markdown.writer``); writing reads the Markdown
(``markdown.reader``) and makes the page's content exactly that: the blocks it held are
trashed and the new ones created in order. Child pages, databases and unknown blocks are
objects of their own: the Markdown names them (``<page url="…">``) to keep them there; one
it no longer names is trashed only with ``allow_deleting_content: true``, else the edit is
refused (400 ``validation_error``), as Notion's reference describes.

Edits (``type``): ``replace_content`` (``new_str``), ``update_content`` (``content_updates``:
up to 100 ``old_str`` → ``new_str``, each found exactly, ``replace_all_matches`` for every
occurrence), and the deprecated ``insert_content`` (``content`` after an ``after`` selection or
at ``position`` start/end) and ``replace_content_range`` (``content`` for ``content_range``);
a selection is ``"start text...end text"``, matched in the current Markdown.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from notionhub.errors import ObjectNotFound, ValidationFailed
from notionhub.localnotion.api.fields import require_bool, require_list, require_str
from notionhub.localnotion.api.ids import parse_id
from notionhub.localnotion.api.request_body import optional_object, require_object
from notionhub.localnotion.blocks.children import CHILD_KINDS, store_children
from notionhub.localnotion.blocks.types import NormalizedBlock, check_children_fit, normalize_tree
from notionhub.localnotion.markdown.reader import read_markdown
from notionhub.localnotion.markdown.writer import Kept, has_writer, write_markdown
from notionhub.localnotion.pages.writes import create_page
from notionhub.localnotion.storage.store import StoredObject
from notionhub.localnotion.workspace import Workspace, archived_error

EDIT_TYPES = ("replace_content", "update_content", "insert_content", "replace_content_range")
MAX_CONTENT_UPDATES = 100


def retrieve_markdown(ws: Workspace, raw_id: object, include_transcript: object) -> dict[str, Any]:
    """The ``page_markdown`` object of a page (or block) and its descendants."""
    if include_transcript not in (None, "true", "false"):
        raise ValidationFailed(
            "query.include_transcript should be `true` or `false`,"
            f" instead was `{include_transcript}`."
        )
    target = ws.find(raw_id, ("page", "block"), "path.page_id")
    written = write_markdown(ws, target.id)
    return {
        "object": "page_markdown",
        "id": target.id,
        "markdown": written.markdown,
        "truncated": False,
        "unknown_block_ids": written.unknown_block_ids,
    }


def update_markdown(ws: Workspace, raw_id: object, body: dict[str, Any]) -> dict[str, Any]:
    """Apply one edit; the answer is the page's Markdown after it."""
    target = ws.find(raw_id, ("page", "block"), "path.page_id")
    if target.in_trash:
        raise archived_error(target.id)
    kind = body.get("type")
    if kind not in EDIT_TYPES:
        raise ValidationFailed(
            "body.type should be one of `replace_content`, `update_content`, `insert_content`,"
            f" `replace_content_range`, instead was `{kind!r}`."
        )
    edit = require_object(body.get(kind), f"body.{kind}")
    current = write_markdown(ws, target.id).markdown
    new_markdown = _edited(current, kind, edit)
    allow = require_bool(
        edit.get("allow_deleting_content", False), f"body.{kind}.allow_deleting_content"
    )
    _replace_content(ws, target, new_markdown, f"body.{kind}", allow)
    return retrieve_markdown(ws, target.id, None)


def _edited(current: str, kind: str, edit: dict[str, Any]) -> str:
    field = f"body.{kind}"
    if kind == "replace_content":
        return require_str(edit.get("new_str"), f"{field}.new_str")
    if kind == "update_content":
        updates = require_list(
            edit.get("content_updates"), f"{field}.content_updates", max_items=MAX_CONTENT_UPDATES
        )
        text = current
        for index, raw in enumerate(updates):
            where = f"{field}.content_updates[{index}]"
            update = require_object(raw, where)
            old = require_str(update.get("old_str"), f"{where}.old_str")
            new = require_str(update.get("new_str"), f"{where}.new_str")
            every = require_bool(
                update.get("replace_all_matches", False), f"{where}.replace_all_matches"
            )
            count = text.count(old) if old else 0
            if count == 0:
                raise ValidationFailed(f"{where}.old_str was not found in the page's Markdown.")
            if count > 1 and not every:
                raise ValidationFailed(
                    f"{where}.old_str matches {count} times; make it unique or set"
                    " replace_all_matches."
                )
            text = text.replace(old, new) if every else text.replace(old, new, 1)
        return text
    content = require_str(edit.get("content"), f"{field}.content")
    if kind == "insert_content":
        return _inserted(current, content, edit, field)
    selection = require_str(edit.get("content_range"), f"{field}.content_range")
    start, end = _selection(current, selection, f"{field}.content_range")
    return current[:start] + content + current[end:]


def _inserted(current: str, content: str, edit: dict[str, Any], field: str) -> str:
    if edit.get("after") is not None and edit.get("position") is not None:
        raise ValidationFailed(f"{field}: give `after` or `position`, not both.")
    if edit.get("after") is not None:
        _, end = _selection(current, require_str(edit["after"], f"{field}.after"), f"{field}.after")
        line_end = current.find("\n", end)
        cut = len(current) if line_end < 0 else line_end
        return current[:cut] + "\n" + content + current[cut:]
    position = require_object(edit.get("position") or {"type": "end"}, f"{field}.position")
    if position.get("type") == "start":
        return content + "\n" + current
    if position.get("type") != "end":
        raise ValidationFailed(f"{field}.position.type should be `start` or `end`.")
    return current + "\n" + content if current else content


def _selection(current: str, selection: str, field: str) -> tuple[int, int]:
    """Where ``"start...end"`` (or a plain text) lies in ``current``."""
    head, dots, tail = selection.partition("...")
    start = current.find(head) if head else -1
    if start < 0:
        raise ValidationFailed(f"{field}: `{selection}` was not found in the page's Markdown.")
    if not dots:
        return start, start + len(head)
    end = current.find(tail, start + len(head))
    if end < 0:
        raise ValidationFailed(f"{field}: `{selection}` was not found in the page's Markdown.")
    return start, end + len(tail)


def _replace_content(
    ws: Workspace, target: StoredObject, markdown: str, field: str, allow_deleting: bool
) -> None:
    read = read_markdown(markdown, field)
    existing = ws.storage.children(target.id, CHILD_KINDS)
    objects = {obj.id for obj in existing if obj.kind != "block" or _is_unknown(obj)}
    kept = {item.id for item in read if isinstance(item, Kept)}
    strangers = kept - objects
    if strangers:
        raise ValidationFailed(
            f"{field}: {sorted(strangers)[0]} is not a child page, database or block of this page."
        )
    lost = objects - kept
    if lost and not allow_deleting:
        raise ValidationFailed(
            f"{field}: the new content leaves out {len(lost)} child page(s) or database(s)"
            f" ({sorted(lost)[0]}); set allow_deleting_content to delete them."
        )
    groups: list[list[dict[str, Any]] | Kept] = []
    for item in read:
        if isinstance(item, Kept):
            groups.append(item)
        elif groups and isinstance(groups[-1], list):
            groups[-1].append(item)
        else:
            groups.append([item])
    normalized = [
        item if isinstance(item, Kept) else normalize_tree(item, field) for item in groups
    ]
    parent_type = "page" if target.kind == "page" else target.body["type"]
    parent_content = {} if target.kind == "page" else target.body[parent_type]
    for group in normalized:
        if not isinstance(group, Kept):
            check_children_fit(parent_type, parent_content, group, field)
    with ws.storage.transaction():
        for obj in existing:
            if obj.id not in kept:
                ws.storage.put(replace(ws.touch(obj), in_trash=True))
        _store_in_order(ws, target, normalized)
        ws.storage.put(ws.touch(target))


def _store_in_order(
    ws: Workspace, target: StoredObject, groups: list[list[NormalizedBlock] | Kept]
) -> None:
    for group in groups:
        if isinstance(group, Kept):
            obj = ws.storage.get(group.id)
            if obj is not None:
                ws.storage.put(obj, position=ws.storage.next_position(target.id))
        else:
            store_children(ws, target, group, after=None)


def _is_unknown(obj: StoredObject) -> bool:
    return not has_writer(str(obj.body.get("type")))


def create_page_with_content(ws: Workspace, body: dict[str, Any]) -> StoredObject:
    """``POST /v1/pages`` with its content given as ``children`` or as ``markdown`` (not both),
    an optional ``position`` under a parent page, and an optional ``template``: ``none``,
    ``default`` (no data source here has a default template, so none is applied), or a
    ``template_id`` (none exists here: 404)."""
    _check_template(ws, body.get("template"))
    markdown = body.get("markdown")
    if markdown is not None and not isinstance(markdown, str):
        raise ValidationFailed(f"body.markdown should be a string, instead was `{markdown!r}`.")
    if markdown is not None and body.get("children") is not None:
        raise ValidationFailed("body should define `children` or `markdown`, not both.")
    position = optional_object(body.get("position"), "body.position")
    with ws.storage.transaction():
        page = create_page(ws, {key: value for key, value in body.items() if key != "markdown"})
        if markdown is not None:
            _replace_content(ws, page, markdown, "body.markdown", allow_deleting=False)
        if position is not None:
            _place(ws, page, position)
    return ws.storage.get(page.id) or page


def _place(ws: Workspace, page: StoredObject, position: dict[str, Any]) -> None:
    """Put a new page at ``position`` among its parent page's children: ``page_start``,
    ``page_end`` (where it is made) or ``after_block`` (``{"id"}`` of a child of the parent)."""
    if page.body["parent"].get("type") != "page_id" or page.parent_id is None:
        raise ValidationFailed("body.position is only allowed when the parent is a page.")
    kind = position.get("type")
    if kind == "page_end":
        return
    if kind == "page_start":
        siblings = ws.storage.children(page.parent_id, CHILD_KINDS)
        lowest = ws.storage.position_of(siblings[0].id) if siblings else 0
        ws.storage.put(page, position=(lowest or 0) - 1024)
        return
    if kind != "after_block":
        raise ValidationFailed(
            "body.position.type should be `after_block`, `page_start` or `page_end`, instead"
            f" was `{kind!r}`."
        )
    after = require_object(position.get("after_block"), "body.position.after_block")
    anchor_id = parse_id(after.get("id"), "body.position.after_block.id")
    anchor = ws.storage.get(anchor_id)
    anchor_at = ws.storage.position_of(anchor_id)
    if anchor is None or anchor.parent_id != page.parent_id or anchor_at is None:
        raise ValidationFailed(
            f"body.position.after_block.id: block {anchor_id} is not a child of the parent page."
        )
    ws.storage.make_room_after(page.parent_id, anchor_at, 1)
    ws.storage.put(page, position=anchor_at + 1024)


def _check_template(ws: Workspace, raw: object) -> None:
    if raw is None:
        return
    template = require_object(raw, "body.template")
    kind = template.get("type")
    if kind in ("none", "default"):
        return
    if kind != "template_id":
        raise ValidationFailed(
            f"body.template.type should be `none`, `default` or `template_id`, instead was"
            f" `{kind!r}`."
        )
    template_id = parse_id(template.get("template_id"), "body.template.template_id")
    raise ObjectNotFound(f"Could not find template with ID: {template_id}.")
