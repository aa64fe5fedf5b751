"""notes' words stored for the search; indexes for a priority or a person read soonest due
first, the open tickets among a list of ids, and the failed messages to people

Revision ID: 0012_queue_reads
Revises: 0011_queue_indexes
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.messages import FAILED_SQL
from models.tickets import NOTE_TEXT_SQL, OPEN_SQL

revision: str = "0012_queue_reads"
down_revision: str | None = "0011_queue_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DATED = sa.text("due_at IS NOT NULL")
_OPEN = sa.text(OPEN_SQL)
_OPEN_DATED = sa.text(f"{OPEN_SQL} AND due_at IS NOT NULL")
_FAILED = sa.text(FAILED_SQL)

# Replaced by the plain statistics of `note_text`, a column of its own now.
_NOTE_TEXT_STATISTICS = "st_ticket_events_note_text"

_TICKET_INDEXES: list[tuple[str, list[str], sa.TextClause]] = [
    ("ix_tickets_rank_due", ["priority_rank", "due_at", "id"], _DATED),
    ("ix_tickets_open_rank_due", ["priority_rank", "due_at", "id"], _OPEN_DATED),
    ("ix_tickets_assignee_due", ["assignee_id", "due_at", "id"], _DATED),
    ("ix_tickets_open_id", ["id"], _OPEN),
]


def _note_text() -> sa.Column[str]:
    return sa.Column("note_text", sa.Text(), sa.Computed(NOTE_TEXT_SQL, persisted=True))


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.add_column("ticket_events", _note_text())
        op.execute("DROP INDEX IF EXISTS ix_ticket_events_note_trgm")
        op.execute(f"DROP STATISTICS IF EXISTS {_NOTE_TEXT_STATISTICS}")
        op.execute(
            "CREATE INDEX ix_ticket_events_note_trgm ON ticket_events "
            "USING gin (note_text gin_trgm_ops) WHERE kind = 'note'"
        )
    else:
        # SQLite cannot add a stored computed column in place, so it rebuilds the table.
        with op.batch_alter_table("ticket_events", recreate="always") as batch:
            batch.add_column(_note_text())
    for name, columns, where in _TICKET_INDEXES:
        op.create_index(name, "tickets", columns, postgresql_where=where, sqlite_where=where)
    op.create_index(
        "ix_messages_failed",
        "messages",
        ["ticket_id", "id"],
        postgresql_where=_FAILED,
        sqlite_where=_FAILED,
    )
    if postgres:
        op.execute("ANALYZE ticket_events")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.drop_index("ix_messages_failed", table_name="messages")
    for name, _, _ in reversed(_TICKET_INDEXES):
        op.drop_index(name, table_name="tickets")
    if postgres:
        op.execute("DROP INDEX IF EXISTS ix_ticket_events_note_trgm")
        op.drop_column("ticket_events", "note_text")
        op.execute(
            "CREATE INDEX ix_ticket_events_note_trgm ON ticket_events "
            "USING gin (lower(data ->> 'text') gin_trgm_ops) WHERE kind = 'note'"
        )
        op.execute(
            f"CREATE STATISTICS {_NOTE_TEXT_STATISTICS} ON (lower(data ->> 'text')) "
            "FROM ticket_events"
        )
        op.execute("ANALYZE ticket_events")
    else:
        with op.batch_alter_table("ticket_events", recreate="always") as batch:
            batch.drop_column("note_text")
