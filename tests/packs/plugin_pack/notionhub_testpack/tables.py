"""The test pack's own table in the hub database (created by migrations/versions/0001_*)."""

from __future__ import annotations

from sqlalchemy import Column, Float, MetaData, String, Table

metadata = MetaData()

shipment_log = Table(
    "shipment_log",
    metadata,
    Column("order_id", String(100), primary_key=True),
    Column("event_id", String(200), nullable=False),  # the event that first logged it
    Column("weight", Float, nullable=False),
)
