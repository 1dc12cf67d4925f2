"""``GET /v1/pages/{id}/properties/{property_id}``: one property of a page, paginated for lists."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from notionhub.errors import ObjectNotFound
from notionhub.localnotion.api.pagination import PageRequest, paginate
from notionhub.localnotion.render import render_page
from notionhub.localnotion.workspace import Workspace

# Property types whose value is a list Notion pages through, one item per result.
_PAGINATED = {"title", "rich_text", "relation", "people"}


def retrieve_property_item(
    ws: Workspace, raw_page_id: str, raw_property_id: str, request: PageRequest
) -> dict[str, Any]:
    page = ws.find(raw_page_id, ("page",), "path.page_id")
    rendered = render_page(ws, page)
    wanted = unquote(raw_property_id)
    found = next(
        (
            value
            for name, value in rendered["properties"].items()
            if value["id"] in (wanted, raw_property_id) or name == wanted
        ),
        None,
    )
    if found is None:
        raise ObjectNotFound(f"Could not find property with ID: {wanted} on page {page.id}.")
    kind = found["type"]
    if kind not in _PAGINATED:
        return {"object": "property_item", "id": found["id"], "type": kind, kind: found[kind]}
    items = [
        {"object": "property_item", "id": found["id"], "type": kind, kind: item, "_key": str(index)}
        for index, item in enumerate(found[kind])
    ]
    results, next_cursor = paginate(items, request, lambda item: str(item["_key"]))
    for item in results:
        del item["_key"]
    return {
        "object": "list",
        "results": results,
        "next_cursor": next_cursor,
        "has_more": next_cursor is not None,
        "type": "property_item",
        "property_item": {"id": found["id"], "next_url": None, "type": kind, kind: {}},
    }
