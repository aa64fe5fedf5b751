"""incoming events accepted by a web process, waiting for a worker to handle them

Revision ID: 0013_inbound_events
Revises: 0012_queue_reads
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0013_inbound_events"
down_revision: str | None = "0012_queue_reads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNELS = ("telegram", "whatsapp", "sms", "voice", "console")


def upgrade() -> None:
    op.create_table(
        "inbound_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(*CHANNELS, name="channel", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("provider_id", sa.String(length=100), nullable=True),
        sa.Column("event", sa.JSON(), nullable=False),
        sa.Column("received_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "provider_id", name="uq_inbound_event_provider_id"),
    )


def downgrade() -> None:
    op.drop_table("inbound_events")
