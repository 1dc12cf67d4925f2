"""The ``/v1`` endpoints added to ``endpoints``: page moves, page Markdown, comments by id."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from notionhub.localnotion.comments import edits as comment_edits
from notionhub.localnotion.http.endpoints import Call
from notionhub.localnotion.markdown import page as page_markdown
from notionhub.localnotion.pages.move import move_page
from notionhub.localnotion.render import render_comment, render_page


def pages_move(call: Call) -> dict[str, Any]:
    return render_page(call.ws, move_page(call.ws, call.path["page_id"], call.body))


def pages_markdown_retrieve(call: Call) -> dict[str, Any]:
    return page_markdown.retrieve_markdown(
        call.ws, call.path["page_id"], call.query.get("include_transcript")
    )


def pages_markdown_update(call: Call) -> dict[str, Any]:
    return page_markdown.update_markdown(call.ws, call.path["page_id"], call.body)


def comments_retrieve(call: Call) -> dict[str, Any]:
    return render_comment(comment_edits.retrieve_comment(call.ws, call.path["comment_id"]))


def comments_update(call: Call) -> dict[str, Any]:
    comment = comment_edits.update_comment(call.ws, call.path["comment_id"], call.body)
    return render_comment(comment)


def comments_delete(call: Call) -> dict[str, Any]:
    return render_comment(comment_edits.delete_comment(call.ws, call.path["comment_id"]))


PAGE_AND_COMMENT_ENDPOINTS: list[tuple[str, str, Callable[[Call], dict[str, Any]]]] = [
    ("POST", "/v1/pages/{page_id}/move", pages_move),
    ("GET", "/v1/pages/{page_id}/markdown", pages_markdown_retrieve),
    ("PATCH", "/v1/pages/{page_id}/markdown", pages_markdown_update),
    ("GET", "/v1/comments/{comment_id}", comments_retrieve),
    ("PATCH", "/v1/comments/{comment_id}", comments_update),
    ("DELETE", "/v1/comments/{comment_id}", comments_delete),
]
