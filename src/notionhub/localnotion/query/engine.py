"""Data source queries and search.

A query whose filter and sorts all have an exact SQL form is answered by SQLite alone
(``query.exact``); any other is narrowed with the index and decided by the filter engine.
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from notionhub.errors import ValidationFailed
from notionhub.localnotion.api.fields import notion_length
from notionhub.localnotion.api.ids import is_id, parse_id
from notionhub.localnotion.api.pagination import PageRequest, paginate, parse_page_request
from notionhub.localnotion.api.request_body import optional_object
from notionhub.localnotion.filters.grammar import PageFilter, compile_filter, find_property
from notionhub.localnotion.filters.sorts import compile_sorts
from notionhub.localnotion.index import queries as index_queries
from notionhub.localnotion.index.planner import (
    BROAD,
    all_pages,
    candidate_pages,
    candidate_selection,
    exact_selection,
)
from notionhub.localnotion.query.exact import exact_page, sort_keys
from notionhub.localnotion.render import render_data_source, render_page, render_properties
from notionhub.localnotion.rich_text.items import MAX_TEXT_LENGTH
from notionhub.localnotion.storage.store import StoredObject, decode_row
from notionhub.localnotion.workspace import Workspace


def query_data_source(
    ws: Workspace, raw_id: str, body: dict[str, Any], filter_properties: list[str]
) -> tuple[list[dict[str, Any]], str | None]:
    """``POST /v1/data_sources/{id}/query``: one page of matching pages and the next cursor."""
    answer = _answer(ws, raw_id, body)
    results = answer.rendered
    if results is None:
        pages = answer.pages
        pages.update(ws.storage.get_many(i for i in answer.ids if i not in pages))
        results = [
            render_page(ws, pages[i], schema=answer.schema, data_source=answer.data_source)
            for i in answer.ids
            if i in pages
        ]
    if filter_properties:
        results = [_only_properties(page, filter_properties) for page in results]
    return results, answer.next_cursor


def query_data_source_encoded(
    ws: Workspace, raw_id: str, body: dict[str, Any], filter_properties: list[str]
) -> tuple[list[dict[str, Any] | orjson.Fragment], str | None]:
    """Like ``query_data_source``, the pages possibly as their encoded JSON (``ws.encoded_pages``).

    For the endpoint, whose answer is encoded by orjson: the JSON is the same either way.
    """
    if filter_properties:
        results, next_cursor = query_data_source(ws, raw_id, body, filter_properties)
        return list(results), next_cursor
    answer = _answer(ws, raw_id, body)
    if answer.rendered is not None:
        return list(answer.rendered), answer.next_cursor
    return _encoded(ws, answer), answer.next_cursor


@dataclass(frozen=True)
class _Answer:
    """The requested page of a query, before its pages are rendered.

    ``ids``: the pages, in order; ``pages``: those of them (and others) already read whole;
    ``rendered``: the page objects themselves, when answering needed them rendered already.
    """

    data_source: StoredObject
    schema: dict[str, dict[str, Any]]
    ids: list[str]
    pages: dict[str, StoredObject]
    rendered: list[dict[str, Any]] | None
    next_cursor: str | None


def _answer(ws: Workspace, raw_id: str, body: dict[str, Any]) -> _Answer:
    """Which pages answer a query, in order.

    The filter and sorts read only the page properties they name, so candidates are read and
    rendered with just those (``_sortable``); the full page object is rendered for the results
    alone. Candidates go to the filter engine in page id order, so pages the sorts leave tied
    keep one order from one request to the next.
    """
    ds = _data_source(ws, raw_id)
    schema: dict[str, dict[str, Any]] = ds.body["properties"]
    request = parse_page_request(body.get("start_cursor"), body.get("page_size"), "body")
    now = ws.clock()
    page_filter = compile_filter(body.get("filter"), schema, now=now)
    sort = compile_sorts(body.get("sorts"), schema)
    in_trash = body.get("in_trash") is True or body.get("archived") is True
    needed = _read_properties(schema, body.get("filter"), body.get("sorts"))
    pages: dict[str, StoredObject] = {}
    exact = _exact_answer(ws, ds.id, schema, body, now, request, in_trash)
    if exact is not None:
        ids, next_cursor = exact
        return _Answer(ds, schema, ids, pages, None, next_cursor)
    if needed is None:  # formulas or rollups involved: they read other properties and pages
        candidates = _candidates(ws, ds.id, schema, body, now, in_trash, keys=None)
        rendered = [render_page(ws, page, schema=schema, data_source=ds) for page in candidates]
        matching = sort([page for page in rendered if page_filter.matches(page)])
        results, next_cursor = paginate(matching, request, lambda page: str(page["id"]))
        ids = [str(page["id"]) for page in results]
        return _Answer(ds, schema, ids, pages, results, next_cursor)
    keys = [schema[name]["id"] for name in needed]
    ordered_by = _ordered_by(schema, body.get("sorts"))
    if ordered_by is not None and request.start_cursor is None and not in_trash:
        sortable = _first_in_order(
            ws, ds.id, schema, body, now, needed, ordered_by, page_filter, request, pages
        )
    else:
        candidates = _candidates(ws, ds.id, schema, body, now, in_trash, keys=keys)
        sortable = [_sortable(ws, page, schema, needed) for page in candidates]
    matching = sort([page for page in sortable if page_filter.matches(page)])
    window, next_cursor = paginate(matching, request, lambda page: str(page["id"]))
    return _Answer(ds, schema, [str(page["id"]) for page in window], pages, None, next_cursor)


def _encoded(ws: Workspace, answer: _Answer) -> list[dict[str, Any] | orjson.Fragment]:
    """The answer's pages, each as JSON kept in ``ws.encoded_pages`` when it can be kept.

    Pages are read again as rows, not decoded: a kept page is reused only for an equal row.
    Formulas and rollups compute part of a page at read time, so their pages are not kept.
    Should one page not be orjson's JSON (see ``app.FastJSONResponse``), every page is
    answered as an object, for the standard encoder.
    """
    rows = ws.storage.get_many_rows(answer.ids)
    ds, schema = answer.data_source, answer.schema
    kept = ws.encoded_pages if not any(p["type"] in _AT_READ for p in schema.values()) else None
    results: list[dict[str, Any] | bytes] = []
    for page_id in answer.ids:
        row = rows.get(page_id)
        if row is None:
            continue
        encoded = kept.get(row, ds) if kept is not None else None
        if encoded is not None:
            results.append(encoded)
            continue
        page = render_page(ws, decode_row(row), schema=schema, data_source=ds)
        if kept is None:
            results.append(page)
            continue
        try:
            encoded = orjson.dumps(page)
        except TypeError:
            results.append(page)
            continue
        kept.keep(row, ds, encoded)
        results.append(encoded)
    if all(isinstance(page, bytes) for page in results):
        return [orjson.Fragment(page) for page in results]
    return [orjson.loads(page) if isinstance(page, bytes) else page for page in results]


_AT_READ = ("formula", "rollup")


def _exact_answer(
    ws: Workspace,
    ds_id: str,
    schema: dict[str, dict[str, Any]],
    body: dict[str, Any],
    now: datetime,
    request: PageRequest,
    in_trash: bool,
) -> tuple[list[str], str | None] | None:
    """The page's ids and next cursor from SQL alone, or ``None`` if that cannot be exact."""
    keys = sort_keys(schema, body.get("sorts"))
    if keys is None:
        return None
    selection = exact_selection(ws.storage, ds_id, schema, body.get("filter"), now=now)
    if selection is None:
        return None
    # A broad first page ordered by an indexed value is cheaper read in that order, stopping
    # early (``_first_in_order``), than ordered in full by SQL.
    broad = selection.everything or (selection.lead_rows or 0) >= BROAD
    first_page = request.start_cursor is None and not in_trash
    if broad and first_page and _ordered_by(schema, body.get("sorts")) is not None:
        return None
    return exact_page(ws.storage, ds_id, selection, keys, request, in_trash=in_trash)


