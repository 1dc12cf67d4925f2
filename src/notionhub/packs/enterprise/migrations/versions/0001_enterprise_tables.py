"""The enterprise pack's tables: agents and their hours, alerts, the live stream, assignments,
revenue, the outbox and marks."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_enterprise_tables"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "enterprise_agent_hours",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("hour", sa.Float, primary_key=True),
        sa.Column("beats", sa.Integer, nullable=False),
        sa.Column("cpu_sum", sa.Float, nullable=False),
        sa.Column("cpu_beats", sa.Integer, nullable=False),
        sa.Column("memory_sum", sa.Float, nullable=False),
        sa.Column("memory_beats", sa.Integer, nullable=False),
        sa.Column("performance_sum", sa.Float, nullable=False),
        sa.Column("performance_beats", sa.Integer, nullable=False),
        sa.Column("errors", sa.Integer, nullable=False),
        sa.Column("written", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "enterprise_agents",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("agent_type", sa.String(50), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("performance", sa.Float, nullable=True),
        sa.Column("cpu", sa.Float, nullable=True),
        sa.Column("memory", sa.Float, nullable=True),
        sa.Column("metrics", sa.Text, nullable=False, server_default="{}"),
        sa.Column("first_seen", sa.Float, nullable=False),
        sa.Column("last_heartbeat", sa.Float, nullable=True),
        sa.Column("heartbeats", sa.Integer, nullable=False, server_default="0"),
        sa.Column("written_at", sa.Float, nullable=True),
        sa.Column("written_status", sa.String(20), nullable=True),
        sa.Column("written_performance", sa.Float, nullable=True),
        sa.Column("written_type", sa.String(50), nullable=True),
        sa.Column("person_status", sa.String(20), nullable=True),
        sa.Column("configuration", sa.Text, nullable=False, server_default="{}"),
        sa.Column("config_version", sa.Integer, nullable=False, server_default="0"),
        sa.Column("config_changed_at", sa.Float, nullable=True),
    )
    op.create_table(
        "enterprise_alerts",
        sa.Column("alert_id", sa.String(300), primary_key=True),
        sa.Column("check_name", sa.String(200), nullable=False),
        sa.Column("alert_type", sa.String(50), nullable=False),
        sa.Column("severity", sa.String(20), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("opened_at", sa.Float, nullable=False),
        sa.Column("closed_at", sa.Float, nullable=True),
        sa.Column("written", sa.String(20), nullable=True),
        sa.Column("written_at", sa.Float, nullable=True),
    )
    op.create_table(
        "enterprise_assignments",
        sa.Column("assignment_id", sa.String(400), primary_key=True),
        sa.Column("agent", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("reference", sa.String(300), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("done_at", sa.Float, nullable=True),
    )
    op.create_table(
        "enterprise_live",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_table(
        "enterprise_marks",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("value", sa.Float, nullable=False),
    )
    op.create_table(
        "enterprise_outbox",
        sa.Column("notification_id", sa.String(400), primary_key=True),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("template", sa.String(100), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("sent_at", sa.Float, nullable=True),
    )
    op.create_table(
        "enterprise_revenue",
        sa.Column("transaction_id", sa.String(300), primary_key=True),
        sa.Column("service_type", sa.String(50), nullable=True),
        sa.Column("amount", sa.Float, nullable=False),
        sa.Column("currency", sa.String(10), nullable=False),
        sa.Column("client_email", sa.String(320), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("agent", sa.String(100), nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("completed_at", sa.Float, nullable=True),
        sa.Column("details", sa.Text, nullable=False, server_default=""),
        sa.Column("written_status", sa.String(20), nullable=True),
    )
    op.create_index("ix_enterprise_alerts_check_name", "enterprise_alerts", ["check_name"])
    op.create_index("ix_enterprise_assignments_agent", "enterprise_assignments", ["agent"])
    op.create_index("ix_enterprise_revenue_created_at", "enterprise_revenue", ["created_at"])


def downgrade() -> None:
    op.drop_table("enterprise_revenue")
    op.drop_table("enterprise_outbox")
    op.drop_table("enterprise_marks")
    op.drop_table("enterprise_live")
    op.drop_table("enterprise_assignments")
    op.drop_table("enterprise_alerts")
    op.drop_table("enterprise_agents")
    op.drop_table("enterprise_agent_hours")
