"""Packs: automations grouped by business, each its Notion models (and, later, its flows).

A pack is registered by adding one line to ``_PACK_MODULES``; its module exposes ``PACK``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from notionhub.errors import ConfigurationError
from notionhub.notion.schema import NotionModel

_PACK_MODULES = {
    "echo": "notionhub.packs.echo",
}


@dataclass(frozen=True)
class Pack:
    """A named set of Notion databases (models) and the automations that keep them."""

    name: str
    description: str
    models: tuple[type[NotionModel], ...]


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
