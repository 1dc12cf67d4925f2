"""The tables of the property index, made when the store opens.

``property_index`` holds one row per (page, property, value) for the property types a query
can narrow on, so a selective filter over a large data source reads only the matching pages.
``property_text`` (SQLite FTS5, trigram tokenizer) indexes the titles among them by their
three-character pieces, so a ``contains`` filter on a title finds its pages without reading
every value. The store makes them with its own tables; ``index.queries`` writes and reads
their rows (through the store), so the dependency runs one way: index → storage.
"""

from __future__ import annotations

import sqlite3

INDEX_DDL = """
CREATE TABLE IF NOT EXISTS property_index (
    data_source_id TEXT NOT NULL,
    prop_id TEXT NOT NULL,
    page_id TEXT NOT NULL,
    text_value TEXT,
    number_value REAL
);
-- A row holds a text or a number, so each value index only has the rows with its kind of
-- value; both end with page_id, so narrowing a query reads the index alone.
DROP INDEX IF EXISTS property_index_text;
DROP INDEX IF EXISTS property_index_number;
CREATE INDEX IF NOT EXISTS property_index_texts
    ON property_index (data_source_id, prop_id, text_value, page_id)
    WHERE text_value IS NOT NULL;
CREATE INDEX IF NOT EXISTS property_index_numbers
    ON property_index (data_source_id, prop_id, number_value, page_id)
    WHERE number_value IS NOT NULL;
-- By page: a page's rows (to replace them), and one property's value of a page (a probe).
DROP INDEX IF EXISTS property_index_page;
CREATE INDEX IF NOT EXISTS property_index_by_page
    ON property_index (page_id, prop_id, number_value, text_value);
"""
# Text values of property_index, by the same rowid; absent when SQLite lacks FTS5 or its
# trigram tokenizer (3.34+), and then substring filters read the value index instead.
_TEXT_SEARCH_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS property_text"
    " USING fts5(text_value, tokenize='trigram', detail='none')"
)


def create_index_tables(conn: sqlite3.Connection) -> bool:
    """Create the index tables if missing; whether the substring (FTS5 trigram) index exists."""
    conn.executescript(INDEX_DDL)
    try:
        conn.execute(_TEXT_SEARCH_DDL)
    except sqlite3.OperationalError:  # no FTS5, or no trigram tokenizer
        return False
    return True
