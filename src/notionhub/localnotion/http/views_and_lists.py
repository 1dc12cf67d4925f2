"""The ``/v1`` endpoints of views and view queries, and the lists this server always answers
empty: data source templates, custom emojis, meeting notes; and async tasks (none exist).

Notion makes templates, custom emojis and meeting notes in its app only; an API client can
list them but not create them, so a server that starts empty has none of them to list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from notionhub.errors import ObjectNotFound, ValidationFailed
from notionhub.localnotion.api.ids import parse_id
from notionhub.localnotion.api.pagination import PageRequest
from notionhub.localnotion.api.request_body import optional_object
from notionhub.localnotion.http.endpoints import Call
from notionhub.localnotion.query import views


def views_create(call: Call) -> dict[str, Any]:
    return views.render_view(call.ws, views.create_view(call.ws, call.body))


def views_retrieve(call: Call) -> dict[str, Any]:
    return views.render_view(call.ws, views.find_view(call.ws, call.path["view_id"]))


def views_update(call: Call) -> dict[str, Any]:
    return views.render_view(call.ws, views.update_view(call.ws, call.path["view_id"], call.body))


def views_delete(call: Call) -> dict[str, Any]:
    return views.render_view(call.ws, views.delete_view(call.ws, call.path["view_id"]))


def views_list(call: Call) -> dict[str, Any]:
    return views.list_views(
        call.ws,
        call.query.get("database_id"),
        call.query.get("data_source_id"),
        call.page_request_from_query(),
    )


def view_queries_create(call: Call) -> dict[str, Any]:
    return views.create_view_query(call.ws, call.path["view_id"], call.body)


def view_queries_results(call: Call) -> dict[str, Any]:
    return views.view_query_results(
        call.ws, call.path["view_id"], call.path["query_id"], call.page_request_from_query()
    )


def view_queries_delete(call: Call) -> dict[str, Any]:
    return views.delete_view_query(call.ws, call.path["view_id"], call.path["query_id"])


def _empty(kind: str, request: PageRequest) -> dict[str, Any]:
    if request.start_cursor is not None:
        raise ValidationFailed(f"start_cursor provided is invalid: {request.start_cursor}")
    return {"object": "list", "results": [], "next_cursor": None, "has_more": False, "type": kind}


def data_sources_templates(call: Call) -> dict[str, Any]:
    call.ws.find(call.path["data_source_id"], ("data_source",), "path.data_source_id")
    request = call.page_request_from_query()
    if request.start_cursor is not None:
        raise ValidationFailed(f"start_cursor provided is invalid: {request.start_cursor}")
    return {"templates": [], "has_more": False, "next_cursor": None}


def custom_emojis_list(call: Call) -> dict[str, Any]:
    return _empty("custom_emoji", call.page_request_from_query())


def meeting_notes_query(call: Call) -> dict[str, Any]:
    """``filter`` and ``sort`` objects and a ``limit`` (1 to 100) are checked; none match."""
    for key in ("filter", "sort"):
        optional_object(call.body.get(key), f"body.{key}")
    limit = call.body.get("limit")
    if limit is not None and (
        isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 100
    ):
        raise ValidationFailed(
            f"body.limit should be an integer from 1 to 100, instead was `{limit!r}`."
        )
    return _empty("block", PageRequest(start_cursor=None, page_size=100))


def async_tasks_retrieve(call: Call) -> dict[str, Any]:
    task_id = parse_id(call.path["task_id"], "path.task_id")
    raise ObjectNotFound(f"Could not find async task with ID: {task_id}.")


VIEW_AND_LIST_ENDPOINTS: list[tuple[str, str, Callable[[Call], dict[str, Any]]]] = [
    ("POST", "/v1/views", views_create),
    ("GET", "/v1/views", views_list),
    ("GET", "/v1/views/{view_id}", views_retrieve),
    ("PATCH", "/v1/views/{view_id}", views_update),
    ("DELETE", "/v1/views/{view_id}", views_delete),
    ("POST", "/v1/views/{view_id}/queries", view_queries_create),
    ("GET", "/v1/views/{view_id}/queries/{query_id}", view_queries_results),
    ("DELETE", "/v1/views/{view_id}/queries/{query_id}", view_queries_delete),
    ("GET", "/v1/data_sources/{data_source_id}/templates", data_sources_templates),
    ("GET", "/v1/custom_emojis", custom_emojis_list),
    ("POST", "/v1/blocks/meeting_notes/query", meeting_notes_query),
    ("GET", "/v1/async_tasks/{task_id}", async_tasks_retrieve),
]
