"""Webhooks from the local Notion server, sent the way Notion sends them.

The pipeline, one module each: a write answered by the API (``writes``: the events Notion
would send for it, in its shape: ``events``, with parents as ``parents`` names them) →
``aggregation`` (events of one entity within a window merged) → ``store`` (a pending delivery
per subscription, in ``webhooks.sqlite3``) → ``delivery`` (a background thread posts each,
signed, retried with ``retries``' backoff). ``notifier`` holds them together for the app;
``routes`` is the admin API (``/_admin/webhooks``).
"""

from notionhub.localnotion.webhooks import writes_moves_and_comments  # registers its derivers
from notionhub.localnotion.webhooks.notifier import WEBHOOKS_FILE, WebhookNotifier, WriteWatch
from notionhub.localnotion.webhooks.routes import webhook_routes

__all__ = [
    "WEBHOOKS_FILE",
    "WebhookNotifier",
    "WriteWatch",
    "webhook_routes",
    "writes_moves_and_comments",
]
