"""The tables of the hub database (SQLAlchemy Core, so SQLite and PostgreSQL share them)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
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

# The coaching pack's facts: what each Cal.com, Zoom and Stripe event said, normalised (one row
# per event and fact; see packs/coaching/facts.py). Rows are found by the references they carry.
coaching_facts = Table(
    "coaching_facts",
    metadata,
    Column("fact_id", String(320), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("occurred_at", Float, nullable=False),
    Column("email", String(320), nullable=True, index=True),
    Column("booking_uid", String(200), nullable=True, index=True),
    Column("previous_uid", String(200), nullable=True, index=True),
    Column("meeting_id", String(64), nullable=True, index=True),
    Column("checkout_id", String(200), nullable=True, index=True),
    Column("payment_intent", String(200), nullable=True, index=True),
    Column("body_json", Text, nullable=False),
)
