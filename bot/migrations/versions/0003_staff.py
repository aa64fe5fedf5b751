"""staff accounts, API tokens and the audit log

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "role",
            sa.Enum("agent", "supervisor", "admin", name="staffrole", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email", name="uq_staff_email"),
    )
    op.create_table(
        "staff_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name="fk_staff_tokens_staff_id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash", name="uq_staff_tokens_token_hash"),
    )
    with op.batch_alter_table("staff_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_tokens_staff_id"), ["staff_id"], unique=False)

    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.String(length=40), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], name="fk_audit_contact_id"),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name="fk_audit_staff_id"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_entries_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_audit_entries_staff_id"), ["staff_id"], unique=False)

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_foreign_key(
            "fk_tickets_assignee_id_staff", "staff", ["assignee_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_constraint("fk_tickets_assignee_id_staff", type_="foreignkey")

    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entries_staff_id"))
        batch_op.drop_index(batch_op.f("ix_audit_entries_contact_id"))
    op.drop_table("audit_entries")

    with op.batch_alter_table("staff_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_tokens_staff_id"))
    op.drop_table("staff_tokens")
    op.drop_table("staff")
