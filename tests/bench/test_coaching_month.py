"""The coaching benchmark's month: deterministic, consistent, and counted right (no servers)."""

from __future__ import annotations

import json
import random
from datetime import datetime

import pytest
from bench.coaching import SECRETS, signed_headers
from bench.coaching_month import Delivery, expected_rows, generate_month
from bench.month_runs import summary

from notionhub.ingest.registry import get_provider
from tests.ingest.conftest import build_request


@pytest.fixture(scope="module")
def month() -> list[Delivery]:
    return generate_month(seed=11, clients=40)


def _created_at(delivery: Delivery) -> datetime:
    return datetime.fromisoformat(delivery.body["createdAt"].replace("Z", "+00:00"))


def test_the_same_seed_gives_the_same_month(month: list[Delivery]) -> None:
    assert generate_month(seed=11, clients=40) == month
    assert generate_month(seed=12, clients=40) != month


def test_every_reschedule_names_a_booking_made_before_it(month: list[Delivery]) -> None:
    calcom = [d for d in month if d.provider == "calcom" and not d.redelivery]
    booked = {
        d.body["payload"]["uid"]: _created_at(d)
        for d in calcom
        if d.event_type in ("BOOKING_CREATED", "BOOKING_RESCHEDULED")
    }
    reschedules = [d for d in calcom if d.event_type == "BOOKING_RESCHEDULED"]
    assert reschedules
    for delivery in reschedules:
        previous = delivery.body["payload"]["rescheduleUid"]
        assert previous in booked
        assert booked[previous] < _created_at(delivery)
    assert len(booked) == len(set(booked))  # every uid is new


def test_redeliveries_repeat_an_earlier_body_exactly(month: list[Delivery]) -> None:
    seen: list[tuple[str, str]] = []
    for delivery in month:
        text = json.dumps(delivery.body, sort_keys=True)
        if delivery.redelivery:
            assert (delivery.provider, text) in seen
        else:
            assert (delivery.provider, text) not in seen
            seen.append((delivery.provider, text))
    assert any(d.redelivery for d in month)


def test_summary_counts_add_up(month: list[Delivery]) -> None:
    counts = summary(month)
    types = {key: value for key, value in counts.items() if ":" in key}
    assert sum(types.values()) + counts["redeliveries"] == counts["deliveries"] == len(month)
    assert counts["redeliveries"] == sum(d.redelivery for d in month)
    assert set(types) >= {
        "calcom:BOOKING_CREATED",
        "calcom:MEETING_ENDED",
        "zoom:meeting.participant_joined",
        "zoom:meeting.ended",
        "stripe:checkout.session.completed",
    }
    # Each held session has its meeting.ended, and the coach joins every one of them.
    assert types["zoom:meeting.ended"] == types["calcom:MEETING_ENDED"]
    assert types["zoom:meeting.participant_joined"] >= types["zoom:meeting.ended"]
    expected = expected_rows(month)
    assert expected.appointments == types["calcom:BOOKING_CREATED"]
    assert expected.cancelled == types.get("calcom:BOOKING_CANCELLED", 0)


def test_every_delivery_is_accepted_by_its_provider(month: list[Delivery]) -> None:
    keys: dict[str, bool] = {}
    for delivery in month[:300]:
        body = json.dumps(delivery.body).encode()
        now = int(datetime.now().timestamp())
        request = build_request(body, signed_headers(delivery.provider, body, now))
        provider = get_provider(delivery.provider)
        provider.verify(request, SECRETS[delivery.provider])
        event = provider.parse(request, SECRETS[delivery.provider])
        key = getattr(event, "idempotency_key", None)
        assert key is not None
        # A redelivery has its original's key; distinct events never share one.
        assert (key in keys) == delivery.redelivery
        keys[key] = True


def test_expected_rows_do_not_depend_on_arrival_order(month: list[Delivery]) -> None:
    shuffled = list(month)
    random.Random(3).shuffle(shuffled)
    first_copies = [d for d in shuffled if not d.redelivery]
    assert expected_rows(first_copies) == expected_rows(month)
