"""The network pack: a wellness network (retreats, an art shop, a community, a newsletter) run
on sixteen Notion databases, with agents for leads, bookings, tasks, campaigns, community,
content and segments, and workflows as state machines with history (docs/packs/network.md)."""

from __future__ import annotations

from pathlib import Path

from notionhub.packs.network.agents import (
    booking,
    community,
    content,
    lead_capture,
    marketing,
    segmentation,
    task_management,
)
from notionhub.packs.network.machines import MACHINES
from notionhub.packs.network.models import MODELS
from notionhub.packs.network.routes import router
from notionhub.packs.network.seeds import seed_network
from notionhub.packs.network.settings import NetworkSettings
from notionhub.packs.network.snovio import PROVIDER as SNOVIO
from notionhub.packs.network.tables import metadata
from notionhub.packs.pack import Agent, FlowContext, Job, Pack

AGENTS: tuple[Agent, ...] = (
    lead_capture.AGENT,
    booking.AGENT,
    task_management.AGENT,
    marketing.AGENT,
    community.AGENT,
    content.AGENT,
    segmentation.AGENT,
)
# Figures recomputed from the pack's tables after events (at most every NOTIONHUB_UPKEEP_SECONDS),
# so that a burst of events about one row is one write.
REFRESHES: tuple[Job, ...] = (
    marketing.refresh_newsletter,
    community.refresh_community,
)


def _seed(context: FlowContext) -> str:
    return seed_network(context, AGENTS)


def _refresh(context: FlowContext) -> str:
    notes = [refresh(context) for refresh in REFRESHES]
    return "; ".join(note for note in notes if note) or "no change"


PACK = Pack(
    name="network",
    description="A wellness network's contacts, bookings, sales, community, campaigns and"
    " workflows, kept in sixteen databases.",
    models=MODELS,
    agents=AGENTS,
    settings=NetworkSettings,
    tables=metadata,
    migrations=Path(__file__).parent / "migrations",
    router=router,
    machines=MACHINES,
    providers=(SNOVIO,),
    seed=_seed,
    upkeep=_refresh,
)

__all__ = ["AGENTS", "PACK"]
