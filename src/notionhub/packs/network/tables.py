"""The network pack's own tables in the hub database (created by its Alembic revisions).

Everything the agents count is kept here, one row per fact, so a step that runs twice counts
once, and the figures written to Notion are recomputed from these rows (never incremented).
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text

metadata = MetaData()

# Which agent offered each event to a workflow instance (the history's "agent").
network_transitions = Table(
    "network_transitions",
    metadata,
    Column("instance_id", String(300), primary_key=True),
    Column("event_key", String(300), primary_key=True),
    Column("agent", String(100), nullable=False),
)

# Tasks the workflows created, and the event a person marking one Done fires.
network_tasks = Table(
    "network_tasks",
    metadata,
    Column("task_id", String(400), primary_key=True),
    Column("instance_id", String(300), nullable=False, index=True),
    Column("state", String(100), nullable=False),
    Column("on_done", String(100), nullable=False),
)

# Notifications rendered from the Notifications Templates, waiting for a sender.
network_notifications = Table(
    "network_notifications",
    metadata,
    Column("notification_id", String(700), primary_key=True),
    Column("instance_id", String(300), nullable=False, index=True),
    Column("template", String(300), nullable=False),
    Column("channel", String(50), nullable=False),
    Column("recipient", String(320), nullable=False),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("sent_at", Float, nullable=True),
)

# Order lines of art-sale instances: a product's units sold are those of paid orders.
network_order_lines = Table(
    "network_order_lines",
    metadata,
    Column("instance_id", String(300), primary_key=True),
    Column("product_id", String(200), primary_key=True),
    Column("quantity", Integer, nullable=False),
)

# Community activity (Circle), one row per event: counts and points are sums of these.
network_activities = Table(
    "network_activities",
    metadata,
    Column("activity_id", String(300), primary_key=True),
    Column("email", String(320), nullable=False, index=True),
    Column("kind", String(50), nullable=False),
    Column("points", Float, nullable=False),
    Column("at", Float, nullable=False),
)

# Newsletter subscribers (Beehiiv): the latest status per address, by event time.
network_subscriptions = Table(
    "network_subscriptions",
    metadata,
    Column("email", String(320), primary_key=True),
    Column("status", String(32), nullable=False),
    Column("at", Float, nullable=False),
)
