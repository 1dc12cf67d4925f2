"""The coaching pack's reactions to the coach's edits, run directly on typed changes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeVar

from notionhub.notion.changes import Change
from notionhub.notion.schema import NotionModel
from notionhub.packs.coaching.models import Invoice, Package, Session
from notionhub.packs.coaching.reactions import (
    keep_invoice_status,
    keep_session_status,
    link_package,
)
from tests.packs.coaching.conftest import NOW, Coaching
from tests.packs.coaching.scenario import Delivery, Scenario

M = TypeVar("M", bound=NotionModel)
START = NOW - timedelta(days=2)


def edited(
    model: type[M], key: str, coaching: Coaching, *, seen: datetime = NOW, **values: object
) -> Change[M]:
    """The change a coach's edit of the row of ``key`` gives, read by the hub at ``seen``."""
    records = coaching.context().records
    before = records.mirrored(model, key)
    assert before is not None and before.page_id is not None
    after = before.model_copy(update=values)
    return Change(
        model=model,
        page_id=before.page_id,
        kind="updated",
        changed=frozenset(values),
        before=before,
        after=after,
        by_person=True,
        seen_at=seen,
    )


def checkout(
    scenario: Scenario,
    event_id: str,
    *,
    at: datetime = START,
    package: str = "Clarity 5-pack",
    type: str = "checkout.session.completed",
) -> Delivery:
    return scenario.checkout(
        event_id=event_id,
        session_id="cs_ana",
        payment_intent="pi_ana",
        email="ana@example.com",
        name="Ana",
        cents=45000,
        package=package,
        at=at,
        type=type,
    )


def invoice(coaching: Coaching) -> Invoice:
    [row] = coaching.rows(Invoice)
    assert isinstance(row, Invoice)
    return row


def test_an_invoice_the_coach_refunds_stops_counting_until_stripe_says_newer(
    coaching: Coaching,
) -> None:
    scenario = Scenario()
    coaching.receive(checkout(scenario, "evt_1"))
    assert invoice(coaching).paid_amount == 450

    note = keep_invoice_status(
        edited(Invoice, "cs_ana", coaching, status="Refunded"), coaching.context()
    )

    assert "set to Refunded" in note
    assert (invoice(coaching).status, invoice(coaching).paid_amount) == ("Refunded", 0)
    # An old event again changes nothing; Stripe's newer word wins.
    coaching.receive(checkout(scenario, "evt_2"))
    assert invoice(coaching).status == "Refunded"
    later = NOW + timedelta(hours=1)
    succeeded = "checkout.session.async_payment_succeeded"
    coaching.receive(checkout(scenario, "evt_3", at=later, type=succeeded))
    assert (invoice(coaching).status, invoice(coaching).paid_amount) == ("Paid", 450)


def test_a_session_status_cleared_by_the_coach_is_computed_again(coaching: Coaching) -> None:
    scenario = Scenario()
    coaching.receive(
        scenario.book(uid="ana-1", email="ana@example.com", name="Ana", start=START, at=START)
    )
    keep_session_status(edited(Session, "ana-1", coaching, status="No-show"), coaching.context())
    [row] = coaching.rows(Session)
    assert row.status == "No-show"

    later = NOW + timedelta(minutes=1)
    cleared = edited(Session, "ana-1", coaching, status=None, seen=later)
    note = keep_session_status(cleared, coaching.context())

    assert "computed again" in note
    [row] = coaching.rows(Session)
    assert row.status == "Scheduled"


def test_a_package_the_coach_adds_links_the_rows_that_named_it(coaching: Coaching) -> None:
    coaching.receive(checkout(Scenario(), "evt_1", package="Deep Dive"))
    assert invoice(coaching).package == []
    records = coaching.context().records
    made = records.upsert(Package(name="Deep Dive", price=300))
    package = records.mirrored(Package, "Deep Dive")
    change = Change(
        model=Package,
        page_id=made.page_id,
        kind="created",
        changed=frozenset({"name", "price"}),
        before=None,
        after=package,
        by_person=True,
    )

    note = link_package(change, coaching.context())

    assert "invoice cs_ana updated" in note
    assert invoice(coaching).package == [made.page_id]
