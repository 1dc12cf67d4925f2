"""Comments on pages and blocks: create (new discussion or reply; text as rich text or
Markdown, attachments, display name: ``comments.bodies``) and list."""

from __future__ import annotations

from typing import Any

from notionhub.errors import ValidationFailed
from notionhub.localnotion.api.ids import parse_id
from notionhub.localnotion.api.request_body import require_object
from notionhub.localnotion.comments.bodies import comment_attachments, comment_text, display_name
from notionhub.localnotion.rich_text.items import plain_text
from notionhub.localnotion.storage.store import StoredObject
from notionhub.localnotion.workspace import Workspace


def create_comment(ws: Workspace, body: dict[str, Any]) -> StoredObject:
    """``POST /v1/comments`` with ``parent.page_id`` (or ``block_id``) or ``discussion_id``."""
    rich_text = comment_text(body)
    attachments = comment_attachments(body.get("attachments"))
    bot, actor = ws.user(ws.bot_id) or {}, ws.user(ws.actor_id()) or {}
    shown_as = display_name(body.get("display_name"), bot.get("name", ""), actor.get("name", ""))
    if body.get("discussion_id") is not None:
        discussion_id = parse_id(body["discussion_id"], "body.discussion_id")
        first = next(
            (
                c
                for c in ws.storage.search(("comment",), "", ascending=True)
                if c.body["discussion_id"] == discussion_id
            ),
            None,
        )
        if first is None:
            raise ValidationFailed(f"body.discussion_id: no discussion {discussion_id}.")
        parent, target_id = first.body["parent"], first.parent_id
    else:
        raw_parent = require_object(body.get("parent"), "body.parent")
        key = "page_id" if "page_id" in raw_parent else "block_id"
        # The first kind names the object in a 404's message.
        kinds = ("page", "block") if key == "page_id" else ("block", "page")
        target = ws.find_live(raw_parent.get(key), kinds, f"body.parent.{key}")
        kind = "page_id" if target.kind == "page" else "block_id"
        parent, target_id = {"type": kind, kind: target.id}, target.id
        discussion_id = ws.ids.new_id()
    now = ws.now()
    comment = StoredObject(
        ws.ids.new_id(),
        "comment",
        target_id,
        None,
        False,
        now,
        now,
        {
            "parent": parent,
            "discussion_id": discussion_id,
            "rich_text": rich_text,
            "created_by": ws.actor_ref(),
            "attachments": attachments,
            "display_name": shown_as,
        },
    )
    ws.storage.put(comment, title=plain_text(rich_text))
    return comment


def list_comments(ws: Workspace, raw_block_id: object) -> list[StoredObject]:
    """``GET /v1/comments?block_id=``: the comments on a page or block, oldest first."""
    if raw_block_id is None:
        raise ValidationFailed("query.block_id should be defined, instead was `undefined`.")
    target = ws.find(raw_block_id, ("block", "page"), "query.block_id")
    return ws.storage.children(target.id, ("comment",))
