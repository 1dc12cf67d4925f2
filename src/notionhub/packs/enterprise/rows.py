"""Small helpers over the pack's tables: the dialect's insert (for upserts), times as text."""

from __future__ import annotations

from datetime import UTC, datetime

from notionhub.hubdb.engine import upsert_statement

__all__ = ["iso", "moment", "upsert_statement"]


def moment(at: float) -> datetime:
    """Unix seconds as an aware UTC datetime (to the second)."""
    return datetime.fromtimestamp(at, tz=UTC).replace(microsecond=0)


def iso(at: float | None) -> str | None:
    return None if at is None else moment(at).isoformat().replace("+00:00", "Z")
