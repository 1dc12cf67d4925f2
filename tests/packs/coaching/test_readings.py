"""Reading events as facts: the providers' documented payloads, and anything else signed."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notionhub.errors import EventNotUsable
from notionhub.ingest.event import Event
from notionhub.packs.coaching import BOOKKEEPER
from notionhub.packs.coaching.facts import Fact
from notionhub.packs.coaching.readings import read_fact
from tests.ingest.harness import load_payload
from tests.packs.coaching.scenario import Delivery

RECEIVED = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def payload(provider: str, name: str) -> bytes:
    return load_payload(provider.replace("-", "_"), name)


def fact_of(provider: str, name: str) -> Any:
    fact = read_fact(Delivery(provider, payload(provider, name)).event())
    assert fact is not None
    return fact


def test_a_calcom_booking() -> None:
    fact = fact_of("calcom", "booking_created")
    assert (fact.kind, fact.booking_uid, fact.email) == (
        "booked",
        "bFJeNb2uX8ANpT3JL5EfXw",
        "jane.doe@example.com",
    )
    assert (fact.name, fact.event_type, fact.meeting_id) == (
        "Jane Doe",
        "discovery-call",
        "81234567890",
    )
    assert (fact.start, fact.end) == (
        datetime(2026, 11, 27, 10, 0, tzinfo=UTC),
        datetime(2026, 11, 27, 10, 45, tzinfo=UTC),
    )
    assert fact.source == "Cal.com" and fact.previous_uid is None


def test_a_calcom_reschedule_names_the_booking_it_replaces() -> None:
    fact = fact_of("calcom", "booking_rescheduled")
    assert (fact.kind, fact.booking_uid, fact.previous_uid) == (
        "rescheduled",
        "k2NqYw7RzTg4vM1pLx9sAe",
        "bFJeNb2uX8ANpT3JL5EfXw",
    )
    assert fact.meeting_id == "81234567891"


def test_a_calcom_cancellation_keeps_its_reason() -> None:
    fact = fact_of("calcom", "booking_cancelled")
    assert fact.kind == "cancelled" and fact.reason


def test_zoom_tells_the_coach_from_the_client() -> None:
    client = fact_of("zoom", "meeting.participant_joined")
    coach = fact_of("zoom", "meeting.participant_joined.coach")
    assert (client.kind, client.host, client.email) == ("joined", False, "jane.doe@example.com")
    assert coach.host is True
    assert client.at == datetime(2026, 11, 27, 10, 1, 2, tzinfo=UTC)
    assert client.meeting_id == coach.meeting_id == "81234567890"
    ended = fact_of("zoom", "meeting.ended")
    assert (ended.kind, ended.at) == ("meeting_closed", datetime(2026, 11, 27, 10, 52, tzinfo=UTC))


def test_a_stripe_checkout_in_major_units() -> None:
    fact = fact_of("stripe", "checkout.session.completed")
    assert (fact.kind, fact.paid, fact.amount, fact.currency) == ("checkout", True, 450.0, "EUR")
    assert (fact.checkout_id, fact.payment_intent, fact.customer_id) == (
        "cs_test_a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ",
        "pi_3QxYz82eZvKYlo2C1Wq7bUkd",
        "cus_RA1b2C3d4E5f6G",
    )
    assert (fact.email, fact.package) == ("jane.doe@example.com", "Clarity 5-pack")


def test_a_refund_is_found_by_its_payment_intent() -> None:
    fact = fact_of("stripe", "charge.refunded")
    assert (fact.kind, fact.payment_intent, fact.refunded, fact.amount) == (
        "refunded",
        "pi_3QxYz82eZvKYlo2C1Wq7bUkd",
        450.0,
        450.0,
    )


def test_zero_decimal_currencies_are_not_divided() -> None:
    data = json.loads(payload("stripe", "checkout.session.completed"))
    data["data"]["object"].update(currency="jpy", amount_total=5000)
    fact = read_fact(Delivery("stripe", json.dumps(data).encode()).event())
    assert fact is not None and (fact.amount, fact.currency) == (5000.0, "JPY")


def test_the_coaching_app_checkout() -> None:
    fact = fact_of("coaching-app", "checkout_session_complete")
    assert (fact.kind, fact.checkout_id, fact.amount, fact.source) == (
        "checkout",
        "cs_test_a1B2c3D4",
        450.0,
        "Coaching app",
    )


def test_a_booking_without_its_uid_cannot_be_used() -> None:
    data = json.loads(payload("calcom", "booking_created"))
    del data["payload"]["uid"]
    event = Delivery("calcom", json.dumps(data).encode()).event()
    with pytest.raises(EventNotUsable, match="uid"):
        read_fact(event)


def test_types_the_pack_does_not_read_give_no_fact() -> None:
    event = Event(
        provider="stripe",
        type="customer.subscription.deleted",
        idempotency_key="stripe:evt_1",
        entity_key=None,
        occurred_at=RECEIVED,
        data={"data": {"object": {}}},
    )
    assert read_fact(event) is None


PACK_TYPES = sorted(BOOKKEEPER.flows)
SCALARS = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=20,
)
BOOKING_FIELDS = ["uid", "startTime", "endTime", "attendees", "metadata", "rescheduleUid"]
BOOKING_FIELDS += ["cancellationReason", "videoCallData", "object", "responses"]
PAYMENT_FIELDS = ["id", "amount_total", "currency", "customer_details", "payment_intent"]
PAYMENT_FIELDS += ["customer", "metadata", "amount_refunded", "payment_status", "participant"]
# Shapes close to the real ones, with any values inside.
SHAPED = st.fixed_dictionaries(
    {
        "payload": st.dictionaries(st.sampled_from(BOOKING_FIELDS), JSON),
        "data": st.fixed_dictionaries(
            {"object": st.dictionaries(st.sampled_from(PAYMENT_FIELDS), JSON)}
        ),
    }
)
ANY_BODY = st.one_of(SHAPED, st.dictionaries(st.text(max_size=10), JSON))


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(PACK_TYPES), data=ANY_BODY)
def test_any_event_is_a_fact_or_a_clear_refusal(kind: str, data: dict[str, Any]) -> None:
    provider, type_ = kind.split(":", 1)
    event = Event(
        provider=provider,
        type=type_,
        idempotency_key=f"{provider}:x",
        entity_key=None,
        occurred_at=RECEIVED,
        data=data,
    )
    try:
        fact = read_fact(event)
    except EventNotUsable as error:
        assert str(error)
        return
    assert fact is not None and fact.fact_id == f"{provider}:x"
    # What is stored reads back the same, and every amount can be written to Notion.
    assert Fact.model_validate_json(fact.model_dump_json()) == fact
    assert all(v is None or math.isfinite(v) for v in (fact.amount, fact.refunded))
