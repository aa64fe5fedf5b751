"""the queue's window read soonest due first, and common phrases in notes, get indexes

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
_NOTE = sa.text("kind = 'note'")

# How common a phrase is in the notes, for the planner: with it, a search for a phrase in one
# note of twenty reads the notes newest first and stops, and a rare one asks the trigram index.
_NOTE_TEXT_STATISTICS = "st_ticket_events_note_text"


def upgrade() -> None:
    op.create_index(
        "ix_tickets_created_due",
        "tickets",
        ["created_at", "due_at", "id"],
        postgresql_where=_DATED,
        sqlite_where=_DATED,
    )
    op.create_index(
        "ix_ticket_events_note_ticket",
        "ticket_events",
        ["ticket_id"],
        postgresql_where=_NOTE,
        sqlite_where=_NOTE,
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE STATISTICS {_NOTE_TEXT_STATISTICS} ON (lower(data ->> 'text')) "
            "FROM ticket_events"
        )
        op.execute("ANALYZE ticket_events")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP STATISTICS IF EXISTS {_NOTE_TEXT_STATISTICS}")
    op.drop_index("ix_ticket_events_note_ticket", table_name="ticket_events")
    op.drop_index("ix_tickets_created_due", table_name="tickets")
