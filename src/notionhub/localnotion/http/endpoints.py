"""The ``/v1`` endpoints: each turns one request into one call of the workspace modules."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from notionhub.localnotion import databases
from notionhub.localnotion.api.pagination import (
    PageRequest,
    list_body,
    paginate,
    parse_page_request,
)
from notionhub.localnotion.blocks import children as blocks
from notionhub.localnotion.comments import threads as comments
from notionhub.localnotion.markdown import page as page_markdown
from notionhub.localnotion.pages import writes as pages
from notionhub.localnotion.pages.property_items import retrieve_property_item
from notionhub.localnotion.query import engine as query
from notionhub.localnotion.render import (
    render_block,
    render_comment,
    render_data_source,
    render_database,
    render_page,
)
from notionhub.localnotion.workspace import Workspace


@dataclass(frozen=True)
class Call:
    """One request as the endpoints see it."""

    ws: Workspace
    path: Mapping[str, str]
    query: Any  # starlette's QueryParams: .get and .getlist
    body: dict[str, Any]

    def page_request_from_query(self) -> PageRequest:
        return parse_page_request(
            self.query.get("start_cursor"), self.query.get("page_size"), "query"
        )


# -- users ---------------------------------------------------------------------------------


def users_me(call: Call) -> dict[str, Any]:
    bot = call.ws.user(call.ws.bot_id)
    assert bot is not None
    return bot


def users_list(call: Call) -> dict[str, Any]:
    results, cursor = paginate(
        call.ws.users(), call.page_request_from_query(), lambda u: str(u["id"])
    )
    return list_body(results, cursor, "user")


def users_retrieve(call: Call) -> dict[str, Any]:
    return call.ws.find_user(call.path["user_id"])


# -- databases and data sources ------------------------------------------------------------


def databases_create(call: Call) -> dict[str, Any]:
    return render_database(call.ws, databases.create_database(call.ws, call.body))


def databases_retrieve(call: Call) -> dict[str, Any]:
    obj = call.ws.find(call.path["database_id"], ("database",), "path.database_id")
    return render_database(call.ws, obj)


def databases_update(call: Call) -> dict[str, Any]:
    return render_database(
        call.ws, databases.update_database(call.ws, call.path["database_id"], call.body)
    )


def data_sources_create(call: Call) -> dict[str, Any]:
    return render_data_source(call.ws, databases.create_data_source(call.ws, call.body))


def data_sources_retrieve(call: Call) -> dict[str, Any]:
    obj = call.ws.find(call.path["data_source_id"], ("data_source",), "path.data_source_id")
    return render_data_source(call.ws, obj)


def data_sources_update(call: Call) -> dict[str, Any]:
    obj = databases.update_data_source(call.ws, call.path["data_source_id"], call.body)
    return render_data_source(call.ws, obj)


def data_sources_query(call: Call) -> dict[str, Any]:
    results, cursor = query.query_data_source_encoded(
        call.ws, call.path["data_source_id"], call.body, call.query.getlist("filter_properties")
    )
    return list_body(results, cursor, "page_or_data_source")


# -- pages ---------------------------------------------------------------------------------


def pages_create(call: Call) -> dict[str, Any]:
    return render_page(call.ws, page_markdown.create_page_with_content(call.ws, call.body))


def pages_retrieve(call: Call) -> dict[str, Any]:
    return render_page(call.ws, call.ws.find(call.path["page_id"], ("page",), "path.page_id"))


def pages_update(call: Call) -> dict[str, Any]:
    return render_page(call.ws, pages.update_page(call.ws, call.path["page_id"], call.body))


def pages_property(call: Call) -> dict[str, Any]:
    return retrieve_property_item(
        call.ws, call.path["page_id"], call.path["property_id"], call.page_request_from_query()
    )


# -- blocks --------------------------------------------------------------------------------


def blocks_retrieve(call: Call) -> dict[str, Any]:
    return render_block(call.ws, blocks.retrieve_block(call.ws, call.path["block_id"]))


def blocks_update(call: Call) -> dict[str, Any]:
    return render_block(call.ws, blocks.update_block(call.ws, call.path["block_id"], call.body))


def blocks_delete(call: Call) -> dict[str, Any]:
    return render_block(call.ws, blocks.delete_block(call.ws, call.path["block_id"]))


def blocks_children_list(call: Call) -> dict[str, Any]:
    children = blocks.list_children(call.ws, call.path["block_id"])
    page, cursor = paginate(children, call.page_request_from_query(), lambda obj: obj.id)
    return list_body([render_block(call.ws, obj) for obj in page], cursor, "block")


def blocks_children_append(call: Call) -> dict[str, Any]:
    created = blocks.append_children(call.ws, call.path["block_id"], call.body)
    return list_body([render_block(call.ws, obj) for obj in created], None, "block")


# -- search and comments -------------------------------------------------------------------


def search(call: Call) -> dict[str, Any]:
    results, cursor = query.search(call.ws, call.body)
    return list_body(results, cursor, "page_or_data_source")


def comments_create(call: Call) -> dict[str, Any]:
    return render_comment(comments.create_comment(call.ws, call.body))


def comments_list(call: Call) -> dict[str, Any]:
    found = comments.list_comments(call.ws, call.query.get("block_id"))
    page, cursor = paginate(found, call.page_request_from_query(), lambda obj: obj.id)
    return list_body([render_comment(obj) for obj in page], cursor, "comment")


ENDPOINTS: list[tuple[str, str, Callable[[Call], dict[str, Any]]]] = [
    ("GET", "/v1/users/me", users_me),
    ("GET", "/v1/users", users_list),
    ("GET", "/v1/users/{user_id}", users_retrieve),
    ("POST", "/v1/databases", databases_create),
    ("GET", "/v1/databases/{database_id}", databases_retrieve),
    ("PATCH", "/v1/databases/{database_id}", databases_update),
    ("POST", "/v1/data_sources", data_sources_create),
    ("GET", "/v1/data_sources/{data_source_id}", data_sources_retrieve),
    ("PATCH", "/v1/data_sources/{data_source_id}", data_sources_update),
    ("POST", "/v1/data_sources/{data_source_id}/query", data_sources_query),
    ("POST", "/v1/pages", pages_create),
    ("GET", "/v1/pages/{page_id}", pages_retrieve),
    ("PATCH", "/v1/pages/{page_id}", pages_update),
    ("GET", "/v1/pages/{page_id}/properties/{property_id}", pages_property),
    ("GET", "/v1/blocks/{block_id}", blocks_retrieve),
    ("PATCH", "/v1/blocks/{block_id}", blocks_update),
    ("DELETE", "/v1/blocks/{block_id}", blocks_delete),
    ("GET", "/v1/blocks/{block_id}/children", blocks_children_list),
    ("PATCH", "/v1/blocks/{block_id}/children", blocks_children_append),
    ("POST", "/v1/search", search),
    ("POST", "/v1/comments", comments_create),
    ("GET", "/v1/comments", comments_list),
]
