"""Notion: the verification handshake, then X-Notion-Signature on every delivery."""

from __future__ import annotations

import pytest

from notionhub.errors import PayloadRejected
from notionhub.ingest.event import Event
from notionhub.ingest.providers.notion import PROVIDER
from tests.ingest.conftest import build_request
from tests.ingest.payloads import NOTION_PAGE_UPDATED, dump
from tests.ingest.signers import SECRETS, notion

SECRET = SECRETS["notion"]


def test_the_verification_request_captures_the_token() -> None:
    reply = PROVIDER.handshake(build_request(dump({"verification_token": "secret_abc"})), None)
    assert reply is not None
    assert (reply.status, reply.captured_secret) == (200, "secret_abc")


def test_only_that_exact_shape_is_a_handshake() -> None:
    for body in (
        {"verification_token": "secret_abc", "type": "page.created"},
        {"verification_token": ""},
        {"verification_token": 5},
        NOTION_PAGE_UPDATED,
    ):
        assert PROVIDER.handshake(build_request(dump(body)), SECRET) is None


def test_a_page_event_is_parsed() -> None:
    request = notion(dump(NOTION_PAGE_UPDATED))
    PROVIDER.verify(request, SECRET)
    event = PROVIDER.parse(request, SECRET)
    assert isinstance(event, Event)
    assert event.type == "page.properties_updated"
    assert event.idempotency_key == "notion:367cba44-b6f3-4c92-81e7-6a2e9659efd4"
    assert event.entity_key == "notion-page:153104cd-477e-809d-8dc4-ff2d96ae3090"


def test_a_body_without_timestamp_is_a_payload_error() -> None:
    body = {key: value for key, value in NOTION_PAGE_UPDATED.items() if key != "timestamp"}
    with pytest.raises(PayloadRejected, match="timestamp"):
        PROVIDER.parse(notion(dump(body)), SECRET)
