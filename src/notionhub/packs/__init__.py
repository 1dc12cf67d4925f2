"""Packs: automations grouped by business, each its Notion models and its flows.

A pack is registered by adding one line to ``_PACK_MODULES``; its module exposes ``PACK``.
A flow is a function of one event and a ``FlowContext``; it runs inside a durable step, may run
more than once (steps are at-least-once), and so writes only through upserts by key.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fnmatch import fnmatchcase

from sqlalchemy import Engine

from notionhub.errors import ConfigurationError
from notionhub.ingest.event import Event
from notionhub.notion.gateway import NotionGateway
from notionhub.notion.records import Records
from notionhub.notion.schema import NotionModel
from notionhub.settings import Settings

_PACK_MODULES = {
    "coaching": "notionhub.packs.coaching",
    "echo": "notionhub.packs.echo",
}


@dataclass(frozen=True)
class FlowContext:
    """What a flow may use: typed upserts and reads, the gateway for anything else, the hub
    database for a pack's own tables, the settings, and the clock."""

    records: Records
    gateway: NotionGateway
    engine: Engine
    settings: Settings
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


# A flow returns a one-line account of what it did (for the event's history), or None.
Flow = Callable[[Event, FlowContext], str | None]
Upkeep = Callable[[FlowContext], str | None]


@dataclass(frozen=True)
class Pack:
    """A named set of Notion databases (models) and the automations that keep them."""

    name: str
    description: str
    models: tuple[type[NotionModel], ...]
    # "provider:type" patterns (shell-style: "stripe:charge.*", "*") → the flow to run.
    flows: Mapping[str, Flow] = field(default_factory=dict)
    # Work that follows events rather than one event (recomputing a dashboard): run after
    # events were processed, at most every NOTIONHUB_UPKEEP_SECONDS, and at least hourly.
    upkeep: Upkeep | None = None

    def flows_for(self, event: Event) -> list[Flow]:
        """The flows whose pattern matches ``provider:type`` of the event, in declared order."""
        name = f"{event.provider}:{event.type}"
        return [flow for pattern, flow in self.flows.items() if fnmatchcase(name, pattern)]


def pack_names() -> list[str]:
    return sorted(_PACK_MODULES)


def load_pack(name: str) -> Pack:
    """The pack called ``name``; a clear error listing the known ones otherwise."""
    module_name = _PACK_MODULES.get(name.strip())
    if module_name is None:
        raise ConfigurationError(
            f"Unknown pack {name!r}: known packs are {', '.join(pack_names())}."
        )
    pack: Pack = importlib.import_module(module_name).PACK
    return pack


def load_packs(names: str | list[str]) -> list[Pack]:
    """Packs from a comma-separated list (``NOTIONHUB_PACKS``) or a list of names."""
    wanted = names.split(",") if isinstance(names, str) else names
    return [load_pack(name) for name in wanted if name.strip()]
