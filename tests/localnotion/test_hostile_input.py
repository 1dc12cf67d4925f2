"""Hostile input gets Notion's 400 ``validation_error``, never a 500, and costs no memory.

Over-long text operands (search ``query``, filter values) are held to Notion's rich text limit
(2,000 characters), far below SQLite's ``LIKE`` pattern limit that answered 500 before; an
over-large body is refused by its ``Content-Length`` before any byte is read, and otherwise
read no further than the 500 KB limit (docs/local-notion-limits.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from notionhub.localnotion.api.request_body import MAX_BODY_BYTES
from notionhub.localnotion.app import API_VERSION, DEFAULT_TOKEN, LocalNotionConfig, create_app
from tests.conftest import RunningServer

HEADERS = {"Authorization": f"Bearer {DEFAULT_TOKEN}", "Notion-Version": API_VERSION}
LIMIT = 2000
# The text that makes the longest escaped, lower-cased LIKE pattern per character, and text
# counted as two characters by Notion (UTF-16 surrogate pairs).
AWKWARD = ["%", "_", "\\", "İ", "😀"]


def _at_the_limit(char: str) -> str:
    """``char`` repeated to exactly ``LIMIT`` UTF-16 units (Notion's way of counting)."""
    return char * (LIMIT // (len(char.encode("utf-16-le")) // 2))


def _post(server: RunningServer, path: str, body: object) -> httpx.Response:
    return httpx.post(f"{server.base_url}{path}", headers=HEADERS, json=body, timeout=30)


def _assert_length_refused(answer: httpx.Response, field: str, length: int) -> None:
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["object"] == "error"
    assert body["code"] == "validation_error"
    assert body["message"] == f"{field}.length should be ≤ `{LIMIT}`, instead was `{length}`."


# -- search ----------------------------------------------------------------------------------


def test_a_search_query_of_50001_characters_is_400_not_500(notion_server: RunningServer) -> None:
    answer = _post(notion_server, "/v1/search", {"query": "a" * 50_001})
    _assert_length_refused(answer, "body.query", 50_001)


@pytest.mark.parametrize("char", AWKWARD)
def test_a_search_query_at_the_limit_is_answered(notion_server: RunningServer, char: str) -> None:
    answer = _post(notion_server, "/v1/search", {"query": _at_the_limit(char)})
    assert answer.status_code == 200, answer.text
    assert answer.json()["results"] == []


def test_a_search_query_one_past_the_limit_counts_utf16_units(
    notion_server: RunningServer,
) -> None:
    answer = _post(notion_server, "/v1/search", {"query": "😀" * 1000 + "a"})
    _assert_length_refused(answer, "body.query", 2001)


# -- data source query filters ---------------------------------------------------------------

TEXT_PROPERTIES = {"Name": "title", "Notes": "rich_text", "Email": "email", "Site": "url"}
TEXT_PROPERTIES["Phone"] = "phone_number"
TEXT_OPERATORS = [
    "equals",
    "does_not_equal",
    "contains",
    "does_not_contain",
    "starts_with",
    "ends_with",
]


@pytest.fixture
def filled_crm(notion_server: RunningServer, crm: dict[str, str]) -> dict[str, str]:
    """The CRM with one page whose text values are long, so the index holds real rows."""
    long_text = [{"text": {"content": "x" * LIMIT}}]
    page = {
        "parent": {"type": "data_source_id", "data_source_id": crm["data_source_id"]},
        "properties": {"Name": {"title": long_text}, "Notes": {"rich_text": long_text}},
    }
    assert _post(notion_server, "/v1/pages", page).status_code == 200
    return crm


def _query(server: RunningServer, crm: dict[str, str], node: dict[str, Any]) -> httpx.Response:
    return _post(server, f"/v1/data_sources/{crm['data_source_id']}/query", {"filter": node})


@pytest.mark.parametrize("operator", TEXT_OPERATORS)
@pytest.mark.parametrize("name", TEXT_PROPERTIES)
def test_a_text_filter_value_over_the_limit_is_400_not_500(
    notion_server: RunningServer, filled_crm: dict[str, str], name: str, operator: str
) -> None:
    kind = TEXT_PROPERTIES[name]
    node = {"property": name, kind: {operator: "a" * 50_001}}
    answer = _query(notion_server, filled_crm, node)
    _assert_length_refused(answer, f"body.filter.{kind}.{operator}", 50_001)


@pytest.mark.parametrize("char", AWKWARD)
@pytest.mark.parametrize("operator", TEXT_OPERATORS)
def test_a_text_filter_value_at_the_limit_is_answered(
    notion_server: RunningServer, filled_crm: dict[str, str], operator: str, char: str
) -> None:
    text = _at_the_limit(char)
    for name in ("Name", "Notes"):
        node = {"property": name, TEXT_PROPERTIES[name]: {operator: text}}
        answer = _query(notion_server, filled_crm, node)
        assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(
    "node",
    [
        {"property": "Stage", "select": {"equals": "a" * 50_001}},
        {"property": "Tags", "multi_select": {"contains": "a" * 50_001}},
        {"or": [{"property": "Name", "title": {"contains": "a" * 50_001}}]},
    ],
    ids=["select", "multi_select", "in a compound"],
)
def test_other_string_filter_values_over_the_limit_are_400(
    notion_server: RunningServer, filled_crm: dict[str, str], node: dict[str, Any]
) -> None:
    answer = _query(notion_server, filled_crm, node)
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == "validation_error"
    assert "should be ≤ `2000`, instead was `50001`" in answer.json()["message"]


# -- request bodies --------------------------------------------------------------------------


class _EndlessBody:
    """An ASGI ``receive`` of a body that never ends: 64 KB chunks, counted as they are read."""

    CHUNK = 64 * 1024

    def __init__(self) -> None:
        self.chunks_read = 0

    async def __call__(self) -> dict[str, Any]:
        self.chunks_read += 1
        return {"type": "http.request", "body": b" " * self.CHUNK, "more_body": True}


def _call_app(tmp_path: Path, headers: dict[str, str], receive: _EndlessBody) -> dict[str, Any]:
    """Call the app directly (no server between) with ``receive`` as the body; its answer."""
    app = create_app(LocalNotionConfig(data_dir=tmp_path))
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    raw_headers = [(k.lower().encode(), v.encode()) for k, v in {**HEADERS, **headers}.items()]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/search",
        "raw_path": b"/v1/search",
        "query_string": b"",
        "root_path": "",
        "headers": raw_headers,
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    headers = dict(start["headers"])
    return {"status": start["status"], "headers": headers, "body": orjson.loads(body)}


def test_a_declared_length_over_the_limit_is_refused_before_reading_a_byte(
    tmp_path: Path,
) -> None:
    receive = _EndlessBody()
    answer = _call_app(tmp_path, {"Content-Length": str(200 * 1024 * 1024)}, receive)
    assert receive.chunks_read == 0
    assert answer["status"] == 400
    assert answer["headers"][b"connection"] == b"close"
    assert answer["body"]["code"] == "validation_error"
    assert answer["body"]["message"] == (
        f"Request body too large: {200 * 1024 * 1024} bytes,"
        f" the limit is {MAX_BODY_BYTES} bytes (500 KB)."
    )


def test_a_body_without_a_length_is_read_no_further_than_the_limit(tmp_path: Path) -> None:
    receive = _EndlessBody()
    answer = _call_app(tmp_path, {"Transfer-Encoding": "chunked"}, receive)
    assert receive.chunks_read == MAX_BODY_BYTES // _EndlessBody.CHUNK + 1
    assert answer["status"] == 400
    assert answer["body"]["code"] == "validation_error"
    assert answer["body"]["message"].startswith(f"Request body too large: over {MAX_BODY_BYTES}")


def test_a_length_that_lies_is_read_no_further_than_the_limit(tmp_path: Path) -> None:
    receive = _EndlessBody()
    answer = _call_app(tmp_path, {"Content-Length": "10"}, receive)
    assert receive.chunks_read == MAX_BODY_BYTES // _EndlessBody.CHUNK + 1
    assert answer["status"] == 400


def test_a_200_mb_upload_is_refused_and_the_sender_stopped(notion_server: RunningServer) -> None:
    """Over HTTP, streamed without a length: the answer closes the connection, so the client
    stops sending long before the end (it sends what the socket buffers take meanwhile)."""
    total = 200 * 1024 * 1024
    sent = 0

    def body() -> Iterator[bytes]:
        nonlocal sent
        while sent < total:
            sent += 64 * 1024
            yield b" " * (64 * 1024)

    answer = httpx.post(
        f"{notion_server.base_url}/v1/search", headers=HEADERS, content=body(), timeout=60
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "validation_error"
    assert sent < total // 4
    assert _post(notion_server, "/v1/search", {}).status_code == 200  # the server still serves


def test_a_body_at_the_limit_is_read(notion_server: RunningServer) -> None:
    padding = " " * (MAX_BODY_BYTES - len(b'{"query":""}'))
    raw = b'{"query":""}' + padding.encode()
    assert len(raw) == MAX_BODY_BYTES
    answer = httpx.post(
        f"{notion_server.base_url}/v1/search", headers=HEADERS, content=raw, timeout=30
    )
    assert answer.status_code == 200, answer.text


# -- compound filters ------------------------------------------------------------------------


def test_a_compound_filter_of_101_items_is_400_not_500(
    notion_server: RunningServer, filled_crm: dict[str, str]
) -> None:
    node = {"or": [{"property": "Name", "title": {"contains": f"q{i}"}} for i in range(101)]}
    answer = _query(notion_server, filled_crm, node)
    assert answer.status_code == 400, answer.text
    assert answer.json()["message"] == "body.filter.or.length should be ≤ `100`, instead was `101`."


def _leaf(kind: str, i: int) -> dict[str, Any]:
    return {
        "title": {"property": "Name", "title": {"contains": f"q{i}"}},
        "number": {"property": "Price", "number": {"greater_than": i}},
        "date": {"property": "Due", "date": {"on_or_after": "2024-01-01T10:00:00Z"}},
        "select": {"property": "Stage", "select": {"equals": f"s{i}"}},
        "negated": {"property": "Tags", "multi_select": {"does_not_contain": f"t{i}"}},
    }[kind]


@pytest.mark.parametrize("kind", ["title", "number", "date", "select", "negated"])
@pytest.mark.parametrize(
    "shape", [("or", 100, None, 1), ("and", 100, None, 1), ("and", 100, "or", 40)]
)
@pytest.mark.parametrize("sorted_by", [None, "Price"])
def test_the_largest_compound_filters_are_answered(
    notion_server: RunningServer,
    filled_crm: dict[str, str],
    kind: str,
    shape: tuple[str, int, str | None, int],
    sorted_by: str | None,
) -> None:
    """Before: SQLite refused the SQL of large filters (over 500 terms of a UNION, nested
    parentheses past its parser stack, expression depth): 500. Now the index plans at most
    ``MAX_PLANNED_CONDITIONS`` and the filter engine reads the rest."""
    outer, outer_count, inner, inner_count = shape
    items = [
        {inner: [_leaf(kind, i * 100 + j) for j in range(inner_count)]} if inner else _leaf(kind, i)
        for i in range(outer_count)
    ]
    sorts = [{"property": sorted_by, "direction": "descending"}] if sorted_by else []
    answer = _post(
        notion_server,
        f"/v1/data_sources/{filled_crm['data_source_id']}/query",
        {"filter": {outer: items}, "sorts": sorts},
    )
    assert answer.status_code == 200, answer.text
