"""staff web page and a fast queue: sessions, lock-out, queue indexes, search, due dates

Revision ID: 0005
Revises: 0004

- `staff_sessions` and `sign_in_failures` for the web page's sign-in.
- tickets gain `priority_rank` (computed by the database from `priority`), `search_text` (the
  details' values, lower-cased, kept by a trigger), `first_response_at` (backfilled from the
  timeline), `referred_at`, and composite indexes matched to the queue's filters and sorts.
- On PostgreSQL, `pg_trgm` GIN indexes serve text search in details, names and notes.
- `due_at` is backfilled here for every ticket without one, from the default targets
  (`handlers.actions.due_dates`): the targets in settings apply to tickets from then on.

SQLite rebuilds `tickets` to add the computed column, which drops triggers; any later
migration that rebuilds `tickets` on SQLite must create `SQLITE_TRIGGERS` again.
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

import models.base
from handlers.actions.due_dates import DuePolicy
from models.enums import TicketCategory, TicketPriority
from models.messages import _REACHED_SQL
from models.tickets import _RANK_SQL, OPEN_SQL

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SEARCH_PG = [
    """
CREATE OR REPLACE FUNCTION tickets_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_text := (
        SELECT lower(coalesce(string_agg(value #>> '{}', E'\\n'), ''))
        FROM jsonb_path_query(
            NEW.details::jsonb, 'strict $.** ? (@.type() == "string" || @.type() == "number")'
        ) AS value
    );
    RETURN NEW;
END
$$""",
    """CREATE TRIGGER tickets_search_text BEFORE INSERT OR UPDATE OF details ON tickets
    FOR EACH ROW EXECUTE FUNCTION tickets_search_text()""",
]

_SQLITE_VALUES = (
    "(SELECT lower(coalesce(group_concat(value, char(10)), '')) FROM json_tree(NEW.details) "
    "WHERE type IN ('text', 'integer', 'real'))"
)
SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER tickets_search_text_insert AFTER INSERT ON tickets BEGIN
        UPDATE tickets SET search_text = {_SQLITE_VALUES} WHERE id = NEW.id; END""",
    f"""CREATE TRIGGER tickets_search_text_update AFTER UPDATE OF details ON tickets BEGIN
        UPDATE tickets SET search_text = {_SQLITE_VALUES} WHERE id = NEW.id; END""",
]

# Trigram indexes for `LIKE '%words%'`: PostgreSQL only; SQLite reads the rows instead.
_TRIGRAM_INDEXES = [
    "CREATE INDEX ix_tickets_search_trgm ON tickets USING gin (search_text gin_trgm_ops)",
    "CREATE INDEX ix_contacts_name_trgm ON contacts USING gin (lower(display_name) gin_trgm_ops)",
    "CREATE INDEX ix_ticket_events_note_trgm ON ticket_events "
    "USING gin (lower(data ->> 'text') gin_trgm_ops) WHERE kind = 'note'",
]

# Replaced by the composite indexes below; a lone category index only tempted the planner
# into reading a seventh of all tickets and sorting them.
_OLD_INDEXES = [
    "ix_tickets_status",
    "ix_tickets_assignee_id",
    "ix_tickets_created_at",
    "ix_tickets_category",
]
_DATED = "due_at IS NOT NULL"
_OPEN = OPEN_SQL
_UNASSIGNED = "assignee_id IS NULL"
_NEW_INDEXES: list[tuple[str, list[str], str | None]] = [
    ("ix_tickets_created", ["created_at", "id"], None),
    ("ix_tickets_status_created", ["status", "created_at", "id"], None),
    ("ix_tickets_assignee_created", ["assignee_id", "created_at", "id"], None),
    ("ix_tickets_rank_created", ["priority_rank", "created_at", "id"], None),
    ("ix_tickets_status_rank", ["status", "priority_rank", "created_at", "id"], None),
    ("ix_tickets_due", ["due_at", "id"], _DATED),
    ("ix_tickets_status_due", ["status", "due_at", "id"], _DATED),
    ("ix_tickets_open_created", ["created_at", "id"], _OPEN),
    ("ix_tickets_open_rank", ["priority_rank", "created_at", "id"], _OPEN),
    ("ix_tickets_open_due", ["due_at", "id"], f"{_OPEN} AND {_DATED}"),
    ("ix_tickets_open_assignee_due", ["assignee_id", "due_at", "id"], f"{_OPEN} AND {_DATED}"),
    ("ix_tickets_undated", ["id"], "due_at IS NULL"),
    ("ix_tickets_unassigned_created", ["created_at", "id"], _UNASSIGNED),
    ("ix_tickets_unassigned_rank", ["priority_rank", "created_at", "id"], _UNASSIGNED),
    ("ix_tickets_unassigned_due", ["due_at", "id"], _UNASSIGNED),
]


def _sessions_tables() -> None:
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name="fk_staff_sessions_staff_id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash", name="uq_staff_sessions_token_hash"),
    )
    op.create_index("ix_staff_sessions_staff_id", "staff_sessions", ["staff_id"])
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sign_in_failures_key", "sign_in_failures", ["key_hash", "created_at"])


