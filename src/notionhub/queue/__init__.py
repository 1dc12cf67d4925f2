"""Durable processing: the event log, the intake that writes it, and the DBOS workflows.

``store`` (the event log) ← ``intake`` (group commit of accepted webhooks) → ``dispatcher``
(pending events → DBOS queue, in arrival order) → ``processor`` (one workflow per event run).
"""
