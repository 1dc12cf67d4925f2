"""The polling fallback's events: one per page version, with who edited it as far as it knows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from notionhub.queue.change_poller import ChangePoller
from notionhub.queue.store import EventStore

BOT = "bot-id"


def poller(engine: Engine) -> ChangePoller:
    def no_records() -> Any:
        raise AssertionError("not used")

    return ChangePoller(
        no_records, [], EventStore(engine), engine, bot_id=lambda: BOT, clock=lambda: 0.0
    )


def page(editor: str) -> dict[str, Any]:
    return {
        "id": "page-1",
        "last_edited_time": "2026-12-05T10:00:00.000Z",  # real Notion: to the minute
        "last_edited_by": {"object": "user", "id": editor},
        "parent": {"type": "data_source_id", "data_source_id": "ds-1"},
        "properties": {},
    }


def test_two_edits_within_one_minute_are_two_events_and_one_found_twice_is_one(
    hub_engine: Engine,
) -> None:
    polling = poller(hub_engine)
    first = polling.event_for(page("coach"), {"Status": {"select": {"name": "Open"}}})
    again = polling.event_for(page("coach"), {"Status": {"select": {"name": "Open"}}})
    second = polling.event_for(page("coach"), {"Status": {"select": {"name": "Done"}}})

    assert first.idempotency_key == again.idempotency_key
    assert first.idempotency_key != second.idempotency_key
    assert first.entity_key == "notion-page:page-1"
    assert first.data["page"]["id"] == "page-1" and first.data["type"] == "page.properties_updated"


def test_the_last_editor_is_a_person_unless_it_is_the_hub(hub_engine: Engine) -> None:
    polling = poller(hub_engine)
    by_coach = polling.event_for(page("coach"), {})
    by_hub = polling.event_for(page(BOT), {})

    assert by_coach.data["authors"] == [{"id": "coach", "type": "person"}]
    # Whoever edited before the hub is unknown: no author, so the change counts as a person's.
    assert by_hub.data["authors"] == []


def test_a_page_the_hub_created_and_nobody_edited_is_its_own(hub_engine: Engine) -> None:
    polling = poller(hub_engine)
    created = {**page(BOT), "created_by": {"object": "user", "id": BOT}}
    edited_since = {**page("coach"), "created_by": {"object": "user", "id": BOT}}
    a_persons = {**page(BOT), "created_by": {"object": "user", "id": "coach"}}

    # Seen before the hub wrote its mirror (its create in flight), it is no change: skipped.
    assert polling.created_by_the_hub(created)
    assert not polling.created_by_the_hub(edited_since)
    assert not polling.created_by_the_hub(a_persons)
