"""Report pages from a small document model: headings, paragraphs, lists, tables, callouts.

Notion takes at most 100 children per request and two levels of nesting: a document of any
size is written as one page create (with the first 100 blocks) and then appends of 100.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from notionhub.notion.gateway import NotionGateway
from notionhub.notion.schema.text import split_text

MAX_CHILDREN = 100
MAX_RICH_TEXT_ITEMS = 100
Block = dict[str, Any]


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: Sequence[str]


@dataclass(frozen=True)
class Table:
    header: Sequence[str]
    rows: Sequence[Sequence[str]]


@dataclass(frozen=True)
class Callout:
    text: str
    emoji: str = "💡"


Element = Heading | Paragraph | Bullets | Table | Callout


@dataclass(frozen=True)
class Document:
    title: str
    elements: Sequence[Element] = field(default_factory=tuple)


def rich_text(text: str) -> list[dict[str, Any]]:
    """Plain text as rich-text items of at most 2,000 characters each."""
    return [{"type": "text", "text": {"content": part}} for part in split_text(text)]


def _text_blocks(kind: str, text: str, **extra: Any) -> list[Block]:
    """One block, or several when the text needs more than 100 rich-text items."""
    items = rich_text(text) or []
    chunks = [items[i : i + MAX_RICH_TEXT_ITEMS] for i in range(0, len(items), MAX_RICH_TEXT_ITEMS)]
    return [{"type": kind, kind: {"rich_text": chunk, **extra}} for chunk in chunks or [[]]]


def to_blocks(element: Element) -> list[Block]:
    """The Notion blocks of one document element."""
    if isinstance(element, Heading):
        level = min(max(element.level, 1), 3)
        return _text_blocks(f"heading_{level}", element.text)
    if isinstance(element, Paragraph):
        return _text_blocks("paragraph", element.text)
    if isinstance(element, Bullets):
        return [b for item in element.items for b in _text_blocks("bulleted_list_item", item)]
    if isinstance(element, Callout):
        return _text_blocks("callout", element.text, icon={"type": "emoji", "emoji": element.emoji})
    width = max(1, len(element.header), *(len(row) for row in element.rows))
    rows = [list(element.header), *[list(row) for row in element.rows]]
    table_rows = [
        {"type": "table_row", "table_row": {"cells": [rich_text(c) for c in padded]}}
        for padded in ([*row, *[""] * (width - len(row))] for row in rows)
    ]
    table = {
        "table_width": width,
        "has_column_header": bool(element.header),
        "has_row_header": False,
    }
    return [{"type": "table", "table": {**table, "children": table_rows}}]


def create_report_page(gateway: NotionGateway, parent_page_id: str, document: Document) -> str:
    """Write ``document`` as a new page under ``parent_page_id``; returns the page id."""
    blocks = [block for element in document.elements for block in to_blocks(element)]
    first, rest = blocks[:MAX_CHILDREN], blocks[MAX_CHILDREN:]
    page = gateway.create_page(
        {
            "parent": {"page_id": parent_page_id},
            "properties": {"title": {"title": rich_text(document.title)}},
            "children": [_shallow(block) for block in first],
        }
    )
    _finish_shallow(gateway, page["id"], first)
    append_blocks(gateway, page["id"], rest)
    return str(page["id"])


def append_blocks(gateway: NotionGateway, parent_id: str, blocks: Sequence[Block]) -> None:
    """Append blocks of any size and depth: 100 per request, deeper levels after their parent."""
    for start in range(0, len(blocks), MAX_CHILDREN):
        chunk = blocks[start : start + MAX_CHILDREN]
        answer = gateway.append_children(parent_id, [_shallow(block) for block in chunk])
        for original, created in zip(chunk, answer["results"], strict=True):
            _append_rest(gateway, original, created["id"])


def _children(block: Block) -> list[Block]:
    children: list[Block] = block[block["type"]].get("children") or []
    return children


def _shallow(block: Block) -> Block:
    """The block as one request carries it: its first 100 children, without theirs."""
    children = _children(block)
    if not children:
        return block
    body = dict(block[block["type"]])
    body["children"] = [_without_children(child) for child in children[:MAX_CHILDREN]]
    return {**block, block["type"]: body}


def _without_children(block: Block) -> Block:
    body = {k: v for k, v in block[block["type"]].items() if k != "children"}
    return {**block, block["type"]: body}


def _append_rest(gateway: NotionGateway, original: Block, created_id: str) -> None:
    """What ``_shallow`` left out of a created block: its children past 100, and theirs."""
    children = _children(original)
    if len(children) > MAX_CHILDREN:
        append_blocks(gateway, created_id, children[MAX_CHILDREN:])
    _append_grandchildren(gateway, created_id, children[:MAX_CHILDREN])


def _append_grandchildren(gateway: NotionGateway, parent_id: str, sent: Sequence[Block]) -> None:
    """``sent`` were created under ``parent_id`` without their children: append those now."""
    if not any(_children(child) for child in sent):
        return
    created = list(gateway.list_children(parent_id))[: len(sent)]
    for original, block in zip(sent, created, strict=True):
        if _children(original):
            append_blocks(gateway, block["id"], _children(original))


def _finish_shallow(gateway: NotionGateway, parent_id: str, sent: Sequence[Block]) -> None:
    """``sent`` were created under ``parent_id`` by ``_shallow``: complete each of them."""
    if not any(_children(block) for block in sent):
        return
    created = list(gateway.list_children(parent_id))[: len(sent)]
    for original, block in zip(sent, created, strict=True):
        _append_rest(gateway, original, block["id"])
