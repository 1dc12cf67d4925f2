"""Cursor pagination as Notion does it: ``start_cursor``, ``page_size`` ≤ 100, ``next_cursor``.

A cursor is the id of the first item of the next page, so it stays valid while that item does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from notionhub.errors import ValidationFailed
from notionhub.localnotion.api.fields import fail

MAX_PAGE_SIZE = 100
T = TypeVar("T")


@dataclass(frozen=True)
class PageRequest:
    """Where a listing starts and how many items it returns."""

    start_cursor: str | None
    page_size: int


def parse_page_request(start_cursor: object, page_size: object, where: str) -> PageRequest:
    """Validate ``start_cursor`` and ``page_size`` taken from a body (``where='body'``) or query."""
    size = MAX_PAGE_SIZE
    if page_size is not None:
        if where == "query" and isinstance(page_size, str) and page_size.strip().isdigit():
            page_size = int(page_size)
        if isinstance(page_size, bool) or not isinstance(page_size, int):
            raise fail(f"{where}.page_size", "a number", page_size)
        if page_size < 1 or page_size > MAX_PAGE_SIZE:
            raise ValidationFailed(
                f"{where}.page_size should be ≤ `{MAX_PAGE_SIZE}` and ≥ `1`,"
                f" instead was `{page_size}`."
            )
        size = page_size
    if start_cursor is not None and not isinstance(start_cursor, str):
        raise fail(f"{where}.start_cursor", "a string", start_cursor)
    return PageRequest(start_cursor=start_cursor or None, page_size=size)


def paginate(
    items: Sequence[T], request: PageRequest, id_of: Callable[[T], str]
) -> tuple[list[T], str | None]:
    """The items of the requested page and the cursor of the next one (``None`` at the end)."""
    start = 0
    if request.start_cursor is not None:
        for index, item in enumerate(items):
            if id_of(item) == request.start_cursor:
                start = index
                break
        else:
            raise ValidationFailed(f"start_cursor provided is invalid: {request.start_cursor}")
    end = start + request.page_size
    next_cursor = id_of(items[end]) if end < len(items) else None
    return list(items[start:end]), next_cursor


def list_body(results: list[Any], next_cursor: str | None, kind: str) -> dict[str, Any]:
    """Notion's list object; ``results`` are objects or their JSON (``orjson.Fragment``)."""
    return {
        "object": "list",
        "results": results,
        "next_cursor": next_cursor,
        "has_more": next_cursor is not None,
        "type": kind,
        kind: {},
    }
