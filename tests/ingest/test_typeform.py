"""Typeform: sha256= base64 HMAC of the body; the response token names the submission."""

from __future__ import annotations

import pytest

from notionhub.errors import PayloadRejected, SignatureRejected
from notionhub.ingest.event import Event
from notionhub.ingest.providers.typeform import PROVIDER
from tests.ingest.conftest import build_request
from tests.ingest.payloads import TYPEFORM_RESPONSE, dump
from tests.ingest.signers import SECRETS, typeform

SECRET = SECRETS["typeform"]


def test_a_response_is_parsed() -> None:
    request = typeform(dump(TYPEFORM_RESPONSE))
    PROVIDER.verify(request, SECRET)
    event = PROVIDER.parse(request, SECRET)
    assert isinstance(event, Event)
    assert event.type == "form_response"
    assert event.idempotency_key == "typeform:a3a12ec67a1365927098a606107fac15"
    assert event.entity_key == "email:jane@example.com"
    assert event.occurred_at.isoformat() == "2026-11-20T09:01:30+00:00"


def test_the_prefix_is_required() -> None:
    signed = typeform(dump(TYPEFORM_RESPONSE))
    value = signed.headers["Typeform-Signature"].removeprefix("sha256=")
    with pytest.raises(SignatureRejected, match="sha256="):
        PROVIDER.verify(build_request(signed.body, {"Typeform-Signature": value}), SECRET)


def test_a_body_without_form_response_is_a_payload_error() -> None:
    with pytest.raises(PayloadRejected, match="form_response"):
        PROVIDER.parse(typeform(dump({"event_id": "1", "event_type": "form_response"})), SECRET)
