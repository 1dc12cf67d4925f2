"""One webhook event as Notion sends it, before it is addressed to a subscription.

An event names who acted (``authors``), what it is about (``entity``) and event-specific
``data``; ``envelope`` adds what depends on the subscription and the attempt. Events carry ids,
not content: the receiver reads the page (or data source) to know what it holds now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

API_VERSION = "2025-09-03"

AuthorType = Literal["person", "bot"]

# Notion's event types (2025-09-03); a subscription may name any of them.
EVENT_TYPES = frozenset(
    {
        "page.created",
        "page.properties_updated",
        "page.content_updated",
        "page.moved",
        "page.deleted",
        "page.undeleted",
        "page.locked",
        "page.unlocked",
        "database.created",
        "database.moved",
        "database.deleted",
        "database.undeleted",
        "data_source.created",
        "data_source.content_updated",
        "data_source.schema_updated",
        "data_source.moved",
        "data_source.deleted",
        "data_source.undeleted",
        "comment.created",
        "comment.updated",
        "comment.deleted",
    }
)
# Notion delivers these at once; every other type is aggregated by entity.
NOT_AGGREGATED = frozenset(
    {"page.locked", "page.unlocked", "comment.created", "comment.updated", "comment.deleted"}
)


@dataclass(frozen=True)
class Author:
    """Who made a change: the workspace's person or the integration's bot."""

    id: str
    type: AuthorType

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "type": self.type}


@dataclass
class WebhookEvent:
    """One event: ``data`` holds what the type adds (``parent``, ``updated_properties``, …)."""

    id: str
    timestamp: str
    type: str
    entity_id: str
    entity_type: str
    authors: list[Author]
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The event as stored until delivered (without what depends on the subscription)."""
        return {
            "id": self.id,
            "timestamp": self.timestamp,
            "type": self.type,
            "authors": [author.to_json() for author in self.authors],
            "entity": {"id": self.entity_id, "type": self.entity_type},
            "data": self.data,
        }

    @classmethod
    def from_json(cls, stored: dict[str, Any]) -> WebhookEvent:
        return cls(
            id=str(stored["id"]),
            timestamp=str(stored["timestamp"]),
            type=str(stored["type"]),
            entity_id=str(stored["entity"]["id"]),
            entity_type=str(stored["entity"]["type"]),
            authors=[Author(a["id"], a["type"]) for a in stored["authors"]],
            data=dict(stored["data"]),
        )


@dataclass(frozen=True)
class Workplace:
    """What every event of one workspace says about where it comes from."""

    workspace_id: str
    workspace_name: str
    integration_id: str


def envelope(
    stored: dict[str, Any], workplace: Workplace, subscription_id: str, attempt_number: int
) -> dict[str, Any]:
    """The body of one delivery attempt, in the order of Notion's own payloads."""
    return {
        "id": stored["id"],
        "timestamp": stored["timestamp"],
        "workspace_id": workplace.workspace_id,
        "workspace_name": workplace.workspace_name,
        "subscription_id": subscription_id,
        "integration_id": workplace.integration_id,
        "type": stored["type"],
        "authors": stored["authors"],
        "attempt_number": attempt_number,
        "api_version": API_VERSION,
        "entity": stored["entity"],
        "data": stored["data"],
    }
