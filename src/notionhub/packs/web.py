"""What a pack's HTTP routes use from the hub, without importing the hub's HTTP layer.

The hub puts a ``PackHost`` on ``app.state.pack_host``; these functions reach it through the
request:

- ``receive_webhook(provider, request)``: verify, parse and store a delivery exactly as
  ``POST /hooks/{provider}`` does (202 once stored);
- ``operator_only``: the hub's authentication for operators (bearer ``INTERNAL_API_KEY``, or
  callers on this machine when no key is set), a dependency to add to a router;
- ``pack_context(request, pack)``: the flow context of an enabled pack, for routes that read or
  write its tables, records or state machines.
"""

from __future__ import annotations

from typing import Protocol

from fastapi import Request
from fastapi.responses import Response

from notionhub.packs.pack import FlowContext

__all__ = ["PackHost", "operator_only", "pack_context", "receive_webhook"]


class PackHost(Protocol):
    """The hub, as packs' routes see it."""

    async def receive(self, provider: str, request: Request) -> Response:
        """Take in one delivery of ``provider`` (answers 202 once stored)."""

    async def authorize_operator(self, request: Request) -> None:
        """Refuse (401/403) a caller who is not one of the hub's operators."""

    def flow_context(self, pack: str) -> FlowContext:
        """The flow context of the enabled pack ``pack``."""


def _host(request: Request) -> PackHost:
    host: PackHost = request.app.state.pack_host
    return host


async def receive_webhook(provider: str, request: Request) -> Response:
    return await _host(request).receive(provider, request)


async def operator_only(request: Request) -> None:
    await _host(request).authorize_operator(request)


def pack_context(request: Request, pack: str) -> FlowContext:
    return _host(request).flow_context(pack)
