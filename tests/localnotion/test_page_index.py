"""The index answers as the filter engine does: it only narrows, or it is exact.

Many filters (dates with times and zones, substrings, ranges on one property, compounds) run
over pages with awkward values twice: through the planner (and the exact SQL path), and with
both switched off so the filter engine reads every page. Both must find the same pages, and
with sorts and cursors, in the same order.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notionhub.errors import ValidationFailed
from notionhub.localnotion import databases
from notionhub.localnotion.index import planner as page_index
from notionhub.localnotion.pages import writes as pages
from notionhub.localnotion.query import engine as query
from notionhub.localnotion.query import exact as query_exact
from notionhub.localnotion.storage.store import Storage
from notionhub.localnotion.workspace import Workspace

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
WORDS = ["Harbor", "florist", "ÉCOLE", "straße", "a_b%c", "order", "Ünïcode", "x", ""]
TAGS = ["red", "green", "blue", "Mixed Case"]
DATES = [
    {"start": "2026-03-14"},
    {"start": "2026-03-15"},
    {"start": "2026-03-15T23:30:00"},
    {"start": "2026-03-15T23:30:00", "time_zone": "America/New_York"},
    {"start": "2026-03-16T00:00:00.000+02:00"},
    {"start": "2026-03-01", "end": "2026-03-31"},
    {"start": "2026-02-28T10:00:00Z"},
    {"start": "2025-12-31"},
    None,
]
SCHEMA: dict[str, Any] = {
    "Name": {"title": {}},
    "Notes": {"rich_text": {}},
    "Email": {"email": {}},
    "Amount": {"number": {}},
    "Stage": {"select": {"options": [{"name": "Lead"}, {"name": "Won"}]}},
    "Tags": {"multi_select": {"options": [{"name": t} for t in TAGS]}},
    "Due": {"date": {}},
    "Done": {"checkbox": {}},
}


def _fill(path: Path) -> tuple[Workspace, str]:
    storage = Storage(path / "notion.sqlite3")
    ws = Workspace(storage, clock=lambda: NOW)
    page_index.ensure_index(storage)
    db = databases.create_database(
        ws,
        {
            "parent": {"page_id": ws.root_page_id},
            "title": [{"text": {"content": "Planner"}}],
            "initial_data_source": {"properties": SCHEMA},
        },
    )
    ds_id = db.body["data_source_ids"][0]
    rng = random.Random(5)
    for index in range(300):
        name = " ".join(rng.sample(WORDS, 2)) + f" {index}"
        props: dict[str, Any] = {
            "Name": {"title": [{"text": {"content": name}}]},
            "Notes": {"rich_text": [{"text": {"content": rng.choice(WORDS) * 2}}]},
            "Tags": {"multi_select": [{"name": t} for t in rng.sample(TAGS, rng.randint(0, 2))]},
            "Done": {"checkbox": rng.random() < 0.5},
        }
        if rng.random() < 0.8:
            props["Amount"] = {"number": rng.choice([-1.5, 0, 1, 2.5, 10, 99.99, 100])}
        if rng.random() < 0.7:
            props["Stage"] = {"select": {"name": rng.choice(["Lead", "Won"])}}
        if rng.random() < 0.7:
            props["Email"] = {"email": f"{rng.choice(WORDS)}@example.com"}
        due = rng.choice(DATES)
        if due is not None:
            props["Due"] = {"date": due}
        page = pages.create_page(ws, {"parent": {"data_source_id": ds_id}, "properties": props})
        if index % 37 == 0:
            pages.update_page(ws, page.id, {"properties": {"Amount": {"number": 5}}})
        if index % 41 == 0:
            pages.update_page(ws, page.id, {"in_trash": True})
    return ws, ds_id


@pytest.fixture
def filled(tmp_path: Path) -> Iterator[tuple[Workspace, str]]:
    ws, ds_id = _fill(tmp_path)
    yield ws, ds_id
    ws.storage.close()


@pytest.fixture(scope="module")
def shared_filled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, str]]:
    """The same pages, for tests that only read (hypothesis runs many queries over them)."""
    ws, ds_id = _fill(tmp_path_factory.mktemp("shared"))
    yield ws, ds_id
    ws.storage.close()


def _engine_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Switch the index off: the filter engine reads, filters and sorts every page."""
    monkeypatch.setattr(query, "_exact_answer", lambda *args, **kwargs: None)
    monkeypatch.setattr(query, "candidate_pages", lambda *args, **kwargs: None)
    monkeypatch.setattr(query, "_ordered_by", lambda *args: None)


