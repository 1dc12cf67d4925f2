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
  write its tables, records or state machines;
- ``submit_event(request, event)``: store an event the route made itself (an API call asking
  for work) exactly as a verified delivery is stored: durable before the answer, processed by
  the packs' flows, a redelivery with the same key a duplicate;
- ``audit(request, action, resource, details)``: a write the route made, in the audit log.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from fastapi import Request
from fastapi.responses import Response

from notionhub.ingest.event import Event
from notionhub.packs.pack import FlowContext
from notionhub.roles import PERMISSIONS

__all__ = [
    "PackHost",
    "audit",
    "operator_only",
    "pack_context",
    "receive_webhook",
    "requires",
    "submit_event",
]


class PackHost(Protocol):
    """The hub, as packs' routes see it."""

    async def receive(self, provider: str, request: Request) -> Response:
        """Take in one delivery of ``provider`` (answers 202 once stored)."""

    async def authorize(self, request: Request, permission: str) -> None:
        """Refuse (401/403) a caller whose key's role does not grant ``permission``."""

    def flow_context(self, pack: str) -> FlowContext:
        """The flow context of the enabled pack ``pack``."""

    async def submit(self, event: Event) -> bool:
        """Store an event (True if new, False for a duplicate); 503 when it cannot be."""

    async def audit(self, request: Request, action: str, resource: str, details: str) -> None:
        """Record a write of the caller's in the audit log."""


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


async def submit_event(request: Request, event: Event) -> bool:
    return await _host(request).submit(event)


async def audit(request: Request, action: str, resource: str, details: str = "") -> None:
    await _host(request).audit(request, action, resource, details)
