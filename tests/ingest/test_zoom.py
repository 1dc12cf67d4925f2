"""Zoom: v0 signature over timestamp and body, the URL validation answer, participant events."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from notionhub.errors import SignatureRejected
from notionhub.ingest.event import Event, Reply
from notionhub.ingest.providers.zoom import PROVIDER
from tests.ingest.payloads import ZOOM_PARTICIPANT_JOINED, ZOOM_URL_VALIDATION, dump
from tests.ingest.signers import SECRETS, now, zoom

SECRET = SECRETS["zoom"]


def test_a_participant_event_is_parsed() -> None:
    request = zoom(dump(ZOOM_PARTICIPANT_JOINED))
    PROVIDER.verify(request, SECRET)
    event = PROVIDER.parse(request, SECRET)
    assert isinstance(event, Event)
    assert event.type == "meeting.participant_joined"
    assert event.entity_key == "zoom-meeting:81234567890"
    assert event.idempotency_key == (
        "zoom:meeting.participant_joined:4444AAAiAAAAAiAiAiiAii==:1764237900123"
        ":55555AAAiAAAAAiAiAiiAii"
    )
    assert event.occurred_at.timestamp() == pytest.approx(1764237900.123)


def test_url_validation_answers_the_encrypted_token() -> None:
    request = zoom(dump(ZOOM_URL_VALIDATION))
    PROVIDER.verify(request, SECRET)
    reply = PROVIDER.parse(request, SECRET)
    plain = "qgg8vlvZRS6UYooatFL8Aw"
    expected = hmac.new(SECRET.encode(), plain.encode(), hashlib.sha256).hexdigest()
    assert isinstance(reply, Reply)
    assert reply.body == {"plainToken": plain, "encryptedToken": expected}


def test_url_validation_unsigned_is_refused() -> None:
    request = zoom(dump(ZOOM_URL_VALIDATION), secret="someone-else")
    with pytest.raises(SignatureRejected):
        PROVIDER.verify(request, SECRET)


def test_stale_and_future_timestamps_are_refused() -> None:
    for at in (now() - 400, now() + 400):
        with pytest.raises(SignatureRejected, match="limit is 300 s"):
            PROVIDER.verify(zoom(dump(ZOOM_PARTICIPANT_JOINED), at=at), SECRET)