def _leaves() -> list[dict[str, Any]]:
    leaves: list[dict[str, Any]] = []
    for op in ("contains", "starts_with", "ends_with", "equals", "does_not_contain"):
        for arg in ("harbor", "FLOR", "école", "STRASSE", "straße", "a_b%", "%", "x", "or"):
            leaves.append({"property": "Name", "title": {op: arg}})
            leaves.append({"property": "Notes", "rich_text": {op: arg}})
    leaves.append({"property": "Email", "email": {"contains": "xample"}})
    for op in ("equals", "greater_than", "less_than", "greater_than_or_equal_to"):
        for number in (0, 1, 2.5, 99.99, 100):
            leaves.append({"property": "Amount", "number": {op: number}})
    leaves.append({"property": "Amount", "number": {"is_empty": True}})
    for stage in ("Lead", "Won", "won"):
        leaves.append({"property": "Stage", "select": {"equals": stage}})
    for tag in TAGS:
        leaves.append({"property": "Tags", "multi_select": {"contains": tag}})
    for flag in (True, False):
        leaves.append({"property": "Done", "checkbox": {"equals": flag}})
    for op in ("equals", "before", "after", "on_or_before", "on_or_after"):
        for day in ("2026-03-15", "2026-03-16", "2026-03-15T22:00:00Z", "2026-03-01"):
            leaves.append({"property": "Due", "date": {op: day}})
    for relative in ("past_week", "past_month", "this_week", "next_week"):
        leaves.append({"property": "Due", "date": {relative: {}}})
    # Negations (exact in SQL: no row that matches) and their awkward cases.
    for arg in ("harbor", "x", "école"):
        leaves.append({"property": "Name", "title": {"does_not_contain": arg}})
        leaves.append({"property": "Notes", "rich_text": {"does_not_equal": arg * 2}})
    leaves.append({"property": "Amount", "number": {"does_not_equal": 10}})
    leaves.append({"property": "Stage", "select": {"does_not_equal": "Won"}})
    leaves.append({"property": "Tags", "multi_select": {"does_not_contain": "red"}})
    for flag in (True, False):
        leaves.append({"property": "Done", "checkbox": {"does_not_equal": flag}})
    return leaves


def _filters() -> list[dict[str, Any]]:
    leaves = _leaves()
    rng = random.Random(11)
    filters: list[dict[str, Any]] = list(leaves)
    for _ in range(300):
        kind = rng.choice(["and", "or"])
        filters.append({kind: rng.sample(leaves, rng.randint(2, 4))})
    for _ in range(60):
        inner = {"or": rng.sample(leaves, 2)}
        filters.append({"and": [rng.choice(leaves), inner]})
    return filters


def _all_ids(ws: Workspace, ds_id: str, body: dict[str, Any]) -> list[str]:
    found: list[str] = []
    cursor = None
    while True:
        request = dict(body, start_cursor=cursor) if cursor else body
        results, cursor = query.query_data_source(ws, ds_id, request, [])
        found += [page["id"] for page in results]
        if cursor is None:
            return found


