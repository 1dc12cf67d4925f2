"""The hub's own database: provisioned ids, the key index, the write mirror, the Notion budget.

SQLite under ``NOTIONHUB_HOME`` by default; ``DATABASE_URL=postgresql://…`` to share it
between workers on several machines.
"""
