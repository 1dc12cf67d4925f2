"""The coaching facts table.

Hubs from before packs had their own tables created it with the hub's tables: it is adopted
as it is when present.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_coaching_facts"
down_revision = None
branch_labels = None
depends_on = None

_LOOKUPS = ("email", "booking_uid", "previous_uid", "meeting_id", "checkout_id", "payment_intent")


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("coaching_facts"):
        return
    op.create_table(
        "coaching_facts",
        sa.Column("fact_id", sa.String(320), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("occurred_at", sa.Float, nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("booking_uid", sa.String(200), nullable=True),
        sa.Column("previous_uid", sa.String(200), nullable=True),
        sa.Column("meeting_id", sa.String(64), nullable=True),
        sa.Column("checkout_id", sa.String(200), nullable=True),
        sa.Column("payment_intent", sa.String(200), nullable=True),
        sa.Column("body_json", sa.Text, nullable=False),
    )
    for column in _LOOKUPS:
        op.create_index(f"ix_coaching_facts_{column}", "coaching_facts", [column])


def downgrade() -> None:
    op.drop_table("coaching_facts")
