"""people's data rights: erasures done, access requests due within a month, download links,
and tickets anonymised when their retention period ended

Revision ID: 0010_privacy
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0010_privacy"
down_revision: str | None = "0008_oncall_pages"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REASONS = (
    "subject_access",
    "erasure_request",
    "legal_obligation",
    "safeguarding",
    "data_correction",
    "duplicate_record",
    "retention_period",
)


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def upgrade() -> None:
    op.create_table(
        "erasures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("erased_by", _enum("erasedby", "staff", "contact", "retention"), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("reason", _enum("privacyreason", *REASONS), nullable=False),
        sa.Column("tickets_kept", sa.Integer(), nullable=False),
        sa.Column("messages_cleared", sa.Integer(), nullable=False),
        sa.Column("provider_copies", sa.JSON(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_erasures_contact_id", "erasures", ["contact_id"])
    op.create_table(
        "data_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("kind", _enum("datarequestkind", "access", "erasure"), nullable=False),
        sa.Column("received_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("completed_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"]),
        sa.ForeignKeyConstraint(["recorded_by"], ["staff.id"]),
        sa.ForeignKeyConstraint(["completed_by"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_data_requests_contact_id", "data_requests", ["contact_id"])
    op.create_index("ix_data_requests_due_at", "data_requests", ["due_at"])
    op.create_table(
        "data_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_data_links_contact_id", "data_links", ["contact_id"])
    op.create_table(
        "anonymised_tickets",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("anonymised_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"]),
        sa.PrimaryKeyConstraint("ticket_id"),
    )


def downgrade() -> None:
    op.drop_table("anonymised_tickets")
    op.drop_index("ix_data_links_contact_id", table_name="data_links")
    op.drop_table("data_links")
    op.drop_index("ix_data_requests_due_at", table_name="data_requests")
    op.drop_index("ix_data_requests_contact_id", table_name="data_requests")
    op.drop_table("data_requests")
    op.drop_index("ix_erasures_contact_id", table_name="erasures")
    op.drop_table("erasures")