def _data_source(ws: Workspace, raw_id: str) -> StoredObject:
    """``ws.find`` of a data source through ``Storage.get_shared``: a query only reads it."""
    if is_id(raw_id):
        shared = ws.storage.get_shared(parse_id(raw_id, "path.data_source_id"))
        if shared is not None and shared.kind == "data_source":
            return shared
    return ws.find(raw_id, ("data_source",), "path.data_source_id")


def _candidates(
    ws: Workspace,
    ds_id: str,
    schema: dict[str, dict[str, Any]],
    body: dict[str, Any],
    now: datetime,
    in_trash: bool,
    *,
    keys: list[str] | None,
) -> list[StoredObject]:
    """Pages that may match, in page id order; with ``keys``, holding only those values."""
    if in_trash:
        found = ws.storage.pages_of(ds_id, in_trash=True, value_keys=keys)
    else:
        narrowed = candidate_pages(ws.storage, ds_id, schema, body.get("filter"), now=now)
        if narrowed is None:
            found = ws.storage.pages_of(ds_id, value_keys=keys)
        elif keys is None:
            found = [p for p in ws.storage.get_many(narrowed).values() if not p.in_trash]
        else:
            found = [p for p in ws.storage.get_many_values(narrowed, keys).values()]
            found = [p for p in found if not p.in_trash]
    return sorted(found, key=lambda page: page.id)


