"""outbound priority, parts already sent, possible duplicates, and shared rate limits

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        # Messages queued before this revision were all answers to people: REPLY (50).
        batch_op.add_column(
            sa.Column("priority", sa.Integer(), nullable=False, server_default="50")
        )
        batch_op.add_column(
            sa.Column("sent_parts", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(
            sa.Column("maybe_duplicate", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index("ix_messages_recipient", ["identity_id", "status"], unique=False)
    op.create_table(
        "rate_slots",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("next_free", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("rate_slots")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_recipient")
        batch_op.drop_column("maybe_duplicate")
        batch_op.drop_column("sent_parts")
        batch_op.drop_column("priority")
