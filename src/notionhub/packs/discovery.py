"""Finding packs: the ``notionhub.packs`` entry-point group, built-in packs included.

A distribution offers a pack by naming it in its metadata::

    [project.entry-points."notionhub.packs"]
    coaching = "notionhub.packs.coaching:PACK"

The entry point's name is the pack's name (what ``NOTIONHUB_PACKS`` lists); it loads a ``Pack``.
The hub never names a pack: it enables those the settings list, from what is installed.
"""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points

from notionhub.errors import ConfigurationError
from notionhub.packs.pack import Pack

ENTRY_POINT_GROUP = "notionhub.packs"


def installed_packs() -> dict[str, EntryPoint]:
    """The packs installed in this environment, by name (the first of a name wins)."""
    found: dict[str, EntryPoint] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(entry.name, entry)
    return found


def pack_names() -> list[str]:
    return sorted(installed_packs())


def load_pack(name: str) -> Pack:
    """The pack called ``name``; a clear error listing the installed ones otherwise."""
    name = name.strip()
    entry = installed_packs().get(name)
    if entry is None:
        raise ConfigurationError(
            f"Unknown pack {name!r} in NOTIONHUB_PACKS: installed packs are"
            f" {', '.join(pack_names()) or 'none'}."
        )
    try:
        pack = entry.load()
    except Exception as error:
        raise ConfigurationError(
            f"Pack {name!r} ({entry.value}) could not be loaded: {type(error).__name__}: {error}"
        ) from error
    if not isinstance(pack, Pack):
        raise ConfigurationError(
            f"Pack {name!r} ({entry.value}) is a {type(pack).__name__}, not a notionhub Pack."
        )
    if pack.name != name:
        raise ConfigurationError(
            f"The entry point {name!r} loads a pack that calls itself {pack.name!r}:"
            " the two names must be the same."
        )
    return pack


def load_packs(names: str | list[str]) -> list[Pack]:
    """Packs from a comma-separated list (``NOTIONHUB_PACKS``) or a list of names; each once."""
    wanted = names.split(",") if isinstance(names, str) else names
    unique = list(dict.fromkeys(name.strip() for name in wanted if name.strip()))
    packs = [load_pack(name) for name in unique]
    check_database_names(packs)
    return packs


def check_database_names(packs: list[Pack]) -> None:
    """Two enabled packs may share a database's title, never its name (the hub's key for it)."""
    owners: dict[str, str] = {}
    for pack in packs:
        for model in pack.models:
            name = model.__database__.name
            other = owners.setdefault(name, pack.name)
            if other != pack.name:
                raise ConfigurationError(
                    f"Packs {other!r} and {pack.name!r} both declare a database named {name!r}:"
                    " enable one of them, or give one database another name (its Notion title"
                    " may stay the same: DatabaseSpec(title=...))."
                )
