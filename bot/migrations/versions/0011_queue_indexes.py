"""the queue's window read soonest due first gets an index of its own

Revision ID: 0011_queue_indexes
Revises: 0009_checkins
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_queue_indexes"
down_revision: str | None = "0009_checkins"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DATED = sa.text("due_at IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_tickets_created_due",
        "tickets",
        ["created_at", "due_at", "id"],
        postgresql_where=_DATED,
        sqlite_where=_DATED,
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_created_due", table_name="tickets")
