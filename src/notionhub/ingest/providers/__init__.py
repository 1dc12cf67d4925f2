"""One module per provider; each exposes ``PROVIDER`` and is listed in ``ingest/registry.py``."""
