"""What a pack's HTTP routes use from the hub: taking in a delivery, and operator checks.

``receive_webhook(provider, request)`` verifies, parses and stores a delivery exactly as
``POST /hooks/{provider}`` does (202 once stored). ``operator_only`` is the hub's authentication
for operators (bearer ``INTERNAL_API_KEY``, or callers on this machine when no key is set): add
it to a router's dependencies. ``pack_context(request, pack)`` is the flow context of a pack, for
routes that read or write its tables, records or state machines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import Request

from notionhub.hub_state import HubState
from notionhub.hub_state import operator as operator_only
from notionhub.ingest.routes import receive_webhook

if TYPE_CHECKING:
    from notionhub.packs.pack import FlowContext

__all__ = ["operator_only", "pack_context", "receive_webhook"]


def pack_context(request: Request, pack: str) -> FlowContext:
    """The flow context of the enabled pack ``pack`` in the hub serving ``request``."""
    hub: HubState = request.app.state.hub
    return hub.runtime.flow_context(pack)
