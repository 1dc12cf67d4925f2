"""Small helpers over the pack's tables: the dialect's insert (for upserts), times as text."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def upsert_statement(connection: Connection, table: Table) -> Any:
    """``INSERT … ON CONFLICT`` of the connection's dialect (SQLite or PostgreSQL)."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def moment(at: float) -> datetime:
    """Unix seconds as an aware UTC datetime (to the second)."""
    return datetime.fromtimestamp(at, tz=UTC).replace(microsecond=0)


def iso(at: float | None) -> str | None:
    return None if at is None else moment(at).isoformat().replace("+00:00", "Z")
