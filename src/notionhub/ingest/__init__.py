"""Ingest: verify a provider's webhook, turn it into a typed ``Event``, store it, answer.

One module per provider under ``ingest/providers/``, registered in ``ingest/registry.py``.
"""
