"""The tables of the hub database (SQLAlchemy Core, so SQLite and PostgreSQL share them)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# Which Notion database and data source each declared database is bound to.
notion_databases = Table(
    "notion_databases",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("database_id", String(36), nullable=False),
    Column("data_source_id", String(36), nullable=False),
    Column("updated_at", Float, nullable=False),
)

# Record key → page id, per data source; a row is also the lease that serialises writers of a key.
key_index = Table(
    "key_index",
    metadata,
    Column("data_source_id", String(36), primary_key=True),
    Column("record_key", String(500), primary_key=True),
    Column("page_id", String(36), nullable=True),
    # A create was sent and its answer not recorded: it may exist in Notion.
    Column("create_started", Boolean, nullable=False, default=False),
    Column("lease_owner", String(64), nullable=True),
    Column("lease_until", Float, nullable=True),
)

# When the key index of a data source was last known to hold every page of it.
key_index_sync = Table(
    "key_index_sync",
    metadata,
    Column("data_source_id", String(36), primary_key=True),
    Column("synced_at", Float, nullable=False),
)

# The property values last written to (or read from) each page, as sent to Notion.
page_mirror = Table(
    "page_mirror",
    metadata,
    Column("page_id", String(36), primary_key=True),
    Column("data_source_id", String(36), nullable=False),
    Column("values_json", Text, nullable=False),
)

# When the hub last read each page for a change people made in Notion (its clock, Unix
# seconds): a change event received before that read is already known.
page_observations = Table(
    "page_observations",
    metadata,
    Column("page_id", String(36), primary_key=True),
    Column("observed_at", Float, nullable=False),
)

# When the polling fallback last asked each data source for edited pages (the hub's clock).
change_polls = Table(
    "change_polls",
    metadata,
    Column("data_source_id", String(36), primary_key=True),
    Column("polled_at", Float, nullable=False),
)

# One row per integration token (hashed): the shared request budget of every worker.
notion_budget = Table(
    "notion_budget",
    metadata,
    Column("bucket", String(64), primary_key=True),
    Column("tat", Float, nullable=False),  # theoretical arrival time of the next request
    Column("recent_json", Text, nullable=False),  # the last slots, for the window cap
    Column("blocked_until", Float, nullable=False),
    Column("requests", Integer, nullable=False, default=0),
)

# Every accepted webhook event, in arrival order (seq). ``id`` is the idempotency key.
# status: pending (stored) → queued (a workflow is enqueued) → processed | failed | ignored.
events = Table(
    "events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(300), nullable=False, unique=True),
    Column("provider", String(40), nullable=False),
    Column("type", String(200), nullable=False),
    Column("entity_key", String(300), nullable=True),
    Column("occurred_at", Float, nullable=False),
    Column("received_at", Float, nullable=False),
    Column("data_json", Text, nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("replays", Integer, nullable=False, default=0),
    Column("notion_requests", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
    Column("updated_at", Float, nullable=False),
)
# The console's filters page newest first (keyset on seq) within a provider or an entity, and
# its charts read a time window (docs/console.md).
Index("events_provider_seq", events.c.provider, events.c.seq)
Index("events_entity_seq", events.c.entity_key, events.c.seq)
Index("events_received_at", events.c.received_at)

# What happened to each event: received, queued, attempt failed, processed, failed, replay…
event_history = Table(
    "event_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(300), nullable=False, index=True),
    Column("at", Float, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("detail_json", Text, nullable=False),
)

# Calls a flow made to another API (HubSpot, a notification service), by idempotency key: a step
# that runs again finds its call's recorded outcome here instead of calling twice.
# status: succeeded | rejected (a 4xx other than 429: permanent).
outbound_calls = Table(
    "outbound_calls",
    metadata,
    Column("service", String(100), primary_key=True),
    Column("idempotency_key", String(300), primary_key=True),
    Column("method", String(10), nullable=False),
    Column("url", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("response_json", Text, nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("finished_at", Float, nullable=False),
)

# Instances of the packs' declared state machines (a contact's onboarding, a project's stage):
# the state lives here (and, by the pack's flows, in Notion), never only in memory.
machine_instances = Table(
    "machine_instances",
    metadata,
    Column("instance_id", String(300), primary_key=True),
    Column("machine", String(100), nullable=False, index=True),
    Column("subject", String(300), nullable=True, index=True),  # e.g. "email:jane@example.com"
    Column("state", String(100), nullable=False, index=True),
    Column("data_json", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

# Every event offered to an instance, accepted or refused, in order; (instance, event key) is
# unique so an event offered again (a step re-run) is not applied twice.
machine_history = Table(
    "machine_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("instance_id", String(300), nullable=False, index=True),
    Column("event_key", String(300), nullable=False),
    Column("event", String(100), nullable=False),
    Column("at", Float, nullable=False),
    Column("from_state", String(100), nullable=True),
    Column("to_state", String(100), nullable=True),
    Column("accepted", Boolean, nullable=False),
    Column("reason", Text, nullable=False),
    UniqueConstraint("instance_id", "event_key", name="uq_machine_history_event"),
)

# Each agent of each pack: how often it ran, how it last went (for GET /api/agents).
agent_runs = Table(
    "agent_runs",
    metadata,
    Column("pack", String(100), primary_key=True),
    Column("agent", String(100), primary_key=True),
    Column("runs", Integer, nullable=False),
    Column("failures", Integer, nullable=False),
    Column("last_run_at", Float, nullable=False),
    Column("last_outcome", String(16), nullable=False),  # ok | retrying | failed
    Column("last_note", Text, nullable=False),
)

# Each pack schedule's latest tick and how it went (``notionhub schedules``).
schedule_runs = Table(
    "schedule_runs",
    metadata,
    Column("name", String(200), primary_key=True),  # "<pack>.<schedule>"
    Column("runs", Integer, nullable=False),
    Column("last_tick", String(40), nullable=False),
    Column("last_run_at", Float, nullable=False),
    Column("last_outcome", String(16), nullable=False),  # ok | failed
    Column("last_note", Text, nullable=False),
)

# API keys bound to roles (docs/roles.md): only the SHA-256 of a key is kept, never the key.
api_keys = Table(
    "api_keys",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("role", String(20), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_at", Float, nullable=False),
    Column("last_used_at", Float, nullable=True),
)

# Every write made through the hub's API or console, every key change and every refused call
# (401/403): who (a key's name, or "anonymous"), with which role, did what to what, and whether
# it was allowed. Never a key or a secret.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False, index=True),
    Column("key_name", String(100), nullable=False),
    Column("role", String(20), nullable=True),
    Column("action", String(100), nullable=False),
    Column("resource", String(500), nullable=False),
    Column("success", Boolean, nullable=False),
    Column("details", Text, nullable=False),
)
