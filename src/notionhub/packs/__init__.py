"""Packs: automations grouped by business, found as plug-ins (see ``discovery.py``).

This package is the platform packs are written against (``pack.py``: ``Pack``, ``Agent``,
``Schedule``, ``FlowContext``; ``state_machine.py``; ``web.py`` for routes); the built-in packs
live in sub-packages and register through the same entry-point group as any other.
"""

from notionhub.notion.changes import Change
from notionhub.packs.discovery import load_pack, load_packs, pack_names
from notionhub.packs.pack import Agent, Flow, FlowContext, Job, Pack, Reaction, Schedule

__all__ = [
    "Agent",
    "Change",
    "Flow",
    "FlowContext",
    "Job",
    "Pack",
    "Reaction",
    "Schedule",
    "load_pack",
    "load_packs",
    "pack_names",
]
