"""Page content and files on the local Notion server: a multi-part upload, a page's Markdown.

Part of the ``localnotion`` benchmark (``bench/localnotion.py`` runs these against its
server, through the same real ``notion-client`` over loopback):

1. **upload throughput**: a 20 MiB file sent as a multi-part upload (``file_uploads.create``
   with ``mode="multi_part"``, one ``send`` per 5 MiB part with its ``part_number``, then
   ``complete``), timed from the create to the completed answer; MiB/s of file bytes;
2. **Markdown read**: a page of 1,000 blocks (headings, paragraphs with bold, italic, code and
   links, list items, to-dos, quotes, code blocks, dividers), read whole with
   ``pages.retrieve_markdown`` (``GET /v1/pages/{id}/markdown``) many times; p50/p99.

Target: the Markdown read's p50 ≤ 50 ms (at full size).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from notion_client import Client

MIB = 1024 * 1024
UPLOAD_MIB = 20
PART_MIB = 5  # Notion's smallest part (but the last)
MARKDOWN_BLOCKS = 1_000
MARKDOWN_P50_MS = 50.0
APPEND_LIMIT = 100  # children per append, Notion's limit


@dataclass(frozen=True)
class Upload:
    """One timed multi-part upload."""

    size_bytes: int
    parts: int
    seconds: float

    @property
    def mib_per_s(self) -> float:
        return self.size_bytes / MIB / self.seconds


def upload_multi_part(notion: Client, payload: bytes, part_bytes: int = PART_MIB * MIB) -> Upload:
    """Send ``payload`` as a multi-part upload, checked complete; how long it took."""
    parts = [payload[start : start + part_bytes] for start in range(0, len(payload), part_bytes)]
    started = time.perf_counter()
    upload = notion.file_uploads.create(
        mode="multi_part",
        filename="bench.bin",
        content_type="application/octet-stream",
        number_of_parts=len(parts),
    )
    for number, part in enumerate(parts, start=1):
        notion.file_uploads.send(
            upload["id"],
            file=("bench.bin", part, "application/octet-stream"),
            part_number=str(number),
        )
    done = notion.file_uploads.complete(upload["id"])
    seconds = time.perf_counter() - started
    if done["status"] != "uploaded" or done["content_length"] != len(payload):
        raise AssertionError(f"upload not complete: {done['status']}, {done['content_length']}")
    return Upload(len(payload), len(parts), seconds)


def upload_payload(size_mib: int = UPLOAD_MIB) -> bytes:
    """Incompressible bytes (nothing on the way can shortcut them)."""
    return os.urandom(size_mib * MIB)


def _text(content: str, **annotations: bool) -> dict[str, Any]:
    item: dict[str, Any] = {"type": "text", "text": {"content": content}}
    if annotations:
        item["annotations"] = annotations
    return item


def _rich(index: int) -> list[dict[str, Any]]:
    link = {"type": "text", "text": {"content": "the invoice", "link": {"url": "https://x.test"}}}
    return [
        _text(f"Line {index}: follow up with "),
        _text("Ana", bold=True),
        _text(" about "),
        link,
        _text(" and the "),
        _text("retainer", italic=True),
        _text(" (ref "),
        _text(f"INV-{index:05d}", code=True),
        _text(")."),
    ]


def _block(index: int) -> dict[str, Any]:
    """The ``index``-th block of the Markdown page: a mix of the common types."""
    kind = index % 10
    rich = _rich(index)
    if kind == 0:
        return {"type": "heading_2", "heading_2": {"rich_text": [_text(f"Section {index}")]}}
    if kind in (1, 2, 3):
        return {"type": "paragraph", "paragraph": {"rich_text": rich}}
    if kind == 4:
        return {"type": "bulleted_list_item", "bulleted_list_item": {"rich_text": rich}}
    if kind == 5:
        return {"type": "numbered_list_item", "numbered_list_item": {"rich_text": rich}}
    if kind == 6:
        return {"type": "to_do", "to_do": {"rich_text": rich, "checked": index % 20 == 6}}
    if kind == 7:
        return {"type": "quote", "quote": {"rich_text": rich}}
    if kind == 8:
        code = f"def total_{index}(rows):\n    return sum(row.amount for row in rows)"
        return {"type": "code", "code": {"rich_text": [_text(code)], "language": "python"}}
    return {"type": "divider", "divider": {}}


def _chunks(blocks: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(blocks), APPEND_LIMIT):
        yield blocks[start : start + APPEND_LIMIT]


def markdown_page(notion: Client, parent_page_id: str, blocks: int = MARKDOWN_BLOCKS) -> str:
    """A page under ``parent_page_id`` holding ``blocks`` top-level blocks; its id."""
    page = notion.pages.create(
        parent={"type": "page_id", "page_id": parent_page_id},
        properties={"title": {"title": [_text("Markdown bench page")]}},
    )
    for chunk in _chunks([_block(index) for index in range(blocks)]):
        notion.blocks.children.append(page["id"], children=chunk)
    return str(page["id"])


def time_markdown_reads(notion: Client, page_id: str, runs: int) -> tuple[list[float], int]:
    """Milliseconds of each of ``runs`` reads, and the length of the Markdown read."""
    samples = []
    length = 0
    for _ in range(runs):
        started = time.perf_counter()
        answer = notion.pages.retrieve_markdown(page_id)
        samples.append((time.perf_counter() - started) * 1000)
        length = len(answer["markdown"])
    return samples, length
