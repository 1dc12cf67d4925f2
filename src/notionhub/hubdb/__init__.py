"""The hub's own database: provisioned ids, the key index, the write mirror, the Notion budget.

SQLite under ``NOTIONHUB_HOME`` by default; ``DATABASE_URL=postgresql://…`` to share it
between workers on several machines.
"""

from notionhub.hubdb.engine import create_hub_engine

__all__ = ["create_hub_engine"]
