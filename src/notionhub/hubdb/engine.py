"""Opening the hub database: SQLite (WAL, immediate transactions) or PostgreSQL (psycopg)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event

from notionhub.errors import ConfigurationError
from notionhub.hubdb.tables import metadata


def _sqlalchemy_url(url: str) -> str:
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith(("sqlite:", "postgresql+psycopg:")):
        return url
    raise ConfigurationError(
        f"DATABASE_URL must start with sqlite:/// or postgresql://, not {url.split(':', 1)[0]}:"
    )


def create_hub_engine(url: str) -> Engine:
    """An engine for ``url`` with the hub's tables created."""
    real_url = _sqlalchemy_url(url)
    if real_url.startswith("sqlite"):
        path = real_url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(real_url, connect_args={"timeout": 30, "isolation_level": None})
        _immediate_sqlite_transactions(engine)
    else:
        engine = create_engine(real_url, pool_pre_ping=True)
    metadata.create_all(engine)
    return engine


def _immediate_sqlite_transactions(engine: Engine) -> None:
    """WAL, and every transaction takes the write lock up front so two writers never deadlock."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
