"""What a pack's HTTP routes use from the hub, without importing the hub's HTTP layer.

The hub puts a ``PackHost`` on ``app.state.pack_host``; these functions reach it through the
request:

- ``receive_webhook(provider, request)``: verify, parse and store a delivery exactly as
  ``POST /hooks/{provider}`` does (202 once stored);
- ``requires(permission)``: the hub's authentication and roles (docs/roles.md), a dependency
  for a route that needs ``permission`` (one of ``notionhub.roles.PERMISSIONS``): a bearer key
  whose role grants it, or a caller on this machine when no key is configured;
- ``operator_only``: ``requires("packs:admin")``, for routes that declare no permission of
  their own (admins only);
- ``pack_context(request, pack)``: the flow context of an enabled pack, for routes that read or
  write its tables, records or state machines.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from fastapi import Request
from fastapi.responses import Response

from notionhub.packs.pack import FlowContext
from notionhub.roles import PERMISSIONS

__all__ = ["PackHost", "operator_only", "pack_context", "receive_webhook", "requires"]


class PackHost(Protocol):
    """The hub, as packs' routes see it."""

    async def receive(self, provider: str, request: Request) -> Response:
        """Take in one delivery of ``provider`` (answers 202 once stored)."""

    async def authorize(self, request: Request, permission: str) -> None:
        """Refuse (401/403) a caller whose key's role does not grant ``permission``."""

    def flow_context(self, pack: str) -> FlowContext:
        """The flow context of the enabled pack ``pack``."""


def _host(request: Request) -> PackHost:
    host: PackHost = request.app.state.pack_host
    return host


async def receive_webhook(provider: str, request: Request) -> Response:
    return await _host(request).receive(provider, request)


def requires(permission: str) -> Callable[[Request], Awaitable[None]]:
    """A dependency refusing callers whose role lacks ``permission`` (401/403)."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")

    async def authorized(request: Request) -> None:
        await _host(request).authorize(request, permission)

    authorized.permission = permission  # type: ignore[attr-defined]  # read by docs and tests
    return authorized


operator_only = requires("packs:admin")


def pack_context(request: Request, pack: str) -> FlowContext:
    return _host(request).flow_context(pack)
