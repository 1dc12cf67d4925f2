"""The fact table on SQLite and on the machine's PostgreSQL: stored once, found by reference."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from notionhub.hubdb.pack_tables import current_revision, migrate_pack_tables
from notionhub.packs.coaching import PACK as COACHING
from notionhub.packs.coaching.facts import Fact, FactStore

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def booking(fact_id: str, uid: str, previous: str | None = None, minutes: int = 0) -> Fact:
    return Fact(
        fact_id=fact_id,
        kind="rescheduled" if previous else "booked",
        occurred_at=AT + timedelta(minutes=minutes),
        source="Cal.com",
        email="jane@example.com",
        booking_uid=uid,
        previous_uid=previous,
    )


@pytest.fixture
def facts_engine(any_hub_engine: Engine) -> Engine:
    """A hub database with the coaching pack's table, created by its Alembic revisions."""
    assert COACHING.migrations is not None
    revision = migrate_pack_tables(any_hub_engine, COACHING.name, COACHING.migrations)
    assert current_revision(any_hub_engine, COACHING.name) == revision is not None
    return any_hub_engine


def test_facts_are_stored_once_and_found_by_their_references(facts_engine: Engine) -> None:
    store = FactStore(facts_engine)
    first = booking("calcom:1", "a")
    store.add([first])
    store.add([first, booking("calcom:2", "b", previous="a", minutes=5)])  # a redelivery, and more
    assert [f.fact_id for f in store.where("email", ["jane@example.com"])] == [
        "calcom:1",
        "calcom:2",
    ]
    assert store.where("booking_uid", ["a"]) == [first]
    assert store.where("meeting_id", [None]) == []


def test_an_appointment_is_every_uid_linked_by_reschedules(facts_engine: Engine) -> None:
    store = FactStore(facts_engine)
    store.add([booking("3", "c", previous="b", minutes=9), booking("1", "a")])
    assert store.appointment("c")[0] == {"b", "c"}  # the link to "a" is not known yet
    store.add([booking("2", "b", previous="a", minutes=5), booking("4", "z")])
    uids, facts = store.appointment("c")
    assert uids == {"a", "b", "c"}
    assert [f.fact_id for f in facts] == ["1", "2", "3"]
    assert store.appointment("a")[0] == uids
