"""SQLite storage: the objects table, transactions and group commit, the property index's
tables, and the cache of encoded pages."""
