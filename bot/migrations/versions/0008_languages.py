"""each contact's language says where it came from; each ticket keeps its person's language

Revision ID: 0008_languages
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_languages"
down_revision: str | None = "0010_privacy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language_source", sa.String(length=32), nullable=True))
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sa.String(length=10), nullable=False, server_default="en")
        )
    # Tickets made before this revision are in their person's language.
    op.execute(
        "UPDATE tickets SET language = "
        "(SELECT contacts.language FROM contacts WHERE contacts.id = tickets.contact_id)"
    )
    op.create_index(
        "ix_tickets_language_created", "tickets", ["language", "created_at", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_language_created", table_name="tickets")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("language")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("language_source")
