"""The coaching app's internal endpoint and the forms endpoint: bearer INTERNAL_API_KEY."""

from __future__ import annotations

import pytest

from notionhub.errors import PayloadRejected, SignatureRejected
from notionhub.ingest.event import Event
from notionhub.ingest.registry import get_provider
from notionhub.packs.coaching.app_provider import PROVIDER as COACHING_APP
from tests.ingest.conftest import INSTANT, build_request
from tests.ingest.payloads import COACHING_APP_BOOKING, FORM_SUBMISSION, dump
from tests.ingest.signers import SECRETS, bearer

KEY = SECRETS["coaching-app"]


def test_a_coaching_app_booking() -> None:
    provider = COACHING_APP
    request = bearer(dump(COACHING_APP_BOOKING), at=INSTANT)
    provider.verify(request, KEY)
    event = provider.parse(request, KEY)
    assert isinstance(event, Event)
    assert event.type == "BOOKING_CREATED"
    assert event.idempotency_key == "coaching-app:BOOKING_CREATED:bFJeNb2uX8ANpT3JL5EfXw"
    assert event.entity_key == "email:jane@example.com"


def test_an_unknown_type_lists_the_known_ones() -> None:
    body = dump({"type": "BOOKING_EXPLODED", "payload": {}})
    with pytest.raises(PayloadRejected, match="BOOKING_CREATED, BOOKING_CANCELLED"):
        COACHING_APP.parse(bearer(body, at=INSTANT), KEY)


def test_a_form_submission() -> None:
    provider = get_provider("forms")
    event = provider.parse(bearer(dump(FORM_SUBMISSION), at=INSTANT), KEY)
    assert isinstance(event, Event)
    assert (event.type, event.idempotency_key) == (
        "form.submitted",
        "forms:retreat-waitlist:sub_123",
    )
    assert event.entity_key == "email:jane@example.com"


@pytest.mark.parametrize(
    "header", ["Basic internal-key", "Bearer", "Bearer wrong-key", "internal-key"]
)
def test_anything_but_the_bearer_key_is_refused(header: str) -> None:
    request = build_request(dump(FORM_SUBMISSION), {"Authorization": header}, received_at=INSTANT)
    with pytest.raises(SignatureRejected):
        get_provider("forms").verify(request, KEY)