def _backfill_due_at(connection: sa.Connection) -> None:
    """Give every ticket without a due time one from the default targets, in batches."""
    policy = DuePolicy()
    tickets = sa.table(
        "tickets",
        sa.column("id", sa.Integer),
        sa.column("category", sa.String),
        sa.column("priority", sa.String),
        sa.column("created_at", models.base.UTCDateTime(timezone=True)),
        sa.column("due_at", models.base.UTCDateTime(timezone=True)),
    )
    last = 0
    while True:
        rows = connection.execute(
            sa.select(tickets.c.id, tickets.c.category, tickets.c.priority, tickets.c.created_at)
            .where(tickets.c.due_at.is_(None), tickets.c.id > last)
            .order_by(tickets.c.id)
            .limit(5000)
        ).all()
        if not rows:
            return
        updates = []
        for ticket_id, category, priority, created_at in rows:
            due: datetime | None = policy.due_at(
                created_at=created_at,
                category=TicketCategory(category),
                priority=TicketPriority(priority),
            )
            updates.append({"ticket_id": ticket_id, "due": due})
        connection.execute(
            tickets.update()
            .where(tickets.c.id == sa.bindparam("ticket_id"))
            .values(due_at=sa.bindparam("due")),
            updates,
        )
        last = rows[-1][0]


def upgrade() -> None:
    connection = op.get_bind()
    postgres = connection.dialect.name == "postgresql"
    _sessions_tables()

    rank = sa.Column(
        "priority_rank", sa.SmallInteger(), sa.Computed(_RANK_SQL, persisted=True), nullable=True
    )
    # SQLite cannot add a stored computed column in place, so it rebuilds the table.
    with op.batch_alter_table("tickets", recreate="always" if not postgres else "auto") as batch:
        batch.add_column(rank)
        batch.add_column(sa.Column("search_text", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("first_response_at", models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column("referred_at", models.base.UTCDateTime(timezone=True), nullable=True)
        )
        for name in _OLD_INDEXES:
            batch.drop_index(name)

    for name, columns, partial in _NEW_INDEXES:
        where = sa.text(partial) if partial else None
        op.create_index(name, "tickets", columns, postgresql_where=where, sqlite_where=where)
    reached = sa.text(_REACHED_SQL)
    op.create_index(
        "ix_messages_reached",
        "messages",
        ["ticket_id", "id"],
        postgresql_where=reached,
        sqlite_where=reached,
    )

    if postgres:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for statement in _SEARCH_PG if postgres else SQLITE_TRIGGERS:
        op.execute(statement)
    # Touching `details` fills `search_text` through the trigger just made.
    op.execute("UPDATE tickets SET details = details")
    if postgres:
        for statement in _TRIGRAM_INDEXES:
            op.execute(statement)

    op.execute(
        "UPDATE tickets SET first_response_at = (SELECT min(e.created_at) FROM ticket_events e "
        "WHERE e.ticket_id = tickets.id AND e.actor_type = 'staff' "
        "AND e.kind IN ('message_out', 'status_changed'))"
    )
    _backfill_due_at(connection)


def downgrade() -> None:
    connection = op.get_bind()
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        for name in (
            "ix_ticket_events_note_trgm",
            "ix_contacts_name_trgm",
            "ix_tickets_search_trgm",
        ):
            op.execute(f"DROP INDEX IF EXISTS {name}")
        op.execute("DROP TRIGGER IF EXISTS tickets_search_text ON tickets")
        op.execute("DROP FUNCTION IF EXISTS tickets_search_text()")
    else:
        op.execute("DROP TRIGGER IF EXISTS tickets_search_text_insert")
        op.execute("DROP TRIGGER IF EXISTS tickets_search_text_update")
    op.drop_index("ix_messages_reached", table_name="messages")
    for name, _, _ in _NEW_INDEXES:
        op.drop_index(name, table_name="tickets")
    with op.batch_alter_table("tickets") as batch:
        for name in ("referred_at", "first_response_at", "search_text", "priority_rank"):
            batch.drop_column(name)
        batch.create_index("ix_tickets_status", ["status"])
        batch.create_index("ix_tickets_assignee_id", ["assignee_id"])
        batch.create_index("ix_tickets_created_at", ["created_at"])
        batch.create_index("ix_tickets_category", ["category"])
    op.drop_index("ix_sign_in_failures_key", table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
    op.drop_index("ix_staff_sessions_staff_id", table_name="staff_sessions")
    op.drop_table("staff_sessions")
