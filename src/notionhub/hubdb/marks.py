"""Times kept per key in a hub table (when a data source was last synced, polled, a page read),
with the compare-and-set that lets one process of many take a periodic job."""

from __future__ import annotations

from sqlalchemy import Column, Engine, Table, insert, select, update
from sqlalchemy.exc import IntegrityError

from notionhub.hubdb.engine import read_connection, upsert_statement


class TimeMarks:
    """One time (Unix seconds, the hub's clock) per key, in ``table``'s two columns."""

    def __init__(self, engine: Engine, table: Table, key: str, time: str) -> None:
        self.engine = engine
        self.table = table
        self._key: Column[str] = table.c[key]
        self._time: Column[float] = table.c[time]

    def get(self, key: str) -> float | None:
        with read_connection(self.engine) as conn:
            row = conn.execute(select(self._time).where(self._key == key)).first()
        return None if row is None else float(row[0])

    def put(self, key: str, at: float) -> None:
        """Set the key's time, whatever it was."""
        with self.engine.begin() as conn:
            conn.execute(
                upsert_statement(conn, self.table)
                .values({self._key: key, self._time: at})
                .on_conflict_do_update(index_elements=[self._key], set_={self._time.name: at})
            )

    def advance(self, key: str, at: float) -> None:
        """Set the key's time to ``at`` unless it is already later.

        One statement (``INSERT … ON CONFLICT``): two callers meeting a key with no time yet
        both succeed, on PostgreSQL too.
        """
        with self.engine.begin() as conn:
            conn.execute(
                upsert_statement(conn, self.table)
                .values({self._key: key, self._time: at})
                .on_conflict_do_update(
                    index_elements=[self._key],
                    set_={self._time.name: at},
                    where=self._time < at,
                )
            )

    def claim(self, key: str, seen: float | None, at: float) -> bool:
        """Move the key's time from ``seen`` (None: no time yet) to ``at``; whether this caller
        did. Of every caller that saw the same time, exactly one gets True."""
        with self.engine.begin() as conn:
            if seen is None:
                if conn.execute(select(self._time).where(self._key == key)).first() is not None:
                    return False
                try:
                    with conn.begin_nested():
                        conn.execute(insert(self.table).values({self._key: key, self._time: at}))
                except IntegrityError:  # another caller inserted it first
                    return False
                return True
            done = conn.execute(
                update(self.table)
                .where((self._key == key) & (self._time == seen))
                .values({self._time: at})
            )
        return done.rowcount == 1
