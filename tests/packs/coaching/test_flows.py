"""Each flow of the coaching pack, on signed deliveries, read back from the local Notion server."""

from __future__ import annotations

from datetime import UTC, datetime

from notionhub.packs.coaching.models import Client, DashboardMetric, Invoice, Session
from tests.packs.coaching.conftest import Coaching
from tests.packs.coaching.day import DAY, a_day
from tests.packs.coaching.scenario import Scenario

JANE = {"email": "jane.doe@example.com", "name": "Jane Doe"}
START = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
BOOKED_AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def test_a_booking_creates_a_prospect_and_a_scheduled_session(coaching: Coaching) -> None:
    day = Scenario()
    day.book(uid="uid-1", start=START, at=BOOKED_AT, **JANE)
    for delivery in day.deliveries:
        coaching.receive(delivery)
    [client] = coaching.rows(Client)
    assert (client.name, client.email, client.status, client.source) == (
        "Jane Doe",
        "jane.doe@example.com",
        "Prospect",
        "Cal.com",
    )
    [session] = coaching.rows(Session)
    assert session.booking_id == "uid-1"
    assert session.status == "Scheduled"
    assert session.client == [client.page_id]
    assert session.when is not None and session.when.start == START
    assert session.meeting_id == "81234567890"
    assert "booked for 2026-11-27 10:00 UTC" in session.history
    assert len(session.package) == 1


def test_a_day_in_order_ends_in_the_expected_state(coaching: Coaching) -> None:
    for delivery in a_day().deliveries:
        coaching.receive(delivery)
    clients = {c.email: c for c in coaching.rows(Client)}
    assert {e: c.status for e, c in clients.items()} == {
        "jane.doe@example.com": "Active",
        "omar@example.com": "Active",
        "lea@example.com": "Prospect",
    }
    sessions = {s.booking_id: s for s in coaching.rows(Session)}
    assert sorted(sessions) == ["jane-1", "lea-1", "omar-1"]  # one row per appointment
    jane, lea, omar = sessions["jane-1"], sessions["lea-1"], sessions["omar-1"]
    assert (jane.status, jane.attended_minutes) == ("Completed", 40)
    assert (lea.status, lea.cancellation_reason) == ("Cancelled", "Found another coach")
    assert (omar.status, omar.attended_minutes) == ("No-show", 3)
    assert omar.when is not None and omar.when.start == DAY.replace(hour=11, minute=30)
    assert omar.history.count("rescheduled") == 2
    assert omar.client == [clients["omar@example.com"].page_id]
    invoices = {i.checkout_session_id: i for i in coaching.rows(Invoice)}
    assert (invoices["cs_jane"].status, invoices["cs_jane"].amount) == ("Paid", 450)
    assert invoices["cs_jane"].paid_amount == 450
    assert (invoices["cs_omar"].status, invoices["cs_omar"].paid_amount) == ("Refunded", 0)
    assert invoices["cs_jane"].client == [clients["jane.doe@example.com"].page_id]
    assert len(invoices["cs_jane"].package) == 1
    assert clients["jane.doe@example.com"].total_paid == 450
    coaching.upkeep()
    metrics = {m.metric: (m.value, m.period) for m in coaching.rows(DashboardMetric)}
    assert metrics == {
        "Total Clients": (3, "All time"),
        "Active Clients": (2, "All time"),
        "Total Revenue": (450, "All time"),
        "Revenue This Month": (450, "2026-11"),
        "Sessions This Month": (2, "2026-11"),
        "Completed Sessions": (1, "All time"),
        "No-show Rate": (50, "All time"),
    }


def test_what_an_event_leaves_undone_is_said_in_its_account(coaching: Coaching) -> None:
    day = Scenario()
    joined = day.zoom_presence(
        "meeting.participant_joined",
        meeting_id="899",
        meeting_uuid="u-899",
        start=START,
        at=START,
        email="jane.doe@example.com",
        name="Jane Doe",
        participant="p-1",
    )
    refund = day.refund(
        event_id="evt_refund",
        payment_intent="pi_early",
        email="jane.doe@example.com",
        cents=100,
        at=START,
    )
    anonymous = day.book(uid="uid-anon", start=START, at=BOOKED_AT, email="", name="Guest")

    assert coaching.receive(joined) == (
        "no change; Zoom meeting 899 (joined): no session matches it; kept for a booking that"
        " arrives later"
    )
    assert coaching.receive(refund) == (
        "no change; payment intent pi_early (refunded): no invoice paid with it yet; kept for"
        " its Checkout Session"
    )
    account = coaching.receive(anonymous)
    assert account.startswith("session uid-anon created; session uid-anon: no email in the")
    assert "booking, Client left empty" in account
    assert "not found in Packages" not in account  # its event type names a package
    [session] = coaching.rows(Session)
    assert session.client == [] and len(session.package) == 1
