"""Every provider is registered under its name and secret variable; refuses what it did not sign:
wrong secret, changed body, missing headers; and, for any body at all, correctly signed, answers
an event, a reply or a 400, nothing else."""

from __future__ import annotations

import dataclasses
import importlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notionhub.errors import PayloadRejected, SignatureRejected
from notionhub.ingest.event import WebhookRequest
from notionhub.ingest.provider import check_timestamp, parse_time
from notionhub.ingest.registry import ProviderRegistry
from notionhub.packs.coaching import PACK as COACHING
from notionhub.packs.network import PACK as NETWORK
from tests.ingest import harness
from tests.ingest.conftest import INSTANT, build_request
from tests.ingest.signers import SECRETS, SIGNERS

# The built-in providers and those the built-in packs bring, as a hub with them takes them.
REGISTRY = ProviderRegistry((*COACHING.providers, *NETWORK.providers))
get_provider = REGISTRY.get
PROVIDERS = REGISTRY.names()
# Sources proved by a token (a bearer key, a URL token): the token proves the sender, not the
# body, so a changed body is not detectable by them.
TOKEN_PROVED = ("amelia", "circle", "coaching-app", "forms", "snovio")
# Sources that may answer a delivery themselves: a ping, a URL validation, a handshake.
REPLYING = ("calcom", "zoom", "notion", "woocommerce")
BODY = b'{"id": "evt_1", "type": "x"}'
SECRET_VARIABLES = {
    "stripe": "STRIPE_WEBHOOK_SECRET",
    "calcom": "CALCOM_WEBHOOK_SECRET",
    "zoom": "ZOOM_WEBHOOK_SECRET_TOKEN",
    "typeform": "TYPEFORM_WEBHOOK_SECRET",
    "woocommerce": "WOOCOMMERCE_WEBHOOK_SECRET",
    "hubspot": "HUBSPOT_CLIENT_SECRET",
    "notion": "NOTION_WEBHOOK_VERIFICATION_TOKEN",
    "amelia": "AMELIA_WEBHOOK_SECRET",
    "beehiiv": "BEEHIIV_WEBHOOK_SECRET",
    "circle": "CIRCLE_WEBHOOK_SECRET",
    "snovio": "SNOVIO_WEBHOOK_SECRET",
    "coaching-app": "INTERNAL_API_KEY",
    "forms": "INTERNAL_API_KEY",
}


# Providers that live in their pack rather than in ingest/providers/.
MODULES = {
    "coaching-app": "notionhub.packs.coaching.app_provider",
    "snovio": "notionhub.packs.network.snovio",
}


def is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_every_provider_is_registered_and_signed_here() -> None:
    assert set(PROVIDERS) == set(SIGNERS)
    for name in PROVIDERS:
        assert get_provider(name).name == name


@pytest.mark.parametrize(("provider", "secret_env"), SECRET_VARIABLES.items())
def test_the_provider_is_named_and_configured_as_the_hub_expects(
    provider: str, secret_env: str
) -> None:
    module_name = MODULES.get(provider, f"notionhub.ingest.providers.{provider}")
    module = importlib.import_module(module_name)
    assert (module.PROVIDER.name, module.PROVIDER.secret_env) == (provider, secret_env)
    assert get_provider(provider) is module.PROVIDER


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_wrong_secret_is_refused(provider: str) -> None:
    request = SIGNERS[provider](BODY, at=INSTANT)
    other = SECRETS[provider].replace("e", "f").replace("t", "u") + "x"
    if provider == "beehiiv":
        other = "whsec_" + "b3RoZXItc2lnbmluZy1rZXktMzItYnl0ZXMhISE="
    with pytest.raises(SignatureRejected):
        get_provider(provider).verify(request, other)


@pytest.mark.parametrize("provider", [p for p in PROVIDERS if p not in TOKEN_PROVED])
def test_a_changed_body_is_refused(provider: str) -> None:
    signed = SIGNERS[provider](BODY, at=INSTANT)
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
        get_provider(provider).verify(build_request(BODY, received_at=INSTANT), SECRETS[provider])


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_malformed_signature_is_refused(provider: str) -> None:
    signed = SIGNERS[provider](BODY, at=INSTANT)
    garbled = {name: "%%%not-a-signature%%%" for name in signed.headers}
    request = build_request(BODY, garbled, url=signed.url.split("?")[0], received_at=INSTANT)
    with pytest.raises(SignatureRejected):
        get_provider(provider).verify(request, SECRETS[provider])