# Property types whose index value orders pages as their sort key does: float(number) never
# inverts two numbers, a date is indexed by the very start its key compares, a checkbox 0/1.
_INDEX_ORDERED = {"number", "unique_id", "date", "checkbox"}


def _ordered_by(
    schema: dict[str, dict[str, Any]], sorts_json: object
) -> tuple[dict[str, Any], bool] | None:
    """The first sort's property and direction, when the index can read pages in its order."""
    if not isinstance(sorts_json, list) or not sorts_json:
        return None
    first = sorts_json[0]
    reference = first.get("property") if isinstance(first, dict) else None
    prop = find_property(schema, reference) if isinstance(reference, str) else None
    if prop is None or prop.get("type") not in _INDEX_ORDERED:
        return None
    return prop, first.get("direction") == "descending"


def _first_in_order(
    ws: Workspace,
    ds_id: str,
    schema: dict[str, dict[str, Any]],
    body: dict[str, Any],
    now: datetime,
    needed: set[str],
    ordered_by: tuple[dict[str, Any], bool],
    page_filter: PageFilter,
    request: PageRequest,
    pages: dict[str, StoredObject],
) -> list[dict[str, Any]]:
    """Enough matching candidates, read in the first sort's order, to answer the first page.

    The pages read, whole, are left in ``pages`` for rendering the answer.

    Candidates come from the index ordered by the first sort's indexed value (a key that
    never orders two pages against their real sort key). Once ``page_size + 1`` pages match,
    only pages tied with the last of them can still come before it, so reading stops after
    those. Sorting what was read (in page id order, as the other path does) then gives the
    same first page, and the same next cursor, as sorting every match.
    """
    prop, descending = ordered_by
    empty = 0.0 if prop.get("type") == "checkbox" else None  # unchecked boxes have no row
    selection = candidate_selection(ws.storage, ds_id, schema, body.get("filter"), now=now)
    if selection is None:
        selection = all_pages(ds_id)
    wanted = request.page_size + 1
    read: list[dict[str, Any]] = []
    matched = 0
    boundary: object = _NOT_YET
    previous = ""  # a page named twice by the selection comes twice in a row
    batches = index_queries.selected_pages_by_value(
        ws.storage,
        selection.sql,
        selection.args,
        prop["id"],
        descending=descending,
        empty=empty,
        first=wanted,
    )
    with closing(batches):
        for rows in batches:
            # Rows come ordered: once the boundary is known, only a prefix of ties can remain.
            batch = rows if boundary is _NOT_YET else [row for row in rows if row[1] == boundary]
            if not batch:
                break
            found = ws.storage.get_many(page_id for page_id, _ in batch)
            pages.update(found)
            for page_id, value in batch:
                page = found.get(page_id)
                if page is None or page.in_trash or page_id == previous:
                    continue
                previous = page_id
                sortable = _sortable(ws, page, schema, needed)
                read.append(sortable)
                if page_filter.matches(sortable):
                    matched += 1
                    if matched == wanted:
                        boundary = value
            if boundary is not _NOT_YET and rows[-1][1] != boundary:
                break
    read.sort(key=lambda page: str(page["id"]))
    return read