def test_the_planner_never_loses_a_match(
    filled: tuple[Workspace, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, ds_id = filled
    filters = _filters()
    planned = [sorted(_all_ids(ws, ds_id, {"filter": f})) for f in filters]
    _engine_only(monkeypatch)
    for query_filter, found in zip(filters, planned, strict=True):
        assert found == sorted(_all_ids(ws, ds_id, {"filter": query_filter})), query_filter


def test_sorted_results_are_the_same_pages_in_order(
    filled: tuple[Workspace, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, ds_id = filled
    body = {
        "filter": {"property": "Done", "checkbox": {"equals": True}},
        "sorts": [{"property": "Amount", "direction": "descending"}],
        "page_size": 7,
    }
    planned = _all_ids(ws, ds_id, body)
    _engine_only(monkeypatch)
    everything = _all_ids(ws, ds_id, body)
    assert sorted(planned) == sorted(everything)
    amounts = {
        page["id"]: page["properties"]["Amount"]["number"]
        for page in query.query_data_source(ws, ds_id, {"page_size": 100}, [])[0]
    }
    ordered = [amounts.get(page_id) for page_id in planned if page_id in amounts]
    present = [a for a in ordered if a is not None]
    assert present == sorted(present, reverse=True)


def test_rebuilding_the_index_keeps_every_answer(filled: tuple[Workspace, str]) -> None:
    ws, ds_id = filled
    filters = _filters()[:80]
    before = [sorted(_all_ids(ws, ds_id, {"filter": f})) for f in filters]
    ws.storage.set_meta("property_index_version", "0")
    assert page_index.ensure_index(ws.storage)
    assert not page_index.ensure_index(ws.storage)
    assert before == [sorted(_all_ids(ws, ds_id, {"filter": f})) for f in filters]


def _by(*steps: str) -> list[dict[str, Any]]:
    """Sorts from ``"Amount desc"``-like steps."""
    directions = {"asc": "ascending", "desc": "descending"}
    return [
        {"property": name, "direction": directions[way]}
        for name, way in (step.split() for step in steps)
    ]


SORTS = [
    _by("Amount desc"),
    _by("Amount asc", "Name asc"),
    _by("Due desc"),
    _by("Due asc", "Amount desc"),
    _by("Done asc", "Due desc"),
    _by("Done desc"),
]


def _first_page(ws: Workspace, ds_id: str, body: dict[str, Any]) -> tuple[list[str], str | None]:
    results, cursor = query.query_data_source(ws, ds_id, body, [])
    return [page["id"] for page in results], cursor


def test_reading_in_sort_order_answers_the_first_page_alike(
    filled: tuple[Workspace, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first page read in index order equals the one from sorting every match."""
    ws, ds_id = filled
    rng = random.Random(3)
    filters: list[Any] = [None, *rng.sample(_filters(), 60)]
    bodies = [
        {"filter": f, "sorts": sorts, "page_size": size}
        for f in filters
        for sorts in SORTS
        for size in (1, 7, 100)
        if rng.random() < 0.4 or f is None
    ]
    bodies = [{k: v for k, v in body.items() if v is not None} for body in bodies]
    monkeypatch.setattr(query, "_exact_answer", lambda *args, **kwargs: None)
    fast = [_first_page(ws, ds_id, body) for body in bodies]
    monkeypatch.setattr(query, "_ordered_by", lambda *args: None)
    for body, answer in zip(bodies, fast, strict=True):
        assert answer == _first_page(ws, ds_id, body), body


def test_pages_after_a_fast_first_page_follow_on(filled: tuple[Workspace, str]) -> None:
    """Later pages (sorted in full) continue the first one without gaps or repeats."""
    ws, ds_id = filled
    for sorts in SORTS:
        body = {"sorts": sorts, "page_size": 9}
        listed = _all_ids(ws, ds_id, body)
        assert len(listed) == len(set(listed))
        everything = query.query_data_source(ws, ds_id, {"page_size": 100}, [])
        total = len(_all_ids(ws, ds_id, {"page_size": 100}))
        assert len(listed) == total, (sorts, everything[1])


def test_exact_sql_lists_the_same_pages_in_the_same_order(
    filled: tuple[Workspace, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Filtered, sorted and paginated by SQL alone: the engine's pages, order and cursors."""
    ws, ds_id = filled
    used: list[int] = []
    exact_page = query_exact.exact_page

    def counted(*args: Any, **kwargs: Any) -> tuple[list[str], str | None]:
        used.append(1)
        return exact_page(*args, **kwargs)

    monkeypatch.setattr(query, "exact_page", counted)
    rng = random.Random(7)
    sorts = [*SORTS, _by("Done asc", "Amount asc"), [], *TIMESTAMP_SORTS]
    bodies = [
        {"filter": f, "sorts": s, "page_size": rng.choice((7, 30, 100))}
        for f in rng.sample(_filters(), 50)
        for s in rng.sample(sorts, 2)
    ]
    bodies += [{**body, "in_trash": True} for body in bodies[:10]]
    listed = [_all_ids(ws, ds_id, body) for body in bodies]
    assert len(used) > len(bodies) // 2  # most of these are exact in SQL
    _engine_only(monkeypatch)
    for body, ids in zip(bodies, listed, strict=True):
        assert ids == _all_ids(ws, ds_id, body), body


TIMESTAMP_SORTS = [
    [{"timestamp": "last_edited_time", "direction": "descending"}],
    [{"timestamp": "created_time", "direction": "ascending"}, *_by("Amount desc")],
]

_leaf = st.sampled_from(_leaves())
_filter = st.one_of(
    st.none(),
    _leaf,
    st.builds(lambda parts: {"and": parts}, st.lists(_leaf, max_size=3)),
    st.builds(lambda parts: {"or": parts}, st.lists(_leaf, min_size=1, max_size=3)),
    st.builds(
        lambda leaf, parts: {"and": [leaf, {"or": parts}]}, _leaf, st.lists(_leaf, max_size=2)
    ),
)
_step = st.one_of(
    st.builds(
        lambda name, way: {"property": name, "direction": way},
        st.sampled_from(["Amount", "Due", "Done"]),
        st.sampled_from(["ascending", "descending"]),
    ),
    st.builds(
        lambda name, way: {"timestamp": name, "direction": way},
        st.sampled_from(["created_time", "last_edited_time"]),
        st.sampled_from(["ascending", "descending"]),
    ),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    query_filter=_filter,
    sorts=st.lists(_step, max_size=3),
    page_size=st.sampled_from([2, 9, 100]),
    in_trash=st.booleans(),
)
def test_exact_sql_path_matches_the_reference_path(
    shared_filled: tuple[Workspace, str],
    query_filter: dict[str, Any] | None,
    sorts: list[dict[str, Any]],
    page_size: int,
    in_trash: bool,
) -> None:
    """Any exact filter and sorts: same pages, same order, same cursors as the engine's path.

    The pages hold few distinct values (and one creation time), so sorts tie often.
    """
    ws, ds_id = shared_filled
    body: dict[str, Any] = {"sorts": sorts, "page_size": page_size}
    if query_filter is not None:
        body["filter"] = query_filter
    if in_trash:
        body["in_trash"] = True
    fast = _listing(ws, ds_id, body)
    with pytest.MonkeyPatch.context() as patch:
        _engine_only(patch)
        assert fast == _listing(ws, ds_id, body), body


def _listing(ws: Workspace, ds_id: str, body: dict[str, Any]) -> list[tuple[list[str], str | None]]:
    """Every page of a listing, with the cursor each answer gave."""
    answers = []
    cursor = None
    while True:
        request = dict(body, start_cursor=cursor) if cursor else body
        results, cursor = query.query_data_source(ws, ds_id, request, [])
        answers.append(([page["id"] for page in results], cursor))
        if cursor is None:
            return answers


def test_an_invalid_cursor_is_refused_by_the_exact_path(filled: tuple[Workspace, str]) -> None:
    ws, ds_id = filled
    body = {"filter": {"property": "Done", "checkbox": {"equals": True}}, "page_size": 5}
    unchecked = query.query_data_source(
        ws, ds_id, {"filter": {"property": "Done", "checkbox": {"equals": False}}}, []
    )[0][0]["id"]
    with pytest.raises(ValidationFailed, match="start_cursor provided is invalid"):
        query.query_data_source(ws, ds_id, {**body, "start_cursor": unchecked}, [])
