"""What the hub's routes share: settings, metrics, the runtime and the intake (on app.state)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
from fastapi import Request

from notionhub.ingest.registry import ProviderRegistry
from notionhub.metrics import Metrics
from notionhub.queue.intake import Intake
from notionhub.queue.runtime import Runtime
from notionhub.queue.store import EventStore
from notionhub.settings import Settings


@dataclass
class HubState:
    settings: Settings
    metrics: Metrics
    runtime: Runtime
    # The providers deliveries are taken from: built-in ones and the enabled packs' ones.
    providers: ProviderRegistry = field(default_factory=ProviderRegistry)
    intake: Intake | None = None
    # `serve --workers`: the state of each worker child (``WorkerPool.status``); None without.
    workers: Callable[[], list[dict[str, Any]]] | None = None
    # When /health/ready last asked Notion, and what it found.
    notion_check: tuple[float, dict[str, Any]] | None = None
    # Bound once: structlog's lazy proxy rebuilds its logger on every call otherwise.
    ingest_log: Any = field(default_factory=lambda: structlog.get_logger("notionhub.ingest").bind())

    @property
    def store(self) -> EventStore:
        if self.runtime.store is None:
            raise RuntimeError("The hub is not started.")
        return self.runtime.store


LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


async def hub_state(request: Request) -> HubState:
    """The hub of the app serving ``request`` (a FastAPI dependency).

    Async on purpose: FastAPI runs a plain function dependency in its thread pool, a thread hop
    per request on the ingest path.
    """
    state: HubState = request.app.state.hub
    return state
