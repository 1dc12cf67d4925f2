"""The events of the writes added after ``writes``: page moves, page Markdown edits, comment
edits and deletions.

Importing this module registers its derivers in ``writes.DERIVERS`` (and the routes that need
the object as it was in ``writes.BEFORE``); ``webhooks/__init__`` imports it.
"""

from __future__ import annotations

from notionhub.localnotion.webhooks.events import WebhookEvent
from notionhub.localnotion.webhooks.parents import page_parent
from notionhub.localnotion.webhooks.writes import (
    BEFORE,
    DERIVERS,
    Write,
    comment_event,
    container_changed,
    content_changed,
)


def _page_moved(w: Write) -> list[WebhookEvent]:
    """``page.moved``, and the content change of the place it left and of the place it joined."""
    before, page = w.before, w.stored(w.result.get("id"))
    if before is None or page is None:
        return []
    if (before.parent_id, before.data_source_id) == (page.parent_id, page.data_source_id):
        return []
    events = [w.event("page.moved", page, {"parent": page_parent(w.ws, page)})]
    return events + container_changed(w, before) + container_changed(w, page)


def _markdown_updated(w: Write) -> list[WebhookEvent]:
    """``page.content_updated``: the page (or block) now holds the blocks of the Markdown."""
    target = w.stored(w.result.get("id"))
    if target is None:
        return []
    children = w.ws.storage.children(target.id, ("block", "page", "database"))
    return content_changed(w, target, [child.id for child in children] or [target.id])


BEFORE["POST /v1/pages/{page_id}/move"] = "page_id"
DERIVERS["POST /v1/pages/{page_id}/move"] = _page_moved
DERIVERS["PATCH /v1/pages/{page_id}/markdown"] = _markdown_updated
DERIVERS["PATCH /v1/comments/{comment_id}"] = comment_event("comment.updated")
DERIVERS["DELETE /v1/comments/{comment_id}"] = comment_event("comment.deleted")
