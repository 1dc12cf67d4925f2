"""Text properties: title and rich_text (plain text, split and joined), email, phone, URL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from notionhub.errors import PropertyValueError
from notionhub.notion.schema.base import PropertySpec, ValueHint, expect, register

__all__ = [
    "MAX_ITEM_UNITS",
    "Email",
    "Phone",
    "RichText",
    "Title",
    "Url",
    "join_text",
    "split_text",
]

MAX_ITEM_UNITS = 2000
"""Notion's limit of one rich-text item's content, counted in UTF-16 code units."""
MAX_ITEMS = 100
"""Notion's limit of items in one rich-text array."""


def _units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def split_text(text: str, limit: int = MAX_ITEM_UNITS) -> list[str]:
    """``text`` in pieces of at most ``limit`` UTF-16 units, never splitting a character."""
    pieces: list[str] = []
    start = 0
    used = 0
    for index, char in enumerate(text):
        width = _units(char)
        if used + width > limit:
            pieces.append(text[start:index])
            start, used = index, 0
        used += width
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def join_text(items: Any) -> str:
    """The plain text of a rich-text array (mentions and equations included).

    Read pages carry ``plain_text``; values as written (the page mirror) carry ``text.content``.
    """
    if not isinstance(items, list):
        raise PropertyValueError(f"a rich-text array was expected, instead was {items!r}.")
    return "".join(_plain(item) for item in items if isinstance(item, dict))


def _plain(item: dict[str, Any]) -> str:
    if "plain_text" in item:
        return str(item["plain_text"] or "")
    text = item.get("text")
    return str(text.get("content") or "") if isinstance(text, dict) else ""


@dataclass(frozen=True)
class _TextSpec(PropertySpec):
    keyable = True

    def encode(self, value: Any, hint: ValueHint) -> Any:
        if value is None:
            return []
        expect(isinstance(value, str), self, "a string", value)
        pieces = split_text(value)
        if len(pieces) > MAX_ITEMS:
            raise PropertyValueError(
                f"{self.name!r} ({self.type}) holds at most {MAX_ITEMS * MAX_ITEM_UNITS} "
                f"UTF-16 units of text, instead had {len(value)} characters."
            )
        return [{"type": "text", "text": {"content": piece}} for piece in pieces]

    def decode(self, inner: Any, hint: ValueHint) -> Any:
        text = join_text(inner)
        return None if not text and hint.optional else text


@register
@dataclass(frozen=True)
class Title(_TextSpec):
    """The title property (exactly one per model) -> ``str``."""

    type = "title"


@register
@dataclass(frozen=True)
class RichText(_TextSpec):
    """A rich_text property, read and written as plain text -> ``str``."""

    type = "rich_text"


@dataclass(frozen=True)
class _StringSpec(PropertySpec):
    """A property whose value is a string or null (email, phone_number, url)."""

    keyable = True

    def encode(self, value: Any, hint: ValueHint) -> Any:
        if value is None or value == "":
            return None
        expect(isinstance(value, str), self, "a string or None", value)
        return value

    def decode(self, inner: Any, hint: ValueHint) -> Any:
        if inner is None:
            return None if hint.optional else ""
        expect(isinstance(inner, str), self, "a string or null", inner)
        return inner


@register
@dataclass(frozen=True)
class Email(_StringSpec):
    """An email property -> ``str | None``."""

    type = "email"


@register
@dataclass(frozen=True)
class Phone(_StringSpec):
    """A phone_number property -> ``str | None``."""

    type = "phone_number"


@register
@dataclass(frozen=True)
class Url(_StringSpec):
    """A url property -> ``str | None``."""

    type = "url"
