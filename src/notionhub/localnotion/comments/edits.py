"""Comments by id: retrieve, update (new ``rich_text`` or ``markdown``) and delete.

A deleted comment is kept in the trash: it leaves its discussion's list and answers 404.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from notionhub.errors import ObjectNotFound
from notionhub.localnotion.comments.bodies import comment_text
from notionhub.localnotion.rich_text.items import plain_text
from notionhub.localnotion.storage.store import StoredObject
from notionhub.localnotion.workspace import Workspace


def retrieve_comment(ws: Workspace, raw_id: object) -> StoredObject:
    """``GET /v1/comments/{id}``; a deleted comment is not found."""
    comment = ws.find(raw_id, ("comment",), "path.comment_id")
    if comment.in_trash:
        raise ObjectNotFound(
            f"Could not find comment with ID: {comment.id}. Make sure the relevant pages and"
            " databases are shared with your integration."
        )
    return comment


def update_comment(ws: Workspace, raw_id: object, body: dict[str, Any]) -> StoredObject:
    """``PATCH /v1/comments/{id}``: exactly one of ``rich_text`` and ``markdown``."""
    comment = retrieve_comment(ws, raw_id)
    rich_text = comment_text(body)
    updated = replace(
        comment,
        last_edited_time=ws.now(),
        body={**comment.body, "rich_text": rich_text},
    )
    ws.storage.put(updated, title=plain_text(rich_text))
    return updated


def delete_comment(ws: Workspace, raw_id: object) -> StoredObject:
    """``DELETE /v1/comments/{id}``: the comment as it was, now gone from its discussion."""
    comment = retrieve_comment(ws, raw_id)
    ws.storage.put(replace(comment, in_trash=True, last_edited_time=ws.now()))
    return comment