@pytest.mark.parametrize(
    ("provider", "body"),
    [(provider, b"this is not json") for provider in PROVIDERS]
    + [  # what a form-encoded delivery (say, from a custom payload template) would be
        ("stripe", b"id=evt_1&type=charge.refunded"),
        ("calcom", b"triggerEvent=BOOKING_CREATED&uid=1"),
        ("zoom", b"event=meeting.ended"),
        ("typeform", b"form_response=1"),
        ("woocommerce", b"id=727&status=processing"),
    ],
)
def test_a_signed_body_that_is_not_json_is_a_payload_error(provider: str, body: bytes) -> None:
    request = SIGNERS[provider](body, at=INSTANT)
    assert get_provider(provider).handshake(request, SECRETS[provider]) is None
    with pytest.raises(PayloadRejected, match="not valid JSON"):
        harness.receive(get_provider(provider), request, SECRETS[provider])


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
    request = SIGNERS[provider](json.dumps(value).encode(), at=INSTANT)
    harness.event_or_payload_error(get_provider(provider), request, SECRETS[provider], replies=True)


@pytest.mark.parametrize("provider", PROVIDERS)
@settings(max_examples=100, deadline=None)
@given(body=st.binary(max_size=300))
def test_any_signed_bytes_are_an_event_a_reply_or_a_payload_error(
    provider: str, body: bytes
) -> None:
    if provider == "beehiiv":  # Standard Webhooks signs text: arbitrary bytes cannot be signed
        body = body.decode("utf-8", "replace").encode()
    handler, request, secret = (
        get_provider(provider),
        SIGNERS[provider](body, at=INSTANT),
        SECRETS[provider],
    )
    if provider == "stripe" and not is_utf8(body):
        # Stripe signs text: a body that is not UTF-8 cannot carry its signature.
        harness.assert_refused(handler, request, secret, "UTF-8")
        return
    harness.event_or_payload_error(handler, request, secret, replies=provider in REPLYING)


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize(
    "body", [b"[" * 100_000, b'{"id": NaN, "type": "x"}', b'{"created": Infinity}']
)
def test_hostile_json_is_a_payload_error(provider: str, body: bytes) -> None:
    request = SIGNERS[provider](body, at=INSTANT)
    assert get_provider(provider).handshake(request, SECRETS[provider]) is None
    with pytest.raises(PayloadRejected):
        harness.receive(get_provider(provider), request, SECRETS[provider])


# Instants no test run will be near: a check reading the wall clock instead of the request's
# received_at would refuse every delivery signed at them.
LONG_AGO = datetime(2001, 9, 9, 1, 46, 40, tzinfo=UTC)
FAR_AHEAD = datetime(2101, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("provider", ["stripe", "beehiiv"])  # Stripe's library, Standard Webhooks
@pytest.mark.parametrize("instant", [INSTANT, LONG_AGO, FAR_AHEAD])
def test_the_timestamp_is_checked_against_the_time_received(
    provider: str, instant: datetime
) -> None:
    signed = SIGNERS[provider](BODY, at=instant)
    get_provider(provider).verify(signed, SECRETS[provider])
    for late in (timedelta(seconds=301), timedelta(seconds=-301)):
        stale = dataclasses.replace(signed, received_at=instant + late)
        with pytest.raises(SignatureRejected, match="300 s"):
            get_provider(provider).verify(stale, SECRETS[provider])


@pytest.mark.parametrize("value", ["nan", "inf", "-5", "1e400"])
def test_impossible_timestamps_are_refused_not_crashed(value: str) -> None:
    with pytest.raises(SignatureRejected, match="not a Unix timestamp"):
        check_timestamp(value, INSTANT, 300, header="X-Test-Timestamp")


@pytest.mark.parametrize("value", [float("nan"), 1e300, -1e300])
def test_impossible_times_in_payloads_are_payload_errors(value: float) -> None:
    with pytest.raises(PayloadRejected):
        parse_time(value, "created")
