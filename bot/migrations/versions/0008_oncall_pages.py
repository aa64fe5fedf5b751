"""on-call pages: each announcement of an urgent ticket to a destination for staff on duty

Revision ID: 0008_oncall_pages
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0008_oncall_pages"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DESTINATIONS = ("telegram", "sms", "webhook")
PAGE_STATUSES = ("pending", "sent", "failed", "cancelled")


def upgrade() -> None:
    op.create_table(
        "oncall_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column(
            "destination",
            sa.Enum(*DESTINATIONS, name="oncalldestination", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(*PAGE_STATUSES, name="pagestatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id", "step", name="uq_oncall_pages_ticket_step"),
    )
    with op.batch_alter_table("oncall_pages", schema=None) as batch_op:
        batch_op.create_index("ix_oncall_pages_status_due", ["status", "due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_oncall_pages_ticket_id"), ["ticket_id"], unique=False)


def downgrade() -> None:
    op.drop_table("oncall_pages")
