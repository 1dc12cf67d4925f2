"""The ``icon`` and ``cover`` of pages, databases and data sources, checked as Notion does.

An icon is an emoji or an external image (the shapes a callout's icon takes), a cover an
external image; ``null`` clears either. Notion-hosted files cannot be written: the local
server hosts none.
"""

from __future__ import annotations

from typing import Any

from notionhub.localnotion.block_bodies import parse_external, parse_icon
from notionhub.localnotion.body_field_checks import (
    reject_unknown_keys,
    require_choice,
    require_dict,
    require_key,
)


def optional_icon(value: object, where: str) -> dict[str, Any] | None:
    """``{"type": "emoji", "emoji"}`` or ``{"type": "external", "external": {"url"}}``, or null."""
    return None if value is None else parse_icon(value, where)


def optional_cover(value: object, where: str) -> dict[str, Any] | None:
    """``{"type": "external", "external": {"url"}}``, or null."""
    if value is None:
        return None
    body = require_dict(value, where)
    require_choice(body.get("type", "external"), where + ".type", ["external"])
    reject_unknown_keys(body, ("type", "external"), where)
    external = parse_external(require_key(body, "external", where), where + ".external")
    return {"type": "external", "external": external}


def icon_and_cover_changes(
    body: dict[str, Any], keys: tuple[str, ...] = ("icon", "cover")
) -> dict[str, Any]:
    """The checked values of those of ``keys`` an update's body sets (null among them)."""
    parsers = {"icon": optional_icon, "cover": optional_cover}
    return {key: parsers[key](body[key], f"body.{key}") for key in keys if key in body}
