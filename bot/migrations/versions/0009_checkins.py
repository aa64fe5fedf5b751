"""welfare check-ins: imported contacts' fields, campaigns, runs, check-ins and invitations

Revision ID: 0009_checkins
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0009_checkins"
down_revision: str | None = "0008_languages"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = models.base.UTCDateTime()


def upgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consent_source", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("tenant_ref", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("phone", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("preferred_channel", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("next_alarm_test", sa.Date(), nullable=True))
        batch_op.create_index("ix_contacts_tenant_ref", ["tenant_ref"], unique=True)
        batch_op.create_index("ix_contacts_phone", ["phone"], unique=False)

    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("schedule", sa.JSON(), nullable=True),
        sa.Column("window_start", sa.String(length=5), nullable=False),
        sa.Column("window_end", sa.String(length=5), nullable=False),
        sa.Column("spread_minutes", sa.Integer(), nullable=False),
        sa.Column("skip_bank_holidays", sa.Boolean(), nullable=False),
        sa.Column("reply_wait_minutes", sa.Integer(), nullable=False),
        sa.Column("messages", sa.JSON(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("next_run_at", _TS, nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_campaigns_next_run_at", "campaigns", ["next_run_at"], unique=False)

    op.create_table(
        "checkin_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("planned_for", _TS, nullable=True),
        sa.Column("starts_at", _TS, nullable=False),
        sa.Column("spread_until", _TS, nullable=True),
        sa.Column("started_by", sa.Integer(), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("finished_at", _TS, nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"]),
        sa.ForeignKeyConstraint(["started_by"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "planned_for", name="uq_checkin_run_planned"),
    )
    op.create_index("ix_checkin_runs_campaign_id", "checkin_runs", ["campaign_id"], unique=False)
    op.create_index("ix_checkin_runs_status", "checkin_runs", ["status", "starts_at"])

    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("identity_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("due_at", _TS, nullable=False),
        sa.Column("sent_at", _TS, nullable=True),
        sa.Column("reminded_at", _TS, nullable=True),
        sa.Column("answered_at", _TS, nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("reminder_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("updated_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["checkin_runs.id"]),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"]),
        sa.ForeignKeyConstraint(["identity_id"], ["channel_identities.id"]),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"]),
        sa.ForeignKeyConstraint(["reminder_id"], ["messages.id"]),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", "contact_id", name="uq_checkin_run_contact"),
    )
    op.create_index("ix_checkins_status_due", "checkins", ["status", "due_at"])
    op.create_index("ix_checkins_run_status", "checkins", ["run_id", "status", "id"])
    op.create_index("ix_checkins_contact", "checkins", ["contact_id", "id"])
    op.create_index("ix_checkins_identity_status", "checkins", ["identity_id", "status"])

    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("used_at", _TS, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_invitations_token_hash", "invitations", ["token_hash"], unique=True)
    op.create_index("ix_invitations_contact_id", "invitations", ["contact_id"], unique=False)


def downgrade() -> None:
    op.drop_table("invitations")
    op.drop_table("checkins")
    op.drop_table("checkin_runs")
    op.drop_table("campaigns")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index("ix_contacts_phone")
        batch_op.drop_index("ix_contacts_tenant_ref")
        batch_op.drop_column("next_alarm_test")
        batch_op.drop_column("preferred_channel")
        batch_op.drop_column("phone")
        batch_op.drop_column("tenant_ref")
        batch_op.drop_column("consent_source")
