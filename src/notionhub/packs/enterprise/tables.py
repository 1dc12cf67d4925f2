"""The enterprise pack's own tables in the hub database (created by its Alembic revisions).

Heartbeats land here at once (no Notion request per heartbeat); the collector writes to Notion
what changed enough. Reports are computed from these rows, so a step that runs twice counts once
(rows are keyed by what they are about).
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text

metadata = MetaData()

# Each agent's latest heartbeat, what Notion was last told, and what people set in Notion.
enterprise_agents = Table(
    "enterprise_agents",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("agent_type", String(50), nullable=True),
    Column("status", String(20), nullable=False),  # as reported: Active, Idle, Error, Maintenance
    Column("performance", Float, nullable=True),  # 0..1
    Column("cpu", Float, nullable=True),  # 0..1
    Column("memory", Float, nullable=True),  # 0..1
    Column("metrics", Text, nullable=False, default="{}"),  # JSON object
    Column("first_seen", Float, nullable=False),
    Column("last_heartbeat", Float, nullable=True),
    Column("heartbeats", Integer, nullable=False, default=0),
    # What the AI Agent Management page holds, as last written by the collector.
    Column("written_at", Float, nullable=True),
    Column("written_status", String(20), nullable=True),
    Column("written_performance", Float, nullable=True),
    Column("written_type", String(50), nullable=True),
    # Set by people in Notion: a Maintenance status (kept until they change it), the
    # configuration (JSON text) and its version, counted up at each change.
    Column("person_status", String(20), nullable=True),
    Column("configuration", Text, nullable=False, default="{}"),
    Column("config_version", Integer, nullable=False, default=0),
    Column("config_changed_at", Float, nullable=True),
)

# Sums of each agent's heartbeats per hour (System Metrics rows and agent reports read them).
enterprise_agent_hours = Table(
    "enterprise_agent_hours",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("hour", Float, primary_key=True),  # Unix seconds at the start of the hour (UTC)
    Column("beats", Integer, nullable=False),
    # Each figure is optional in a heartbeat: its sum and how many heartbeats carried it.
    Column("cpu_sum", Float, nullable=False),
    Column("cpu_beats", Integer, nullable=False),
    Column("memory_sum", Float, nullable=False),
    Column("memory_beats", Integer, nullable=False),
    Column("performance_sum", Float, nullable=False),
    Column("performance_beats", Integer, nullable=False),
    Column("errors", Integer, nullable=False),
    Column("written", Integer, nullable=False, default=0),  # 1 once its row is in Notion
)

# Alerts: open until their check passes again; ``written`` is the state Notion last got.
enterprise_alerts = Table(
    "enterprise_alerts",
    metadata,
    Column("alert_id", String(300), primary_key=True),
    Column("check_name", String(200), nullable=False, index=True),
    Column("alert_type", String(50), nullable=False),
    Column("severity", String(20), nullable=False),
    Column("message", Text, nullable=False),
    Column("opened_at", Float, nullable=False),
    Column("closed_at", Float, nullable=True),
    Column("written", String(20), nullable=True),  # None, "open", "resolved"
    Column("written_at", Float, nullable=True),
)

# What happened that listeners of the live stream hear about (durable, any process writes).
enterprise_live = Table(
    "enterprise_live",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("kind", String(50), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("data", Text, nullable=False),  # JSON object
)

# Work handed to an agent (a sale to deliver, a project stage to act on) until it says done.
enterprise_assignments = Table(
    "enterprise_assignments",
    metadata,
    Column("assignment_id", String(400), primary_key=True),
    Column("agent", String(100), nullable=False, index=True),
    Column("kind", String(50), nullable=False),  # "service", "project"
    Column("reference", String(300), nullable=False),  # transaction id, project name
    Column("detail", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("done_at", Float, nullable=True),
)

# Sales as the hub saw them (reports read these; Notion's Revenue Operations mirrors them).
enterprise_revenue = Table(
    "enterprise_revenue",
    metadata,
    Column("transaction_id", String(300), primary_key=True),
    Column("service_type", String(50), nullable=True),
    Column("amount", Float, nullable=False),
    Column("currency", String(10), nullable=False),
    Column("client_email", String(320), nullable=True),
    Column("status", String(20), nullable=False),
    Column("agent", String(100), nullable=True),
    Column("created_at", Float, nullable=False, index=True),
    Column("completed_at", Float, nullable=True),
    Column("details", Text, nullable=False, default=""),
    Column("written_status", String(20), nullable=True),  # what Revenue Operations holds
)

# Messages to clients, waiting for the sender (ENTERPRISE_NOTIFY_URL) or a person.
enterprise_outbox = Table(
    "enterprise_outbox",
    metadata,
    Column("notification_id", String(400), primary_key=True),
    Column("recipient", String(320), nullable=False),
    Column("template", String(100), nullable=False),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("sent_at", Float, nullable=True),
)

# How far the Notion Audit Trail has copied the hub's audit log.
enterprise_marks = Table(
    "enterprise_marks",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("value", Float, nullable=False),
)
