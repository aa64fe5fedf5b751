"""Finding tickets by words: in the details' values, the person's name, the notes, or a reference.

Each place is searched on its own, so that on PostgreSQL each reads its own trigram index
(`ix_tickets_search_trgm`, `ix_contacts_name_trgm`, `ix_ticket_events_note_trgm`); an OR across
three tables would read every ticket instead. The matches are bounded: the newest
`SEARCH_LIMIT` tickets that match are the candidates the queue's filters and sort then apply to,
so a word that is in half the tickets costs a bounded amount of work, not a million rows.

Details are searched in `tickets.search_text`, which the database fills from the details'
values (never their keys) whenever a ticket is written.
"""

from __future__ import annotations

from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Select
from sqlmodel import col, func, select

from models import Contact, Ticket, TicketEvent
from models.enums import EventKind
from models.tickets import parse_ref

SEARCH_LIMIT = 1000
"""At most this many of the newest matching tickets are searched further; the queue says so."""

_SEARCH_TEXT = cast(ColumnElement[str], col(Ticket.search_text))
# The exact expressions the trigram indexes were built on, so PostgreSQL can match them.
_NOTE_TEXT = func.lower(sa.literal_column("ticket_events.data ->> 'text'"))
_NAME = func.lower(col(Contact.display_name))


def _like(expression: ColumnElement[Any], words: str) -> ColumnElement[bool]:
    """A case-insensitive substring match with the words taken literally (`%` and `_` too)."""
    return expression.contains(words.lower(), autoescape=True)


def search_candidates(words: str, limit: int = SEARCH_LIMIT) -> Select[Any]:
    """The ids of the newest `limit` tickets whose details, person's name or notes hold `words`.

    Each place gives at most `limit` ids, newest first (the tickets of the newest `limit / 5`
    people of that name; the tickets of the newest `limit` notes), so the planner may read
    either its trigram index or the rows newest-first, whichever is cheaper for these words.
    """
    in_details: Select[Any] = (
        select(col(Ticket.id).label("id"))
        .where(_like(_SEARCH_TEXT, words))
        .order_by(col(Ticket.id).desc())
        .limit(limit)
    )
    # People are bounded first: a common surname names thousands, and their tickets are
    # read through the contact index only for the newest of them.
    people = (
        select(col(Contact.id))
        .where(_like(_NAME, words))
        .order_by(col(Contact.id).desc())
        .limit(max(limit // 5, 1))
        .subquery()
    )
    by_name: Select[Any] = (
        select(col(Ticket.id).label("id"))
        .where(col(Ticket.contact_id).in_(select(people.c.id)))
        .order_by(col(Ticket.id).desc())
        .limit(limit)
    )
    # OFFSET 0 fences the notes in: without it the planner, which cannot tell how common a
    # phrase is, may read every event newest first hoping to meet matches soon; fenced, it
    # asks the trigram index, which answers a rare phrase at once.
    noted = (
        select(col(TicketEvent.ticket_id).label("id"))
        .where(TicketEvent.kind == EventKind.NOTE, _like(_NOTE_TEXT, words))
        .offset(0)
        .subquery()
    )
    in_notes: Select[Any] = select(noted.c.id).order_by(noted.c.id.desc()).limit(limit)
    arms: list[Any] = [in_details.subquery(), by_name.subquery(), in_notes.subquery()]
    ticket_id = parse_ref(words)
    parts = [select(arm.c.id) for arm in arms]
    if ticket_id is not None:
        parts.append(select(sa.literal(ticket_id).label("id")))
    matches = sa.union(*parts).subquery("matches")
    return select(matches.c.id).order_by(matches.c.id.desc()).limit(limit)
