"""The ``icon`` and ``cover`` of pages, databases and data sources, checked as Notion does.

An icon is an emoji, an external image or an uploaded file (the shapes a callout's icon
takes), a cover an external image or an uploaded file (``files.sources``); ``null``
clears either.
"""

from __future__ import annotations

from typing import Any

from notionhub.localnotion.api.fields import (
    reject_unknown_keys,
    require_choice,
    require_dict,
    require_key,
)
from notionhub.localnotion.blocks.bodies import parse_external, parse_icon
from notionhub.localnotion.files.sources import SOURCE_TYPES, parse_file_source


def optional_icon(value: object, where: str) -> dict[str, Any] | None:
    """An emoji, an external image, an uploaded file, or null (see ``parse_icon``)."""
    return None if value is None else parse_icon(value, where)


def optional_cover(value: object, where: str) -> dict[str, Any] | None:
    """``{"type": "external", "external": {"url"}}``, an uploaded file, or null."""
    if value is None:
        return None
    body = require_dict(value, where)
    kind = require_choice(
        body.get("type", "external"), where + ".type", ["external", *SOURCE_TYPES]
    )
    reject_unknown_keys(body, ("type", kind), where)
    if kind in SOURCE_TYPES:
        return parse_file_source(kind, require_key(body, kind, where), f"{where}.{kind}")
    external = parse_external(require_key(body, "external", where), where + ".external")
    return {"type": "external", "external": external}


def icon_and_cover_changes(
    body: dict[str, Any], keys: tuple[str, ...] = ("icon", "cover")
) -> dict[str, Any]:
    """The checked values of those of ``keys`` an update's body sets (null among them)."""
    parsers = {"icon": optional_icon, "cover": optional_cover}
    return {key: parsers[key](body[key], f"body.{key}") for key in keys if key in body}
