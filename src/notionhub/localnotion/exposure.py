"""Who may reach a local Notion server beyond this machine, and with which token.

The default token (``local-notion-token``) is published in these docs, and ``/_admin`` (request
counts, injected faults, webhook subscriptions with their verification tokens) asks for no key
on a test server. Both are fine on loopback and wrong on a network. So a server that listens
beyond loopback gets a token of its own, generated once and kept in its data folder (readable
by its owner only, ``notionhub notion-token`` prints it), and its ``/_admin`` asks for a token
it accepts (``AdminNeedsToken``).
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import secrets
from collections.abc import Sequence
from pathlib import Path

from starlette.responses import JSONResponse
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from notionhub.errors import Unauthorized

TOKEN_FILE = "api-token"  # in the server's data folder, mode 0600
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` (a client's address, or a name) is this machine's loopback."""
    if not host:
        return False
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def listens_beyond_loopback(host: str) -> bool:
    """Whether a server bound to ``host`` is reachable from other machines (``0.0.0.0``, ``::``,
    an interface's address or a name other than localhost)."""
    return not is_loopback(host)


def generated_token(data_dir: Path) -> str:
    """The token generated for the server over ``data_dir``: read, or made on first need.

    Random (256 bits), in ``data_dir/api-token`` readable and writable by its owner only.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / TOKEN_FILE
    token = "lntok_" + secrets.token_urlsafe(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)  # copied in with looser rights: close them again
        existing = path.read_text().strip()
        if existing:
            return existing
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
    with os.fdopen(fd, "w") as file:
        os.fchmod(file.fileno(), 0o600)
        file.write(token + "\n")
    return token


class AdminNeedsToken:
    """``app`` (a local Notion server) with ``/_admin`` asking for a bearer token it accepts."""

    def __init__(self, app: ASGIApp, tokens: Sequence[str]) -> None:
        self.app = app
        self.tokens = frozenset(token for token in tokens if token)
        self.routes: Sequence[BaseRoute] = getattr(app, "routes", [])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and str(scope["path"]).startswith("/_admin"):
            headers = dict(scope.get("headers") or [])
            scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
            if scheme.lower() != "bearer" or not self._accepts(token.strip()):
                refused = Unauthorized(
                    "The admin API of a local Notion server reachable from other machines"
                    " asks for its token: send Authorization: Bearer <token>"
                    " (`notionhub notion-token --data <its data folder>` prints it)."
                )
                response = JSONResponse(refused.to_body(), status_code=refused.status)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _accepts(self, given: str) -> bool:
        return any(hmac.compare_digest(given.encode(), token.encode()) for token in self.tokens)
