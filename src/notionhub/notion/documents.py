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
        {
            "type": "table_row",
            "table_row": {"cells": [rich_text(c) for c in [*row, *[""] * (width - len(row))]]},
        }
        for row in rows
    ]
    return [
        {
            "type": "table",
            "table": {
                "table_width": width,
                "has_column_header": bool(element.header),
                "has_row_header": False,
            },
            "_rows": table_rows,
        }
    ]


def create_report_page(gateway: NotionGateway, parent_page_id: str, document: Document) -> str:
    """Write ``document`` as a new page under ``parent_page_id``; returns the page id."""
    blocks = [block for element in document.elements for block in to_blocks(element)]
    first, rest = blocks[:MAX_CHILDREN], blocks[MAX_CHILDREN:]
    page = gateway.create_page(
        {
            "parent": {"page_id": parent_page_id},
            "properties": {"title": {"title": rich_text(document.title)}},
            "children": [_with_rows(block, MAX_CHILDREN) for block in first],
        }
    )
    _append_rows_beyond_first_chunk(gateway, page["id"], first)
    append_blocks(gateway, page["id"], rest)
    return str(page["id"])


def append_blocks(gateway: NotionGateway, parent_id: str, blocks: list[Block]) -> None:
    """Append ``blocks`` in requests of 100; table rows past 100 go to their table after."""
    for start in range(0, len(blocks), MAX_CHILDREN):
        chunk = blocks[start : start + MAX_CHILDREN]
        gateway.append_children(parent_id, [_with_rows(block, MAX_CHILDREN) for block in chunk])
        _append_rows_beyond_first_chunk(gateway, parent_id, chunk)


def _with_rows(block: Block, limit: int) -> Block:
    """A block as sent: a table carries its first ``limit`` rows as children."""
    rows = block.get("_rows")
    clean = {k: v for k, v in block.items() if k != "_rows"}
    if rows is not None:
        clean["table"] = {**clean["table"], "children": rows[:limit]}
    return clean


def _append_rows_beyond_first_chunk(
    gateway: NotionGateway, parent_id: str, sent: list[Block]
) -> None:
    """Tables longer than 100 rows: find each created table and append the remaining rows."""
    long_tables = [i for i, block in enumerate(sent) if len(block.get("_rows", [])) > MAX_CHILDREN]
    if not long_tables:
        return
    created = [child for child in gateway.list_children(parent_id) if child["type"] == "table"]
    tables_sent = [block for block in sent if "_rows" in block]
    # The last len(tables_sent) tables of the parent are the ones just written, in order.
    for block, table in zip(tables_sent, created[-len(tables_sent) :], strict=True):
        extra = block["_rows"][MAX_CHILDREN:]
        for start in range(0, len(extra), MAX_CHILDREN):
            gateway.append_children(table["id"], extra[start : start + MAX_CHILDREN])
