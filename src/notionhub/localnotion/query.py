"""Data source queries and search: narrow with the index, decide with the filter engine."""

from __future__ import annotations

from typing import Any

from notionhub.errors import ValidationFailed
from notionhub.localnotion.page_index import candidate_pages
from notionhub.localnotion.pagination import PageRequest, paginate, parse_page_request
from notionhub.localnotion.query_filter import compile_filter
from notionhub.localnotion.query_sort import compile_sorts
from notionhub.localnotion.render import render_data_source, render_page
from notionhub.localnotion.request_body import optional_object
from notionhub.localnotion.workspace import Workspace


def query_data_source(
    ws: Workspace, raw_id: str, body: dict[str, Any], filter_properties: list[str]
) -> tuple[list[dict[str, Any]], str | None]:
    """``POST /v1/data_sources/{id}/query``: one page of matching pages and the next cursor."""
    ds = ws.find(raw_id, ("data_source",), "path.data_source_id")
    schema: dict[str, dict[str, Any]] = ds.body["properties"]
    request = parse_page_request(body.get("start_cursor"), body.get("page_size"), "body")
    page_filter = compile_filter(body.get("filter"), schema, now=ws.clock())
    sort = compile_sorts(body.get("sorts"), schema)
    in_trash = body.get("in_trash") is True or body.get("archived") is True
    if in_trash:
        candidates = ws.storage.pages_of(ds.id, in_trash=True)
    else:
        narrowed = candidate_pages(ws.storage, ds.id, schema, body.get("filter"))
        if narrowed is None:
            candidates = ws.storage.pages_of(ds.id)
        else:
            candidates = [p for p in ws.storage.get_many(narrowed).values() if not p.in_trash]
    rendered = [render_page(ws, page, schema=schema) for page in candidates]
    matching = sort([page for page in rendered if page_filter.matches(page)])
    results, next_cursor = paginate(matching, request, lambda page: str(page["id"]))
    if filter_properties:
        results = [_only_properties(page, filter_properties) for page in results]
    return results, next_cursor


def _only_properties(page: dict[str, Any], wanted: list[str]) -> dict[str, Any]:
    """``filter_properties``: keep only the named properties (by id or name)."""
    props = {
        name: value
        for name, value in page["properties"].items()
        if name in wanted or value.get("id") in wanted
    }
    return {**page, "properties": props}


_SEARCH_KINDS = {"page": ("page",), "data_source": ("data_source",)}


def search(ws: Workspace, body: dict[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
    """``POST /v1/search``: pages and data sources whose title contains ``query``."""
    query = body.get("query") or ""
    if not isinstance(query, str):
        raise ValidationFailed(f"body.query should be a string, instead was `{query!r}`.")
    request: PageRequest = parse_page_request(
        body.get("start_cursor"), body.get("page_size"), "body"
    )
    kinds: tuple[str, ...] = ("page", "data_source")
    search_filter = optional_object(body.get("filter"), "body.filter")
    if search_filter is not None:
        value = search_filter.get("value")
        if search_filter.get("property") != "object" or value not in _SEARCH_KINDS:
            raise ValidationFailed(
                'body.filter.value should be `"page"` or `"data_source"`, and body.filter.property'
                f' `"object"`, instead was `{search_filter!r}`.'
            )
        kinds = _SEARCH_KINDS[value]
    ascending = False
    sort = optional_object(body.get("sort"), "body.sort")
    if sort is not None:
        if sort.get("timestamp") != "last_edited_time" or sort.get("direction") not in (
            "ascending",
            "descending",
        ):
            raise ValidationFailed(
                'body.sort should be `{"timestamp": "last_edited_time", "direction":'
                ' "ascending" | "descending"}`.'
            )
        ascending = sort["direction"] == "ascending"
    found = ws.storage.search(kinds, query, ascending)
    page, next_cursor = paginate(found, request, lambda obj: obj.id)
    results = [
        render_data_source(ws, obj) if obj.kind == "data_source" else render_page(ws, obj)
        for obj in page
    ]
    return results, next_cursor
