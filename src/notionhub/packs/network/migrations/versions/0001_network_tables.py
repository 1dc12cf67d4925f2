"""The network pack's tables: transitions' agents, tasks, notifications, order lines,
community activity and newsletter subscriptions."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_network_tables"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "network_transitions",
        sa.Column("instance_id", sa.String(300), primary_key=True),
        sa.Column("event_key", sa.String(300), primary_key=True),
        sa.Column("agent", sa.String(100), nullable=False),
    )
    op.create_table(
        "network_tasks",
        sa.Column("task_id", sa.String(400), primary_key=True),
        sa.Column("instance_id", sa.String(300), nullable=False),
        sa.Column("state", sa.String(100), nullable=False),
        sa.Column("on_done", sa.String(100), nullable=False),
    )
    op.create_index("ix_network_tasks_instance_id", "network_tasks", ["instance_id"])
    op.create_table(
        "network_notifications",
        sa.Column("notification_id", sa.String(700), primary_key=True),
        sa.Column("instance_id", sa.String(300), nullable=False),
        sa.Column("template", sa.String(300), nullable=False),
        sa.Column("channel", sa.String(50), nullable=False),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("sent_at", sa.Float, nullable=True),
    )
    op.create_index(
        "ix_network_notifications_instance_id", "network_notifications", ["instance_id"]
    )
    op.create_table(
        "network_order_lines",
        sa.Column("instance_id", sa.String(300), primary_key=True),
        sa.Column("product_id", sa.String(200), primary_key=True),
        sa.Column("quantity", sa.Integer, nullable=False),
    )
    op.create_table(
        "network_activities",
        sa.Column("activity_id", sa.String(300), primary_key=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("points", sa.Float, nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )
    op.create_index("ix_network_activities_email", "network_activities", ["email"])
    op.create_table(
        "network_subscriptions",
        sa.Column("email", sa.String(320), primary_key=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "network_subscriptions",
        "network_activities",
        "network_order_lines",
        "network_notifications",
        "network_tasks",
        "network_transitions",
    ):
        op.drop_table(table)
