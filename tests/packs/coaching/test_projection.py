"""Rows from facts: appointments across reschedules, attendance, status, history, packages."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from notionhub.packs.coaching.facts import Fact
from notionhub.packs.coaching.models import Package
from notionhub.packs.coaching.projection import (
    HISTORY_CHARS,
    Catalog,
    appointment,
    attendance,
    history,
    session_status,
)

NINE = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
_ids = itertools.count()


def fact(kind: str, minutes: float = 0, **values: Any) -> Fact:
    """A fact that happened ``minutes`` after nine."""
    return Fact(
        fact_id=f"f{next(_ids):04d}",
        kind=kind,  # type: ignore[arg-type]
        occurred_at=NINE + timedelta(minutes=minutes),
        source="test",
        **values,
    )


def booked(uid: str, start: datetime = NINE, minutes: float = -600, **values: Any) -> Fact:
    return fact(
        "booked", minutes, booking_uid=uid, start=start, end=start + timedelta(minutes=45),
        email="jane@example.com", **values,
    )  # fmt: skip


def moved(uid: str, previous: str, start: datetime, minutes: float = -300) -> Fact:
    return fact(
        "rescheduled", minutes, booking_uid=uid, previous_uid=previous, start=start,
        end=start + timedelta(minutes=45), email="jane@example.com",
    )  # fmt: skip


def test_a_chain_of_reschedules_is_one_appointment_keyed_by_its_first_uid() -> None:
    facts = [booked("a"), moved("b", "a", NINE + timedelta(days=1)), moved("c", "b", NINE)]
    session = appointment({"a", "b", "c"}, facts)
    assert (session.root, session.leaf) == ("a", "c")
    assert session.when is not None and session.when.start == NINE
    assert session_status(session, attendance(session, [], meeting_id=None), 5) == "Rescheduled"


@given(st.permutations([0, 1, 2]))
def test_the_appointment_does_not_depend_on_the_order_facts_are_given(order: list[int]) -> None:
    facts = [booked("a"), moved("b", "a", NINE + timedelta(days=1)), moved("c", "b", NINE)]
    session = appointment({"a", "b", "c"}, [facts[i] for i in order])
    assert (session.root, session.leaf, session.detail.booking_uid) == ("a", "c", "c")


def test_a_cancellation_of_a_replaced_booking_does_not_cancel_the_appointment() -> None:
    facts = [booked("a"), moved("b", "a", NINE), fact("cancelled", -200, booking_uid="a")]
    session = appointment({"a", "b"}, facts)
    assert session.cancelled is None
    facts.append(fact("cancelled", -100, booking_uid="b", reason="ill"))
    assert appointment({"a", "b"}, facts).cancelled is not None


def meeting(kind: str, minutes: float, **values: Any) -> Fact:
    defaults = {"meeting_id": "811", "meeting_uuid": "u1", "start": NINE}
    return fact(kind, minutes, **{**defaults, **values, "at": NINE + timedelta(minutes=minutes)})


def test_attendance_merges_overlapping_stays_and_ignores_the_host() -> None:
    session = appointment({"a"}, [booked("a", meeting_id="811")])
    zoom = [
        meeting("joined", 0, participant="coach", host=True),
        meeting("joined", 2, participant="p1", email="jane@example.com"),
        meeting("joined", 10, participant="p2", email="jane@example.com"),  # a second device
        meeting("left", 20, participant="p1", email="jane@example.com"),
        meeting("left", 30, participant="p2", email="jane@example.com"),
        meeting("left", 50, participant="coach", host=True),
    ]
    seen = attendance(session, zoom, meeting_id="811")
    assert (seen.observed, seen.minutes, seen.closed) == (True, 28, None)


def test_a_stay_still_open_ends_with_the_meeting() -> None:
    session = appointment({"a"}, [booked("a")])
    zoom = [meeting("joined", 1, participant="p1"), meeting("meeting_closed", 45)]
    seen = attendance(session, zoom, meeting_id="811")
    assert seen.minutes == 44 and seen.closed is not None
    assert session_status(session, seen, 5) == "Completed"


def test_a_short_stay_is_a_no_show_and_the_threshold_is_inclusive() -> None:
    session = appointment({"a"}, [booked("a")])
    zoom = [
        meeting("joined", 1, participant="p1"),
        meeting("left", 5, participant="p1"),
        meeting("meeting_closed", 45),
    ]
    seen = attendance(session, zoom, meeting_id="811")
    assert session_status(session, seen, 5) == "No-show"
    assert session_status(session, seen, 4) == "Completed"


def test_a_personal_meeting_id_used_on_another_day_does_not_count() -> None:
    session = appointment({"a"}, [booked("a")])
    other_day = [meeting("joined", 60 * 24, participant="p1"), meeting("left", 60 * 25)]
    assert attendance(session, other_day, meeting_id="811").observed is False


def test_meeting_ended_without_zoom_follows_cal_coms_no_show_flag() -> None:
    held = appointment({"a"}, [booked("a"), fact("meeting_ended", 50, booking_uid="a")])
    nobody = attendance(held, [], meeting_id=None)
    assert session_status(held, nobody, 5) == "Completed"
    flagged = fact("meeting_ended", 50, booking_uid="a", no_show=True)
    missed = appointment({"a"}, [booked("a"), flagged])
    assert session_status(missed, nobody, 5) == "No-show"


def test_history_keeps_the_newest_lines_within_one_rich_text() -> None:
    facts = [booked("a")]
    facts += [moved(f"m{i}", "a" if i == 0 else f"m{i - 1}", NINE, minutes=i) for i in range(80)]
    session = appointment({"a", *(f"m{i}" for i in range(80))}, facts)
    text = history(session, attendance(session, [], meeting_id=None))
    assert len(text) <= HISTORY_CHARS
    assert text.startswith("…") and text.endswith("(test)")
    assert text.splitlines()[-1].startswith("2026-11-27 10:19 UTC rescheduled")


def test_packages_are_found_by_price_then_name_then_event_type() -> None:
    catalog = Catalog(
        (
            Package(name="Clarity 5-pack", stripe_price_id="price_5", event_type="coaching"),
            Package(name="Single", event_type="coaching", active=False),
            Package(name="Other", event_type="coaching"),
        )
    )
    assert catalog.find(price_id="price_5", name="Single") is not None
    assert catalog.find(price_id="price_5").name == "Clarity 5-pack"  # type: ignore[union-attr]
    assert catalog.find(name="  single ").name == "Single"  # type: ignore[union-attr]
    # Among several, an active one first, then by name.
    assert catalog.find(event_type="Coaching").name == "Clarity 5-pack"  # type: ignore[union-attr]
    assert catalog.find(name="nothing") is None
