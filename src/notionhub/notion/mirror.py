"""The page mirror: the property values last written to (or read from) each page.

Values are kept exactly as they are sent to Notion, so an update can send only the properties
that changed, and skip the request when nothing did.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Engine, delete, select

from notionhub.hubdb.engine import read_connection, upsert_statement
from notionhub.hubdb.tables import page_mirror

Values = dict[str, Any]


class PageMirror:
    """Last known property values per page, in the hub database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, page_id: str) -> Values | None:
        with read_connection(self.engine) as conn:
            row = conn.execute(
                select(page_mirror.c.values_json).where(page_mirror.c.page_id == page_id)
            ).first()
        if row is None:
            return None
        values: Values = orjson.loads(row.values_json)
        return values

    def data_source_of_page(self, page_id: str) -> str | None:
        """The data source of a mirrored page, or None."""
        with read_connection(self.engine) as conn:
            row = conn.execute(
                select(page_mirror.c.data_source_id).where(page_mirror.c.page_id == page_id)
            ).first()
        return None if row is None else str(row.data_source_id)

    def put(self, page_id: str, data_source_id: str, values: Values) -> None:
        """Replace what is known of the page."""
        encoded = orjson.dumps(values).decode()
        with self.engine.begin() as conn:
            conn.execute(
                upsert_statement(conn, page_mirror)
                .values(page_id=page_id, data_source_id=data_source_id, values_json=encoded)
                .on_conflict_do_update(
                    index_elements=["page_id"],
                    set_={"data_source_id": data_source_id, "values_json": encoded},
                )
            )

    def of_data_source(self, data_source_id: str) -> list[tuple[str, Values]]:
        """(page id, values) of every page known in a data source."""
        with read_connection(self.engine) as conn:
            rows = conn.execute(
                select(page_mirror.c.page_id, page_mirror.c.values_json)
                .where(page_mirror.c.data_source_id == data_source_id)
                .order_by(page_mirror.c.page_id)
            ).all()
        return [(row.page_id, orjson.loads(row.values_json)) for row in rows]

    def forget(self, page_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(page_mirror).where(page_mirror.c.page_id == page_id))

    def clear(self, data_source_id: str) -> None:
        """Forget every page of a data source (before a full reindex)."""
        with self.engine.begin() as conn:
            conn.execute(delete(page_mirror).where(page_mirror.c.data_source_id == data_source_id))

    def merge(self, page_id: str, data_source_id: str, changed: Values) -> None:
        """Record that ``changed`` was written on top of what was known."""
        self.put(page_id, data_source_id, {**(self.get(page_id) or {}), **changed})

    @staticmethod
    def changes(desired: Values, known: Values | None) -> Values:
        """The properties of ``desired`` that differ from ``known`` (all of them if unknown)."""
        if known is None:
            return dict(desired)
        return {name: value for name, value in desired.items() if known.get(name) != value}
