"""The shipment log."""

import sqlalchemy as sa
from alembic import op

revision = "0001_shipment_log"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "shipment_log",
        sa.Column("order_id", sa.String(100), primary_key=True),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("weight", sa.Float, nullable=False),
    )
