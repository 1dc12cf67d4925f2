"""One day of a coaching business: the reference scenario of the ordering tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.packs.coaching.scenario import Scenario

DAY = datetime(2026, 11, 27, tzinfo=UTC)


def a_day() -> Scenario:
    """Three clients: a session held, one rescheduled twice then held short (a no-show), one
    cancelled; two payments, one refunded."""
    day = Scenario()
    jane = {"email": "jane.doe@example.com", "name": "Jane Doe"}
    omar = {"email": "omar@example.com", "name": "Omar Haddad"}
    lea = {"email": "lea@example.com", "name": "Léa Martin"}
    t = DAY - timedelta(days=5)

    def later(minutes: int) -> datetime:
        nonlocal t
        t += timedelta(minutes=minutes)
        return t

    nine, eleven, two = DAY.replace(hour=9), DAY.replace(hour=11), DAY.replace(hour=14)
    day.book(uid="jane-1", start=nine, at=later(5), meeting_id="81111111111", **jane)
    day.checkout(
        event_id="evt_jane_pay",
        session_id="cs_jane",
        payment_intent="pi_jane",
        cents=45000,
        package="Clarity 5-pack",
        at=later(3),
        **jane,
    )
    day.book(
        uid="omar-1",
        start=eleven - timedelta(days=1),
        at=later(20),
        meeting_id="82222222222",
        **omar,
    )
    day.reschedule(
        uid="omar-2",
        previous_uid="omar-1",
        previous_start=eleven - timedelta(days=1),
        start=eleven,
        at=later(60),
        meeting_id="82222222222",
        **omar,
    )
    day.book(
        uid="lea-1",
        start=two,
        at=later(30),
        meeting_id="83333333333",
        event_type="discovery-call",
        **lea,
    )
    day.reschedule(
        uid="omar-3",
        previous_uid="omar-2",
        previous_start=eleven,
        start=eleven + timedelta(minutes=30),
        at=later(90),
        meeting_id="82222222222",
        **omar,
    )
    day.checkout(
        event_id="evt_omar_pay",
        session_id="cs_omar",
        payment_intent="pi_omar",
        cents=15000,
        package="Single session",
        at=later(10),
        **omar,
    )
    day.cancel(
        uid="lea-1",
        start=two,
        at=later(45),
        reason="Found another coach",
        event_type="discovery-call",
        meeting_id="83333333333",
        **lea,
    )
    # Jane's session: she stays 40 minutes; the coach is there too.
    jane_meeting = {"meeting_id": "81111111111", "meeting_uuid": "jane-uuid==", "start": nine}
    day.zoom_presence(
        "meeting.participant_joined",
        at=nine,
        email=None,
        name="Coach",
        participant="coach",
        host=True,
        **jane_meeting,
    )
    day.zoom_presence(
        "meeting.participant_joined",
        at=nine + timedelta(minutes=2),
        email=jane["email"],
        name="Jane Doe",
        participant="jane",
        **jane_meeting,
    )
    day.zoom_presence(
        "meeting.participant_left",
        at=nine + timedelta(minutes=42),
        email=jane["email"],
        name="Jane Doe",
        participant="jane",
        **jane_meeting,
    )
    day.zoom_ended(
        meeting_id="81111111111",
        meeting_uuid="jane-uuid==",
        start=nine,
        end=nine + timedelta(minutes=45),
    )
    day.meeting_ended(
        uid="jane-1", start=nine, at=nine + timedelta(minutes=46), meeting_id="81111111111", **jane
    )
    # Omar joins for 3 minutes only: a no-show.
    o = eleven + timedelta(minutes=30)
    omar_meeting = {"meeting_id": "82222222222", "meeting_uuid": "omar-uuid==", "start": o}
    day.zoom_presence(
        "meeting.participant_joined",
        at=o + timedelta(minutes=1),
        email=omar["email"],
        name="Omar",
        participant="omar",
        **omar_meeting,
    )
    day.zoom_presence(
        "meeting.participant_left",
        at=o + timedelta(minutes=4),
        email=omar["email"],
        name="Omar",
        participant="omar",
        **omar_meeting,
    )
    day.zoom_ended(
        meeting_id="82222222222", meeting_uuid="omar-uuid==", start=o, end=o + timedelta(minutes=20)
    )
    day.refund(
        event_id="evt_omar_refund",
        payment_intent="pi_omar",
        email=omar["email"],
        cents=15000,
        at=o + timedelta(hours=2),
    )
    return day
