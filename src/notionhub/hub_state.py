"""What the hub's routes share: settings, metrics, the runtime and the intake (on app.state)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

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
    intake: Intake | None = None

    @property
    def store(self) -> EventStore:
        if self.runtime.store is None:
            raise RuntimeError("The hub is not started.")
        return self.runtime.store


def hub_state(request: Request) -> HubState:
    """The hub of the app serving ``request`` (a FastAPI dependency)."""
    state: HubState = request.app.state.hub
    return state