_NOT_YET = object()


def _read_properties(
    schema: dict[str, dict[str, Any]], filter_json: object, sorts_json: object
) -> set[str] | None:
    """The schema names a (valid, compiled) filter and sorts read; ``None`` if that is all.

    Formula and rollup values depend on other properties and pages, so a filter or sort on
    one needs the whole page.
    """
    names: set[str] = set()
    references: list[object] = []
    nodes = [filter_json]
    while nodes:
        node = nodes.pop()
        if not isinstance(node, dict):
            continue
        for key in ("and", "or"):
            if isinstance(node.get(key), list):
                nodes.extend(node[key])
        if "property" in node:
            references.append(node["property"])
    if isinstance(sorts_json, list):
        references += [item.get("property") for item in sorts_json if isinstance(item, dict)]
    for reference in references:
        if not isinstance(reference, str):
            continue
        prop = find_property(schema, reference)
        if prop is None:
            continue
        if prop.get("type") in ("formula", "rollup"):
            return None
        names.update(name for name, candidate in schema.items() if candidate is prop)
    return names


def _sortable(
    ws: Workspace, page: StoredObject, schema: dict[str, dict[str, Any]], names: set[str]
) -> dict[str, Any]:
    """What the filter engine and sorts read of a page: id, timestamps, the named properties."""
    return {
        "id": page.id,
        "created_time": page.created_time,
        "last_edited_time": page.last_edited_time,
        "properties": render_properties(ws, page, schema, only=names),
    }


def _only_properties(page: dict[str, Any], wanted: list[str]) -> dict[str, Any]:
    """``filter_properties``: keep only the named properties (by id or name)."""
    props = {
        name: value
        for name, value in page["properties"].items()
        if name in wanted or value.get("id") in wanted
    }
    return {**page, "properties": props}


_SEARCH_KINDS = {"page": ("page",), "data_source": ("data_source",)}


MAX_SEARCH_QUERY_LENGTH = MAX_TEXT_LENGTH
"""Notion documents no limit of its own for a search ``query``: it is held to the rich text
content limit (2,000 characters), as filter values are, which keeps the ``LIKE`` pattern built
from it far below SQLite's 50,000-byte limit (that limit answered 500 before)."""


def search(ws: Workspace, body: dict[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
    """``POST /v1/search``: pages and data sources whose title contains ``query``."""
    query = body.get("query") or ""
    if not isinstance(query, str):
        raise ValidationFailed(f"body.query should be a string, instead was `{query!r}`.")
    if (length := notion_length(query)) > MAX_SEARCH_QUERY_LENGTH:
        raise ValidationFailed(
            f"body.query.length should be ≤ `{MAX_SEARCH_QUERY_LENGTH}`, instead was `{length}`."
        )
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


def matching_ids(ws: Workspace, raw_id: str, body: dict[str, Any]) -> tuple[list[str], str | None]:
    """The ids of one page of a query's answer, in order, and the next cursor (for views,
    which keep the ids of a whole answer)."""
    answer = _answer(ws, raw_id, body)
    return answer.ids, answer.next_cursor
