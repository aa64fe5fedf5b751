"""delivery reports that arrive before their message's provider id is saved

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DELIVERY_STATUSES = ("received", "queued", "sending", "sent", "delivered", "read", "failed")


def upgrade() -> None:
    op.create_table(
        "pending_delivery_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_message_id", sa.String(length=100), nullable=False),
        sa.Column(
            "status",
            sa.Enum(*DELIVERY_STATUSES, name="deliverystatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("received_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pending_delivery_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pending_delivery_reports_provider_message_id"),
            ["provider_message_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_pending_delivery_reports_received_at"), ["received_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("pending_delivery_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_delivery_reports_received_at"))
        batch_op.drop_index(batch_op.f("ix_pending_delivery_reports_provider_message_id"))
    op.drop_table("pending_delivery_reports")
