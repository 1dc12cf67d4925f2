"""HubSpot v3: method + URI + body + timestamp, the URI as HubSpot decodes it, batches."""

from __future__ import annotations

import pytest

from notionhub.errors import PayloadRejected, SignatureRejected
from notionhub.ingest.event import Event
from notionhub.ingest.providers.hubspot import PROVIDER, signed_uri
from tests.ingest.payloads import HUBSPOT_EVENTS, dump
from tests.ingest.signers import HUB, SECRETS, hubspot, now

SECRET = SECRETS["hubspot"]


def test_a_contact_event_is_parsed() -> None:
    request = hubspot(dump(HUBSPOT_EVENTS))
    PROVIDER.verify(request, SECRET)
    event = PROVIDER.parse(request, SECRET)
    assert isinstance(event, Event)
    assert event.type == "contact.propertyChange"
    assert event.idempotency_key == "hubspot:1764072001"
    assert event.entity_key == "hubspot-contact:123"
    assert event.data == {"events": HUBSPOT_EVENTS}


def test_a_batch_of_several_types_and_objects() -> None:
    second = {**HUBSPOT_EVENTS[0], "eventId": 7, "subscriptionType": "deal.creation", "objectId": 9}
    event = PROVIDER.parse(hubspot(dump([*HUBSPOT_EVENTS, second])), SECRET)
    assert isinstance(event, Event)
    assert (event.type, event.entity_key) == ("batch", None)
    assert event.idempotency_key == "hubspot:1764072001,7"


def test_the_signed_uri_decodes_what_hubspot_decodes() -> None:
    assert signed_uri(f"{HUB}/hooks/hubspot?a=%3A%2F%40x%20y") == f"{HUB}/hooks/hubspot?a=:/@x%20y"
    url = f"{HUB}/hooks/hubspot?email=jane%40example.com"
    # HubSpot signs the decoded form; the hub receives the encoded one.
    signed = hubspot(dump(HUBSPOT_EVENTS), url=signed_uri(url))
    received = type(signed)(signed.method, url, signed.headers, signed.body, signed.received_at)
    PROVIDER.verify(received, SECRET)


def test_an_old_request_is_refused() -> None:
    with pytest.raises(SignatureRejected, match="X-HubSpot-Request-Timestamp"):
        PROVIDER.verify(hubspot(dump(HUBSPOT_EVENTS), at_ms=(now() - 600) * 1000), SECRET)


def test_another_uri_is_refused() -> None:
    signed = hubspot(dump(HUBSPOT_EVENTS))
    moved = type(signed)(
        signed.method, f"{HUB}/other", signed.headers, signed.body, signed.received_at
    )
    with pytest.raises(SignatureRejected):
        PROVIDER.verify(moved, SECRET)


def test_an_object_body_is_a_payload_error() -> None:
    with pytest.raises(PayloadRejected, match="array"):
        PROVIDER.parse(hubspot(dump({"eventId": 1})), SECRET)
