"""The aggregation rules and the retry schedule, with time passed in: no waiting."""

from __future__ import annotations

from typing import Any

from notionhub.localnotion.http.endpoints import ENDPOINTS
from notionhub.localnotion.http.file_uploads import FILE_UPLOAD_ENDPOINTS
from notionhub.localnotion.http.pages_and_comments import PAGE_AND_COMMENT_ENDPOINTS
from notionhub.localnotion.http.views_and_lists import VIEW_AND_LIST_ENDPOINTS
from notionhub.localnotion.webhooks.aggregation import Aggregator
from notionhub.localnotion.webhooks.events import Author, WebhookEvent
from notionhub.localnotion.webhooks.retries import RetrySchedule
from notionhub.localnotion.webhooks.writes import DERIVERS

BOT = Author("b0000000-0000-0000-0000-000000000000", "bot")
PERSON = Author("a0000000-0000-0000-0000-000000000000", "person")


def event(
    kind: str,
    entity: str = "page-1",
    at: str = "2026-01-01T00:00:00.000Z",
    author: Author = BOT,
    **data: Any,
) -> WebhookEvent:
    return WebhookEvent(f"{kind}@{at}", at, kind, entity, "page", [author], dict(data))


def kinds(events: list[WebhookEvent]) -> list[tuple[str, str]]:
    return [(e.type, e.entity_id) for e in events]


def test_edits_of_one_page_within_the_window_are_one_event() -> None:
    aggregator = Aggregator(window=10)
    aggregator.add(event("page.properties_updated", updated_properties=["title"]), now=0)
    aggregator.add(
        event(
            "page.properties_updated",
            at="2026-01-01T00:00:05.000Z",
            author=PERSON,
            updated_properties=["Zwlq", "title"],
        ),
        now=5,
    )
    assert aggregator.release(now=9.9) == []
    [merged] = aggregator.release(now=10)
    assert merged.id == "page.properties_updated@2026-01-01T00:00:00.000Z"  # the first one's
    assert merged.timestamp == "2026-01-01T00:00:05.000Z"  # the latest
    assert merged.data["updated_properties"] == ["title", "Zwlq"]
    assert merged.authors == [BOT, PERSON]
    assert len(aggregator) == 0


def test_the_window_counts_from_the_first_event() -> None:
    aggregator = Aggregator(window=10)
    aggregator.add(event("page.content_updated", updated_blocks=[{"id": "x"}]), now=0)
    aggregator.add(event("page.content_updated", updated_blocks=[{"id": "y"}]), now=9)
    [merged] = aggregator.release(now=10)
    assert merged.data["updated_blocks"] == [{"id": "x"}, {"id": "y"}]
    aggregator.add(event("page.content_updated", updated_blocks=[{"id": "z"}]), now=11)
    [later] = aggregator.release(now=21)
    assert later.data["updated_blocks"] == [{"id": "z"}]


def test_a_new_page_absorbs_its_edits_within_the_window() -> None:
    aggregator = Aggregator(window=10)
    aggregator.add(event("page.created"), now=0)
    aggregator.add(event("page.properties_updated", author=PERSON, updated_properties=["a"]), 1)
    aggregator.add(event("page.content_updated", updated_blocks=[{"id": "b"}]), now=2)
    [created] = aggregator.release(now=10)
    assert created.type == "page.created"
    assert created.authors == [BOT, PERSON]
    assert created.data == {}


def test_deleted_then_undeleted_are_both_kept_in_order() -> None:
    aggregator = Aggregator(window=10)
    aggregator.add(event("page.deleted"), now=0)
    aggregator.add(event("page.undeleted"), now=1)
    aggregator.add(event("page.deleted"), now=2)  # newer than the undeletion: merges into neither
    assert kinds(aggregator.release(now=100)) == [
        ("page.deleted", "page-1"),
        ("page.undeleted", "page-1"),
        ("page.deleted", "page-1"),
    ]


def test_an_event_not_aggregated_goes_at_once_after_its_entity_s_earlier_ones() -> None:
    aggregator = Aggregator(window=10)
    aggregator.add(event("page.properties_updated", updated_properties=["a"]), now=0)
    aggregator.add(event("page.content_updated", entity="page-2"), now=0)
    aggregator.add(event("page.locked"), now=1)
    assert kinds(aggregator.release(now=1)) == [
        ("page.properties_updated", "page-1"),
        ("page.locked", "page-1"),
    ]
    assert kinds(aggregator.release(now=10)) == [("page.content_updated", "page-2")]


def test_schema_changes_keep_the_latest_action_per_property() -> None:
    aggregator = Aggregator(window=10)
    for action, prop in (("created", "new"), ("updated", "old"), ("deleted", "old")):
        change = {"id": prop, "name": prop, "action": action}
        aggregator.add(event("data_source.schema_updated", updated_properties=[change]), now=0)
    made_and_gone = {"id": "temp", "name": "temp", "action": "created"}
    aggregator.add(event("data_source.schema_updated", updated_properties=[made_and_gone]), 1)
    made_and_gone = {"id": "temp", "name": "temp", "action": "deleted"}
    aggregator.add(event("data_source.schema_updated", updated_properties=[made_and_gone]), 2)
    [merged] = aggregator.release(now=10)
    assert merged.data["updated_properties"] == [
        {"id": "new", "name": "new", "action": "created"},
        {"id": "old", "name": "old", "action": "deleted"},
    ]


def test_without_a_window_every_event_goes_at_once() -> None:
    aggregator = Aggregator(window=0)
    aggregator.add(event("page.properties_updated", updated_properties=["a"]), now=0)
    aggregator.add(event("page.properties_updated", updated_properties=["b"]), now=0)
    released = aggregator.release(now=0)
    assert [e.data["updated_properties"] for e in released] == [["a"], ["b"]]


def test_retries_back_off_exponentially_with_jitter_up_to_a_cap() -> None:
    schedule = RetrySchedule(base=1.0, cap=600.0)
    delays = [schedule.delay(attempt, "event-1") for attempt in range(1, 8)]
    for attempt, delay in enumerate(delays, start=1):
        raw = min(600.0, 2.0 ** (attempt - 1))
        assert raw * 0.5 <= delay < raw
    assert schedule.delay(20, "event-1") < 600.0
    assert delays == [schedule.delay(attempt, "event-1") for attempt in range(1, 8)]
    assert delays != [schedule.delay(attempt, "event-2") for attempt in range(1, 8)]
    assert not schedule.gives_up_after(7)
    assert schedule.gives_up_after(8)


# Writes Notion sends no event for: file uploads and views are not among its event types.
WITHOUT_EVENTS = {
    "POST /v1/file_uploads",
    "POST /v1/file_uploads/{file_upload_id}/send",
    "POST /v1/file_uploads/{file_upload_id}/complete",
    "POST /v1/views",
    "PATCH /v1/views/{view_id}",
    "DELETE /v1/views/{view_id}",
    "POST /v1/views/{view_id}/queries",
    "DELETE /v1/views/{view_id}/queries/{query_id}",
}


def test_every_route_that_writes_has_its_events() -> None:
    every = [*ENDPOINTS, *PAGE_AND_COMMENT_ENDPOINTS, *FILE_UPLOAD_ENDPOINTS]
    writes = {
        f"{method} {path}"
        for method, path, _ in [*every, *VIEW_AND_LIST_ENDPOINTS]
        if method != "GET" and not path.endswith("/query") and path != "/v1/search"
    }
    assert writes - WITHOUT_EVENTS == set(DERIVERS)
