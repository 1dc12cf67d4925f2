"""The hub over HTTP, assembled in one place at the top: the app and its lifespan (``app.py``),
what its routes share (``state.py``), the webhook routes (``ingest_routes.py``), the event log
(``event_routes.py``) and agents (``agent_routes.py``), and what packs' routes are given
(``pack_host.py``). Nothing below this package imports it."""
