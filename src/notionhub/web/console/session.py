"""The console's session: a signed cookie holding a CSRF token, whether its holder signed in, and
with which key (its name and role, never the key).

The cookie is ``payload.signature``: the payload is base64url JSON, the signature HMAC-SHA256
of it. The key is derived from ``INTERNAL_API_KEY`` when one is set (so every hub of one
deployment reads the others' sessions, and changing the key signs everyone out); without a
key it is random per process (the console then answers this machine only, and a restart only
costs a reload). Nothing secret is in the payload: the signature keeps it from being forged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, replace

from pydantic import SecretStr

COOKIE = "notionhub_console"
LIFETIME_SECONDS = 12 * 3600
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class Session:
    """One browser's session: its CSRF token, signed in or not (with which key: its name and
    role), and when it ends (Unix s)."""

    csrf: str
    signed_in: bool
    expires: float
    key_name: str | None = None
    role: str | None = None

    def signed_in_now(self, now: float, key_name: str, role: str) -> Session:
        """The session after a sign-in: a new CSRF token (none known before sign-in lives on)."""
        return replace(fresh_session(now), signed_in=True, key_name=key_name, role=role)

    def accepts(self, token: str | None) -> bool:
        """True when ``token`` (a form's ``csrf_token``) is this session's."""
        return token is not None and hmac.compare_digest(token.encode(), self.csrf.encode())


def fresh_session(now: float) -> Session:
    return Session(csrf=secrets.token_urlsafe(24), signed_in=False, expires=now + LIFETIME_SECONDS)


class SessionSigner:
    """Writes sessions into cookie values and reads them back, refusing forged or old ones."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    @classmethod
    def for_key(cls, internal_api_key: SecretStr | None) -> SessionSigner:
        if internal_api_key is not None and internal_api_key.get_secret_value():
            secret = internal_api_key.get_secret_value().encode()
            return cls(hmac.new(secret, b"notionhub console session", hashlib.sha256).digest())
        return cls(secrets.token_bytes(32))

    def dump(self, session: Session) -> str:
        body = {
            "c": session.csrf,
            "s": session.signed_in,
            "e": int(session.expires),
            "n": session.key_name,
            "r": session.role,
        }
        payload = _b64(json.dumps(body, separators=(",", ":")).encode())
        return f"{payload}.{self._sign(payload)}"

    def load(self, value: str | None, now: float) -> Session | None:
        """The session in the cookie ``value``; None when absent, forged, malformed or expired."""
        if not value or value.count(".") != 1:
            return None
        payload, signature = value.split(".")
        if not hmac.compare_digest(signature.encode(), self._sign(payload).encode()):
            return None
        try:
            body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            name, role = body.get("n"), body.get("r")
            session = Session(
                str(body["c"]),
                body["s"] is True,
                float(body["e"]),
                key_name=name if isinstance(name, str) else None,
                role=role if isinstance(role, str) else None,
            )
        except (ValueError, KeyError, TypeError):
            return None
        return session if session.expires > now else None

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")
