"""The contract of a provider module, and the signature arithmetic they share.

A provider verifies first, parses second. ``handshake`` runs before either, for the one-time
requests some providers send unsigned (Notion's verification token, WooCommerce's ping).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
from abc import ABC, abstractmethod
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import ValidationError

from notionhub.errors import PayloadRejected, SignatureRejected
from notionhub.ingest.event import Event, Reply, WebhookRequest
from notionhub.ingest.payload_limits import check_event_key, check_json_limits

# The one tolerance of every scheme that signs a time: a request signed more than this many
# seconds before or after the hub received it is refused (401), the same window on both sides
# (docs/ingest-limits.md). Providers keep it; tests/ingest/test_tolerance.py checks they do.
DEFAULT_TOLERANCE_S = 300


class Provider(ABC):
    """One provider's webhook scheme: its secret variable, signature check and payload parser."""

    name: ClassVar[str]  # the {provider} of POST /hooks/{provider}
    secret_env: ClassVar[
        str
    ]  # the environment variable holding the secret, e.g. STRIPE_WEBHOOK_SECRET
    tolerance_s: ClassVar[int] = DEFAULT_TOLERANCE_S

    def handshake(self, request: WebhookRequest, secret: str | None) -> Reply | None:
        """A reply to an unsigned one-time request, or None for an ordinary delivery."""
        del request, secret
        return None

    @abstractmethod
    def verify(self, request: WebhookRequest, secret: str) -> None:
        """Raise ``SignatureRejected`` unless the request is signed with ``secret`` (and fresh)."""

    @abstractmethod
    def parse(self, request: WebhookRequest, secret: str) -> Event | Reply:
        """The typed event of a verified request (or a direct reply); ``PayloadRejected`` if not."""

    def event(
        self,
        *,
        type: str,
        idempotency_key: str,
        entity_key: str | None,
        occurred_at: datetime,
        data: dict[str, Any],
    ) -> Event:
        """This provider's ``Event``; over-long keys are shortened to a stable digest form.

        ``PayloadRejected`` when a key holds a control character or a lone surrogate (checked
        before shortening, so the refusal does not depend on the key's length).
        """
        check_event_key(type, "type")
        check_event_key(idempotency_key, "id")
        if entity_key:
            check_event_key(entity_key, "entity key")
        try:
            return Event(
                provider=self.name,
                type=bounded(type, 200),
                idempotency_key=bounded(idempotency_key, 300),
                entity_key=bounded(entity_key, 300) if entity_key else None,
                occurred_at=occurred_at,
                data=data,
            )
        except ValidationError as error:
            problem = error.errors()[0]
            where = ".".join(str(part) for part in problem["loc"])
            raise PayloadRejected(f"The event's {where} is invalid: {problem['msg']}.") from None


def bounded(text: str, limit: int) -> str:
    """``text`` if it fits, else its start and a digest of the whole: stable and distinct."""
    if len(text) <= limit:
        return text
    return text[: limit - 41] + ":" + hashlib.sha256(text.encode()).hexdigest()[:40]


def require_header(request: WebhookRequest, name: str) -> str:
    """The header's value; ``SignatureRejected`` naming it when it is missing."""
    value = request.header(name)
    if value is None:
        raise SignatureRejected(f"Missing {name} header.")
    return value


def hmac_sha256(secret: str | bytes, message: bytes) -> bytes:
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, message, hashlib.sha256).digest()


def same_hex_digest(expected: bytes, given: str) -> bool:
    """Constant-time compare of a digest with a hex string (any case); False if not hex."""
    try:
        given_bytes = bytes.fromhex(given.strip())
    except ValueError:
        return False
    return hmac.compare_digest(expected, given_bytes)


def same_base64_digest(expected: bytes, given: str) -> bool:
    """Constant-time compare of a digest with a base64 string; False if not base64."""
    try:
        given_bytes = base64.b64decode(given.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    return hmac.compare_digest(expected, given_bytes)


def check_timestamp(value: str, now: datetime, tolerance_s: int, *, header: str) -> datetime:
    """A Unix timestamp (seconds, or milliseconds when over 10^12) within the tolerance of now."""
    try:
        number = float(value)
    except ValueError:
        raise SignatureRejected(f"{header} is not a Unix timestamp.") from None
    if not math.isfinite(number) or number < 0:
        raise SignatureRejected(f"{header} is not a Unix timestamp.")
    if number > 1e12:
        number /= 1000
    skew = abs(now.timestamp() - number)
    if skew > tolerance_s:
        raise SignatureRejected(
            f"{header} is {int(skew)} s away from now; the limit is {tolerance_s} s."
        )
    return datetime.fromtimestamp(number, tz=UTC)


def json_value(body: bytes) -> Any:
    """The body as JSON; ``PayloadRejected`` with the parser's reason otherwise.

    NaN and Infinity are refused (they are not JSON), and so is whatever a later stage could
    not handle (``payload_limits``): nesting over 64 levels, lone surrogates, numbers over 1e308.
    """
    try:
        value = json.loads(body, parse_constant=_refuse_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError) as error:
        raise PayloadRejected(f"The body is not valid JSON: {error}.") from None
    except RecursionError:
        raise PayloadRejected("The body is nested too deeply.") from None
    check_json_limits(value, body)
    return value


def json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object; ``PayloadRejected`` with the reason otherwise."""
    value = json_value(body)
    if not isinstance(value, dict):
        raise PayloadRejected("The body should be a JSON object.")
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def required(data: dict[str, Any], *path: str) -> Any:
    """``data[path[0]][path[1]]…``; ``PayloadRejected`` naming the missing field."""
    value: Any = data
    for depth, key in enumerate(path):
        if not isinstance(value, dict) or value.get(key) in (None, ""):
            raise PayloadRejected(f"The body has no {'.'.join(path[: depth + 1])}.")
        value = value[key]
    return value


def parse_time(value: Any, field: str) -> datetime:
    """An ISO 8601 string or a Unix timestamp (s or ms) as an aware datetime."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            number = float(value) / 1000 if value > 1e12 else float(value)
            return datetime.fromtimestamp(number, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise PayloadRejected(f"{field} is not a possible time: {value!r}.") from None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise PayloadRejected(f"{field} is not a date and time: {value!r}.") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise PayloadRejected(f"{field} is not a date and time.")


def body_digest(body: bytes) -> str:
    """A stable id for a provider that sends none: the SHA-256 of the body, hex, 32 chars."""
    return hashlib.sha256(body).hexdigest()[:32]
