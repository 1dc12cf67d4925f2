"""One tolerance rule for every provider whose signature carries a time: the request's time may
be at most ``DEFAULT_TOLERANCE_S`` (300 s) away from when the hub received it, in either
direction (a delivery from the future is refused like a stale one: a signature made ahead of
time would otherwise be replayable until then). Providers without a signed time (HMAC of the
body, tokens) cannot check one; their redeliveries are caught by the idempotency key."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from datetime import datetime, timedelta
from functools import partial

import pytest

from notionhub.errors import SignatureRejected
from notionhub.ingest.event import WebhookRequest
from notionhub.ingest.fallback_scheme import STANDARD_TOLERANCE_S
from notionhub.ingest.provider import DEFAULT_TOLERANCE_S
from tests.ingest.conftest import INSTANT, build_request
from tests.ingest.signers import SECRETS, SIGNERS, standard
from tests.ingest.test_signatures import PROVIDERS, get_provider

BODY = b'{"id": "evt_1", "type": "x"}'
WHSEC = SECRETS["beehiiv"]  # a Standard Webhooks secret, for the token providers' relay form
# provider → (signer at an instant, secret): every scheme that signs a time.
TIMED = {
    "stripe": (SIGNERS["stripe"], SECRETS["stripe"]),
    "zoom": (SIGNERS["zoom"], SECRETS["zoom"]),
    "hubspot": (SIGNERS["hubspot"], SECRETS["hubspot"]),
    "beehiiv": (SIGNERS["beehiiv"], SECRETS["beehiiv"]),
    **{name: (partial(standard, secret=WHSEC), WHSEC) for name in ("amelia", "circle", "snovio")},
}
LIMIT = timedelta(seconds=DEFAULT_TOLERANCE_S)


def signed_at(provider: str, offset: timedelta) -> WebhookRequest:
    """Signed ``offset`` after INSTANT, received at INSTANT."""
    sign, _ = TIMED[provider]
    return dataclasses.replace(sign(BODY, at=INSTANT + offset), received_at=INSTANT)


def test_every_provider_keeps_the_one_window() -> None:
    assert STANDARD_TOLERANCE_S == DEFAULT_TOLERANCE_S == 300
    assert {get_provider(name).tolerance_s for name in PROVIDERS} == {DEFAULT_TOLERANCE_S}


@pytest.mark.parametrize("provider", TIMED)
@pytest.mark.parametrize("offset", [-LIMIT, timedelta(0), LIMIT])
def test_within_the_window_either_side_is_accepted(provider: str, offset: timedelta) -> None:
    get_provider(provider).verify(signed_at(provider, offset), TIMED[provider][1])


@pytest.mark.parametrize("provider", TIMED)
@pytest.mark.parametrize(
    "offset",
    [
        LIMIT + timedelta(seconds=1),
        -LIMIT - timedelta(seconds=1),
        timedelta(days=1),
        -timedelta(days=1),
        timedelta(days=3653),
    ],
    ids=["just-ahead", "just-behind", "a-day-ahead", "a-day-behind", "ten-years-ahead"],
)
def test_outside_the_window_either_side_is_refused(provider: str, offset: timedelta) -> None:
    with pytest.raises(SignatureRejected):
        get_provider(provider).verify(signed_at(provider, offset), TIMED[provider][1])


@pytest.mark.parametrize("stamp", [10**30, 10**13, 2**63])
def test_a_stripe_time_beyond_any_clock_is_refused(stamp: int) -> None:
    secret = SECRETS["stripe"]
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + BODY, hashlib.sha256).hexdigest()
    request = build_request(
        BODY, {"Stripe-Signature": f"t={stamp},v1={digest}"}, received_at=INSTANT
    )
    with pytest.raises(SignatureRejected, match="timestamp"):
        get_provider("stripe").verify(request, secret)


def test_the_received_time_is_the_reference_not_the_wall_clock() -> None:
    later = datetime(2101, 1, 1, tzinfo=INSTANT.tzinfo)
    request = dataclasses.replace(SIGNERS["stripe"](BODY, at=later), received_at=later)
    get_provider("stripe").verify(request, SECRETS["stripe"])
