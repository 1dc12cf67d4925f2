"""What ingest accepts, every later stage can handle: bodies with lone surrogates, nesting over
``MAX_NESTING`` or numbers over 1e308 are refused (400) by every provider, and so are event
keys holding control characters; ordinary text, escaped pairs and ids with slashes pass."""

from __future__ import annotations

import json

import pytest

from notionhub.errors import PayloadRejected
from notionhub.ingest.payload_limits import MAX_NESTING, check_event_key
from notionhub.ingest.provider import json_value
from notionhub.ingest.providers.forms import PROVIDER as FORMS
from notionhub.ingest.providers.stripe import PROVIDER as STRIPE
from tests.ingest import harness
from tests.ingest.conftest import INSTANT
from tests.ingest.signers import SECRETS, SIGNERS
from tests.ingest.test_signatures import PROVIDERS, get_provider


def nested(depth: int) -> bytes:
    """An array ``depth`` levels deep inside an object (so ``depth + 1`` in all)."""
    return b'{"x": ' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b'{"x": "A\\ud800B"}', "lone UTF-16 surrogate"),
        (b'{"x": ["\\udfff"]}', "lone UTF-16 surrogate"),
        (b'{"A\\udc00": 1}', "lone UTF-16 surrogate"),
        ('{"x": "\\ud800"}'.encode("utf-16"), "lone UTF-16 surrogate"),
        (nested(MAX_NESTING), f"more than {MAX_NESTING} levels"),
        (nested(800), f"more than {MAX_NESTING} levels"),
        (b'{"x": 1e400}', "too large"),
        (b'{"x": [-1e400]}', "too large"),
    ],
)
def test_what_a_later_stage_could_not_handle_is_refused(body: bytes, match: str) -> None:
    with pytest.raises(PayloadRejected, match=match):
        json_value(body)


@pytest.mark.parametrize(
    "body",
    [
        nested(MAX_NESTING - 1),
        b'{"x": "\\ud83d\\ude00 and \\u00e9"}',  # an escaped pair is one character
        b'{"x": "\\\\ud800"}',  # an escaped backslash, then text
        '{"x": "\u00e9\u4e2d\U0001f600"}'.encode(),
        b'{"x": 1e308, "y": -1.5e-300, "z": 123456789012345678901234567890}',
    ],
)
def test_what_every_stage_can_handle_passes(body: bytes) -> None:
    assert json_value(body) == json.loads(body)


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b'{"id": "A\\ud800B", "type": "x", "payload": {"s": "\\udc01"}}', "surrogate"),
        (nested(2 * MAX_NESTING), "levels deep"),
    ],
)
def test_every_provider_refuses_them_before_anything_is_stored(
    provider: str, body: bytes, match: str
) -> None:
    if provider == "hubspot":
        body = b"[" + body + b"]"
    request = SIGNERS[provider](body, at=INSTANT)
    with pytest.raises(PayloadRejected, match=match):
        harness.receive(get_provider(provider), request, SECRETS[provider])


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\n", "\x7f", "\x85"])
def test_an_event_id_with_a_control_character_is_refused(char: str) -> None:
    body = json.dumps({"id": f"evt_{char}1", "type": "x", "created": 1_764_000_000}).encode()
    request = SIGNERS["stripe"](body, at=INSTANT)
    STRIPE.verify(request, SECRETS["stripe"])
    with pytest.raises(PayloadRejected, match=f"event's id holds .* U\\+{ord(char):04X}"):
        STRIPE.parse(request, SECRETS["stripe"])


def test_a_form_submission_id_with_a_nul_is_refused_and_slashes_are_kept() -> None:
    def submit(submission_id: str) -> str:
        body = json.dumps({"form": "contact", "submission_id": submission_id, "fields": {}})
        request = SIGNERS["forms"](body.encode(), at=INSTANT)
        return harness.receive_event(FORMS, request, SECRETS["forms"]).idempotency_key

    with pytest.raises(PayloadRejected, match="U\\+0000"):
        submit("a\x00b")
    assert submit("2026/12/05/replay") == "forms:contact:2026/12/05/replay"


def test_a_long_key_is_checked_before_it_is_shortened() -> None:
    with pytest.raises(PayloadRejected, match="U\\+0000"):
        check_event_key("x" * 400 + "\x00", "id")
    check_event_key("stripe:evt_1/with/slashes and spaces, é", "id")
