"""Requests for help, and the timeline of everything that happens to each."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, enum_type, utcnow
from models.enums import (
    ActorType,
    Channel,
    EventKind,
    TicketCategory,
    TicketPriority,
    TicketStatus,
)

REF_PREFIX = "HH-"


def format_ref(ticket_id: int) -> str:
    """The reference a person quotes on the phone, e.g. `HH-000123`."""
    return f"{REF_PREFIX}{ticket_id:06d}"


def parse_ref(ref: str) -> int | None:
    """The ticket id behind a reference, or None when it is not one of ours."""
    text = ref.strip().upper()
    if not text.startswith(REF_PREFIX) or not text[len(REF_PREFIX) :].isdigit():
        return None
    return int(text[len(REF_PREFIX) :])


PRIORITY_RANK: dict[TicketPriority, int] = {
    TicketPriority.URGENT: 0,
    TicketPriority.HIGH: 1,
    TicketPriority.NORMAL: 2,
    TicketPriority.LOW: 3,
}
"""Urgent first: the order `sort=priority` reads the queue in, stored as `priority_rank`."""

_RANK_SQL = (
    "CASE priority "
    + " ".join(f"WHEN '{p.value}' THEN {rank}" for p, rank in PRIORITY_RANK.items())
    + " ELSE 9 END"
)

# The queue's reads, each matched to an index that returns its rows already in order: every
# filter-and-sort the staff page and the API use most reads one index range and stops after a
# page. `id` ends each key, so the cursor's row comparison is one range condition.
_DATED = sa.text("due_at IS NOT NULL")
OPEN_SQL = "status IN ('new', 'in_progress', 'waiting')"
_OPEN = sa.text(OPEN_SQL)
_OPEN_DATED = sa.text(f"{OPEN_SQL} AND due_at IS NOT NULL")
_UNDATED = sa.text("due_at IS NULL")
_UNASSIGNED = sa.text("assignee_id IS NULL")
TICKET_INDEXES = (
    sa.Index("ix_tickets_created", "created_at", "id"),
    sa.Index("ix_tickets_status_created", "status", "created_at", "id"),
    sa.Index("ix_tickets_assignee_created", "assignee_id", "created_at", "id"),
    sa.Index("ix_tickets_rank_created", "priority_rank", "created_at", "id"),
    sa.Index("ix_tickets_status_rank", "status", "priority_rank", "created_at", "id"),
    sa.Index("ix_tickets_due", "due_at", "id", postgresql_where=_DATED, sqlite_where=_DATED),
    # Tickets opened within a window, read soonest due first: the window narrows the rows and
    # the due time and id are checked in the index, so a late page reads only its own rows
    # rather than every ticket due after the window began.
    sa.Index(
        "ix_tickets_created_due",
        "created_at",
        "due_at",
        "id",
        postgresql_where=_DATED,
        sqlite_where=_DATED,
    ),
    sa.Index(
        "ix_tickets_status_due",
        "status",
        "due_at",
        "id",
        postgresql_where=_DATED,
        sqlite_where=_DATED,
    ),
    # The open tickets, a small part of all: every staff view reads one of these, in order.
    sa.Index(
        "ix_tickets_open_created", "created_at", "id", postgresql_where=_OPEN, sqlite_where=_OPEN
    ),
    sa.Index(
        "ix_tickets_open_rank",
        "priority_rank",
        "created_at",
        "id",
        postgresql_where=_OPEN,
        sqlite_where=_OPEN,
    ),
    sa.Index(
        "ix_tickets_open_due",
        "due_at",
        "id",
        postgresql_where=_OPEN_DATED,
        sqlite_where=_OPEN_DATED,
    ),
    # A priority read soonest due first (the Urgent view, and the filter with the due sort):
    # the priority narrows and the index gives the order, so a page reads only its own rows
    # where a bitmap of every ticket of that priority was read and sorted.
    sa.Index(
        "ix_tickets_rank_due",
        "priority_rank",
        "due_at",
        "id",
        postgresql_where=_DATED,
        sqlite_where=_DATED,
    ),
    sa.Index(
        "ix_tickets_open_rank_due",
        "priority_rank",
        "due_at",
        "id",
        postgresql_where=_OPEN_DATED,
        sqlite_where=_OPEN_DATED,
    ),
    # Someone's tickets soonest due first, whatever their status.
    sa.Index(
        "ix_tickets_assignee_due",
        "assignee_id",
        "due_at",
        "id",
        postgresql_where=_DATED,
        sqlite_where=_DATED,
    ),
    # The open ones among a list of ids (the failed deliveries', a search's candidates) are
    # found in this small index, and only those tickets are read.
    sa.Index("ix_tickets_open_id", "id", postgresql_where=_OPEN, sqlite_where=_OPEN),
    # Someone's own open tickets, soonest due first: the Mine view.
    sa.Index(
        "ix_tickets_open_assignee_due",
        "assignee_id",
        "due_at",
        "id",
        postgresql_where=_OPEN_DATED,
        sqlite_where=_OPEN_DATED,
    ),
    # Undated tickets are read by id after the dated ones; without this, finding none means
    # reading every ticket.
    sa.Index("ix_tickets_undated", "id", postgresql_where=_UNDATED, sqlite_where=_UNDATED),
    # `assignee_id IS NULL` cannot order a scan of (assignee_id, ...) the way `= 7` can, so
    # the unassigned tickets have their own.
    sa.Index(
        "ix_tickets_unassigned_created",
        "created_at",
        "id",
        postgresql_where=_UNASSIGNED,
        sqlite_where=_UNASSIGNED,
    ),
    sa.Index(
        "ix_tickets_unassigned_rank",
        "priority_rank",
        "created_at",
        "id",
        postgresql_where=_UNASSIGNED,
        sqlite_where=_UNASSIGNED,
    ),
    sa.Index(
        "ix_tickets_unassigned_due",
        "due_at",
        "id",
        postgresql_where=_UNASSIGNED,
        sqlite_where=_UNASSIGNED,
    ),
    # The queue filtered by the person's language, newest first.
    sa.Index("ix_tickets_language_created", "language", "created_at", "id"),
    sa.Index(
        "ix_tickets_search_trgm",
        sa.literal_column("search_text").label("search"),
        postgresql_using="gin",
        postgresql_ops={"search": "gin_trgm_ops"},
    ).ddl_if(dialect="postgresql"),
)


class Ticket(SQLModel, table=True):
    """One request for help; `details` holds the answers the person gave, as structured data.

    `due_at`, when set, is never before `created_at` (targets are positive), which the queue's
    reads rely on.

    `search_text` is the details' values (never their keys), lower-cased, kept by a database
    trigger so every insert, however made, is searchable; `priority_rank` is computed by the
    database from `priority`.
    """

    __tablename__ = "tickets"
    __table_args__ = TICKET_INDEXES

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contacts.id", index=True)
    identity_id: int | None = Field(default=None, foreign_key="channel_identities.id")
    channel: Channel = Field(sa_type=enum_type(Channel))
    category: TicketCategory = Field(sa_type=enum_type(TicketCategory))
    # The person's language when they asked, which staff replies are sent in.
    language: str = Field(default="en", max_length=10)
    status: TicketStatus = Field(default=TicketStatus.NEW, sa_type=enum_type(TicketStatus))
    priority: TicketPriority = Field(
        default=TicketPriority.NORMAL, sa_type=enum_type(TicketPriority)
    )
    priority_rank: int | None = Field(
        default=None,
        sa_column=sa.Column(
            "priority_rank", sa.SmallInteger, sa.Computed(_RANK_SQL, persisted=True)
        ),
    )
    assignee_id: int | None = Field(default=None, foreign_key="staff.id")
    details: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    search_text: str | None = Field(default=None, sa_type=sa.Text)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    first_response_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    referred_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def ref(self) -> str:
        if self.id is None:
            raise ValueError("a ticket has no reference until it is stored")
        return format_ref(self.id)


NOTE_TEXT_SQL = "CASE WHEN kind = 'note' THEN lower(data ->> 'text') END"
"""What `ticket_events.note_text` holds: the same on SQLite and PostgreSQL."""


class TicketEvent(SQLModel, table=True):
    """One entry in a ticket's timeline. Rows are only ever added, never changed."""

    __tablename__ = "ticket_events"
    # Finding tickets by words in their notes (PostgreSQL; SQLite reads the notes instead).
    __table_args__ = (
        sa.Index(
            "ix_ticket_events_note_trgm",
            sa.literal_column("note_text").label("note"),
            postgresql_using="gin",
            postgresql_ops={"note": "gin_trgm_ops"},
            postgresql_where=sa.text("kind = 'note'"),
        ).ddl_if(dialect="postgresql"),
        # The notes newest first: a common phrase's newest notes are found by reading them in
        # this order and stopping, where the trigram index would hand over every match.
        sa.Index(
            "ix_ticket_events_note_ticket",
            "ticket_id",
            postgresql_where=sa.text("kind = 'note'"),
            sqlite_where=sa.text("kind = 'note'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    kind: EventKind = Field(sa_type=enum_type(EventKind))
    actor_type: ActorType = Field(sa_type=enum_type(ActorType))
    actor_id: int | None = None
    message_id: int | None = Field(default=None, foreign_key="messages.id")
    data: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    # A note's words lower-cased, kept by the database for the search: reading this is a
    # fraction of the cost of decoding each note's JSON, which a common phrase did 20,000 times.
    note_text: str | None = Field(
        default=None,
        sa_column=sa.Column("note_text", sa.Text, sa.Computed(NOTE_TEXT_SQL, persisted=True)),
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
