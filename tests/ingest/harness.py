"""What the provider tests share: stored example deliveries, receiving a request as the hub does,
the assertions every provider's tests make, and the JSON that property tests draw from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st

from notionhub.errors import PayloadRejected, SignatureRejected
from notionhub.ingest.event import Event, Reply, WebhookRequest
from notionhub.ingest.provider import Provider

PAYLOADS = Path(__file__).parent / "payloads"


def load_payload(folder: str, name: str, *, as_stored: bool = False) -> bytes:
    """``payloads/{folder}/{name}.json``, without its final newline unless ``as_stored``."""
    stored = (PAYLOADS / folder / f"{name}.json").read_bytes()
    return stored if as_stored else stored.rstrip(b"\n")


def edited_payload(folder: str, name: str, **changes: Any) -> bytes:
    """A stored example with top-level fields changed; fields that are then None are left out."""
    data = json.loads(load_payload(folder, name))
    data.update(changes)
    return json.dumps({k: v for k, v in data.items() if v is not None}).encode()


def receive(provider: Provider, request: WebhookRequest, secret: str) -> Event | Reply:
    """What the hub makes of a request: the handshake's reply, or verified, then parsed."""
    reply = provider.handshake(request, secret)
    if reply is not None:
        return reply
    provider.verify(request, secret)
    return provider.parse(request, secret)


def receive_event(provider: Provider, request: WebhookRequest, secret: str) -> Event:
    event = receive(provider, request, secret)
    assert isinstance(event, Event)
    return event


def assert_refused(
    provider: Provider, request: WebhookRequest, secret: str, match: str | None = None
) -> None:
    """The signature check refuses ``request`` (with a message matching ``match``)."""
    with pytest.raises(SignatureRejected, match=match):
        provider.verify(request, secret)


def assert_payload_refused(
    provider: Provider, request: WebhookRequest, secret: str, match: str
) -> None:
    """``request`` passes the signature check, then its payload is refused as ``match`` says."""
    provider.verify(request, secret)
    with pytest.raises(PayloadRejected, match=match):
        provider.parse(request, secret)


def event_or_payload_error(
    provider: Provider, request: WebhookRequest, secret: str, *, replies: bool = False
) -> Event | None:
    """For a property test: a request correctly signed but with any body at all is this
    provider's event (keyed by it, at a time with a timezone), or a payload error (``None``),
    or, where the provider ``replies``, a direct reply (``None``); never anything else."""
    try:
        result = receive(provider, request, secret)
    except PayloadRejected:
        return None
    if replies and isinstance(result, Reply):
        return None
    assert isinstance(result, Event)
    assert result.provider == provider.name
    assert result.idempotency_key.startswith(f"{provider.name}:")
    assert result.occurred_at.tzinfo is not None
    return result


def _json_values(*, allow_nan: bool) -> st.SearchStrategy[Any]:
    return st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=allow_nan)
        | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
        max_leaves=20,
    )


# Any JSON value; floats include NaN and ±Infinity, which json.dumps writes as bare words.
json_values = _json_values(allow_nan=True)
json_objects = st.dictionaries(st.text(max_size=10), json_values)
# The same without NaN (±Infinity still may be drawn).
finite_json_values = _json_values(allow_nan=False)
