"""Rich text arrays: validate what clients send and render it the way the API answers.

Accepted items: ``{"text": {...}}``, ``{"mention": {...}}`` or ``{"equation": {...}}``, with or
without ``"type"``, with partial ``annotations``. Already rendered items are accepted too (their
``plain_text`` and ``href`` are recomputed), so normalizing is idempotent. Limits are Notion's:
100 items per array, 2000 characters of text content or link URL, 1000 of an equation, all
counted in UTF-16 code units like Notion does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from notionhub.localnotion.api.fields import (
    UNDEFINED,
    fail,
    reject_unknown_keys,
    require_bool,
    require_choice,
    require_dict,
    require_key,
    require_list,
    require_str,
    require_url,
)
from notionhub.localnotion.rich_text.mentions import RenderedMention, render_mention

MAX_ITEMS = 100
MAX_TEXT_LENGTH = 2000
MAX_URL_LENGTH = 2000
MAX_EQUATION_LENGTH = 1000

_HUES = ("gray", "brown", "orange", "yellow", "green", "blue", "purple", "pink", "red")
COLORS: tuple[str, ...] = ("default", *_HUES, *(f"{hue}_background" for hue in _HUES))
"""Notion's text and block colors."""

_FLAGS = ("bold", "italic", "strikethrough", "underline", "code")
_RESPONSE_ONLY_KEYS = ("plain_text", "href")
"""Item keys the API answers with; sent back by clients that copy items, recomputed here."""


def default_annotations() -> dict[str, Any]:
    return {flag: False for flag in _FLAGS} | {"color": "default"}


def normalize_color(value: object, field: str) -> str:
    return require_choice(value, field, COLORS)


def _annotations(value: object, field: str) -> dict[str, Any]:
    given = require_dict(value, field)
    reject_unknown_keys(given, (*_FLAGS, "color"), field)
    annotations = default_annotations()
    for flag in _FLAGS:
        if flag in given:
            annotations[flag] = require_bool(given[flag], f"{field}.{flag}")
    if "color" in given:
        annotations["color"] = normalize_color(given["color"], field + ".color")
    return annotations


def _text(value: object, field: str) -> RenderedMention:
    body = require_dict(value, field)
    reject_unknown_keys(body, ("content", "link"), field)
    content = require_str(
        require_key(body, "content", field), field + ".content", max_length=MAX_TEXT_LENGTH
    )
    link = body.get("link")
    if link is None:
        return RenderedMention({"content": content, "link": None}, content, None)
    link_body = require_dict(link, field + ".link")
    reject_unknown_keys(link_body, ("url",), field + ".link")
    url = require_url(require_key(link_body, "url", field + ".link"), field + ".link.url")
    return RenderedMention({"content": content, "link": {"url": url}}, content, url)


def _equation(value: object, field: str) -> RenderedMention:
    body = require_dict(value, field)
    reject_unknown_keys(body, ("expression",), field)
    expression = require_str(
        require_key(body, "expression", field),
        field + ".expression",
        max_length=MAX_EQUATION_LENGTH,
    )
    return RenderedMention({"expression": expression}, expression, None)


ITEM_TYPES: dict[str, Callable[[object, str], RenderedMention]] = {
    "text": _text,
    "mention": render_mention,
    "equation": _equation,
}
"""Rich text item type → renderer of its body, plain text and href."""


def _item_type(item: dict[str, Any], field: str) -> str:
    kind = item.get("type", UNDEFINED)
    if kind is UNDEFINED:
        present = [key for key in ITEM_TYPES if key in item]
        # Notion's union check reports the first alternative when nothing matches.
        kind = present[0] if present else "text"
    kind = require_choice(kind, field + ".type", list(ITEM_TYPES))
    if kind not in item:
        raise fail(f"{field}.{kind}", "defined", UNDEFINED)
    return kind


def normalize_item(value: object, field: str) -> dict[str, Any]:
    """One rich text item, rendered as the API returns it."""
    item = require_dict(value, field)
    kind = _item_type(item, field)
    reject_unknown_keys(item, ("type", kind, "annotations", *_RESPONSE_ONLY_KEYS), field)
    rendered = ITEM_TYPES[kind](item[kind], f"{field}.{kind}")
    annotations = item.get("annotations")
    return {
        "type": kind,
        kind: rendered.body,
        "annotations": (
            default_annotations()
            if annotations is None
            else _annotations(annotations, field + ".annotations")
        ),
        "plain_text": rendered.plain_text,
        "href": rendered.href,
    }


def normalize_rich_text(value: object, field: str) -> list[dict[str, Any]]:
    """The array as the API renders it; ``ValidationFailed`` naming ``field`` if not valid."""
    items = require_list(value, field, max_items=MAX_ITEMS)
    return [normalize_item(item, f"{field}[{index}]") for index, item in enumerate(items)]


def plain_text(rich_text: list[dict[str, Any]]) -> str:
    """The text a reader sees: the items' ``plain_text`` joined."""
    return "".join(str(item.get("plain_text", "")) for item in rich_text)
