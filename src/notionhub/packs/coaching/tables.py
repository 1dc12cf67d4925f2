"""The coaching pack's own table in the hub database (created by its Alembic revisions)."""

from __future__ import annotations

from sqlalchemy import Column, Float, MetaData, String, Table, Text

metadata = MetaData()

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
