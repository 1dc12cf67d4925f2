"""Every provider refuses what it did not sign: wrong secret, changed body, missing headers;
and, for any body at all, correctly signed, answers an event, a reply or a 400, nothing else."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notionhub.errors import PayloadRejected, SignatureRejected
from notionhub.ingest.event import Event, Reply, WebhookRequest
from notionhub.ingest.provider import check_timestamp, parse_time
from notionhub.ingest.registry import get_provider, provider_names
from tests.ingest.conftest import build_request
from tests.ingest.signers import SECRETS, SIGNERS

PROVIDERS = provider_names()
# Sources proved by a token (a bearer key, a URL token): the token proves the sender, not the
# body, so a changed body is not detectable by them.
TOKEN_PROVED = ("amelia", "circle", "coaching-app", "forms")
BODY = b'{"id": "evt_1", "type": "x"}'


def check(request: WebhookRequest, provider: str, secret: str | None = None) -> Event | Reply:
    handler = get_provider(provider)
    key = secret or SECRETS[provider]
    handler.verify(request, key)
    return handler.parse(request, key)


def test_every_provider_is_registered_and_signed_here() -> None:
    assert set(PROVIDERS) == set(SIGNERS)
    for name in PROVIDERS:
        assert get_provider(name).name == name


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_wrong_secret_is_refused(provider: str) -> None:
    request = SIGNERS[provider](BODY)
    other = SECRETS[provider].replace("e", "f").replace("t", "u") + "x"
    if provider == "beehiiv":
        other = "whsec_" + "b3RoZXItc2lnbmluZy1rZXktMzItYnl0ZXMhISE="
    with pytest.raises(SignatureRejected):
        get_provider(provider).verify(request, other)


@pytest.mark.parametrize("provider", [p for p in PROVIDERS if p not in TOKEN_PROVED])
def test_a_changed_body_is_refused(provider: str) -> None:
    signed = SIGNERS[provider](BODY)
    changed = WebhookRequest(
        signed.method,
        signed.url,
        signed.headers,
        BODY.replace(b"evt_1", b"evt_2"),
        signed.received_at,
    )
    with pytest.raises(SignatureRejected):
        get_provider(provider).verify(changed, SECRETS[provider])


@pytest.mark.parametrize("provider", PROVIDERS)
def test_no_signature_at_all_is_refused(provider: str) -> None:
    with pytest.raises(SignatureRejected):
        get_provider(provider).verify(build_request(BODY), SECRETS[provider])


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_malformed_signature_is_refused(provider: str) -> None:
    signed = SIGNERS[provider](BODY)
    garbled = {name: "%%%not-a-signature%%%" for name in signed.headers}
    request = build_request(BODY, garbled, url=signed.url.split("?")[0])
    with pytest.raises(SignatureRejected):
        get_provider(provider).verify(request, SECRETS[provider])


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_signed_body_that_is_not_json_is_a_payload_error(provider: str) -> None:
    request = SIGNERS[provider](b"this is not json")
    assert get_provider(provider).handshake(request, SECRETS[provider]) is None
    with pytest.raises(PayloadRejected):
        check(request, provider)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)
# Bodies that look like the real thing more often than pure noise would.
shaped = st.fixed_dictionaries(
    {},
    optional={
        key: json_values
        for key in (
            "id", "type", "created", "triggerEvent", "createdAt", "payload", "event",
            "event_ts", "form_response", "event_type", "timestamp", "entity", "data", "uid",
            "form", "fields", "submission_id", "appointment", "date_modified_gmt",
        )
    },
)  # fmt: skip


@pytest.mark.parametrize("provider", PROVIDERS)
@settings(max_examples=60, deadline=None)
@given(value=st.one_of(json_values, shaped))
def test_any_signed_json_is_an_event_a_reply_or_a_payload_error(provider: str, value: Any) -> None:
    request = SIGNERS[provider](json.dumps(value).encode())
    try:
        result = check(request, provider)
    except PayloadRejected:
        return
    assert isinstance(result, Event | Reply)
    if isinstance(result, Event):
        assert result.provider == provider
        assert result.idempotency_key.startswith(provider + ":")
        assert result.occurred_at.tzinfo is not None


@pytest.mark.parametrize("provider", PROVIDERS)
@settings(max_examples=30, deadline=None)
@given(body=st.binary(max_size=200))
def test_any_signed_bytes_are_an_event_a_reply_or_a_payload_error(
    provider: str, body: bytes
) -> None:
    request = SIGNERS[provider](body) if provider != "beehiiv" else None
    if request is None:  # Standard Webhooks signs text: arbitrary bytes cannot be signed
        body = body.decode("utf-8", "replace").encode()
        request = SIGNERS[provider](body)
    try:
        handshake = get_provider(provider).handshake(request, SECRETS[provider])
        if handshake is None:
            check(request, provider)
    except PayloadRejected:
        pass
    except SignatureRejected:
        # Stripe and HubSpot sign text: a body that is not UTF-8 cannot carry their signature.
        assert provider in ("stripe", "hubspot")
        with pytest.raises(UnicodeDecodeError):
            body.decode()


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize(
    "body", [b"[" * 100_000, b'{"id": NaN, "type": "x"}', b'{"created": Infinity}']
)
def test_hostile_json_is_a_payload_error(provider: str, body: bytes) -> None:
    request = SIGNERS[provider](body)
    assert get_provider(provider).handshake(request, SECRETS[provider]) is None
    with pytest.raises(PayloadRejected):
        check(request, provider)


@pytest.mark.parametrize("value", ["nan", "inf", "-5", "1e400"])
def test_impossible_timestamps_are_refused_not_crashed(value: str) -> None:
    with pytest.raises(SignatureRejected, match="not a Unix timestamp"):
        check_timestamp(value, datetime.now(UTC), 300, header="X-Test-Timestamp")


@pytest.mark.parametrize("value", [float("nan"), 1e300, -1e300])
def test_impossible_times_in_payloads_are_payload_errors(value: float) -> None:
    with pytest.raises(PayloadRejected):
        parse_time(value, "created")
