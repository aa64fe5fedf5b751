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

import re
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Select, Subquery

from handlers.actions.ticket_rows import CONTACTS, EVENTS, TICKETS, among
from models.enums import EventKind
from models.tickets import parse_ref

SEARCH_LIMIT = 1000
"""At most this many of the newest matching tickets are searched further; the queue says so."""

_SEARCH_TEXT: ColumnElement[str] = TICKETS.c.search_text
# The exact expressions the trigram indexes were built on, so PostgreSQL can match them. A
# note's words are read lower-cased from their own column, which the database keeps.
_NOTE_TEXT: ColumnElement[str] = EVENTS.c.note_text
_NAME = sa.func.lower(CONTACTS.c.display_name)


_ESCAPE = "/"
# The words and limits are written into the SQL when it runs (they are escaped as literals),
# so that PostgreSQL plans each search knowing how common its words are: a phrase in one note
# of twenty is found by reading the notes newest first and stopping at the limit, a rare one
# through the trigram index, which otherwise hands over every match to be sorted.
_WORDS = sa.bindparam("search_words", type_=sa.String, literal_execute=True)
_PATTERN = sa.bindparam("search_pattern", type_=sa.String, literal_execute=True)
_PHRASE = sa.bindparam("search_phrase", type_=sa.String, literal_execute=True)
_LIMIT = sa.bindparam("search_limit", type_=sa.Integer, literal_execute=True)
_PEOPLE = sa.bindparam("search_people", type_=sa.Integer, literal_execute=True)
_REF = sa.bindparam("search_ref", type_=sa.Integer)

# Runs of letters and digits this long give the trigram index trigrams of their own.
_RUN = re.compile(r"[^\W_]+")
_INDEXED_RUN = 3


def _like(expression: ColumnElement[Any], postgres: bool) -> ColumnElement[bool]:
    """A case-insensitive substring match with the words as `search_values` gives them.

    On PostgreSQL the trigram index is asked only about the words' longer runs of letters and
    digits, in order (`search_pattern`), and the rows it finds are checked for the words
    themselves: the whole phrase's trigrams include those of its short words and word starts
    ("at", "a..."), which half the notes hold, and reading those took the index 15 ms for a
    phrase in one note of a thousand. The check is `strpos`, which the planner counts as
    passing nearly every row, so it judges how common the search is by the pattern alone.
    """
    if not postgres:
        return expression.contains(_WORDS, escape=_ESCAPE)
    return sa.and_(
        expression.like(_PATTERN, escape=_ESCAPE),
        sa.func.strpos(expression, _PHRASE) != sa.literal(0, literal_execute=True),
    )


def _escaped(text: str) -> str:
    for special in (_ESCAPE, "%", "_"):
        text = text.replace(special, _ESCAPE + special)
    return text


def search_values(words: str, limit: int = SEARCH_LIMIT) -> dict[str, Any]:
    """The values `search_candidates` is executed with: the words taken literally (`%`, `_`
    and the escape character too) and lower-cased."""
    phrase = words.lower()
    runs = [run for run in _RUN.findall(phrase) if len(run) >= _INDEXED_RUN]
    # Each run holds only letters and digits, so none needs escaping; every row holding the
    # phrase holds its runs in this order.
    pattern = "%" + ("%".join(runs) if runs else _escaped(phrase)) + "%"
    values: dict[str, Any] = {
        _WORDS.key: _escaped(phrase),
        _PATTERN.key: pattern,
        _PHRASE.key: phrase,
        _LIMIT.key: limit,
        _PEOPLE.key: max(limit // 5, 1),
    }
    ticket_id = parse_ref(words)
    if ticket_id is not None:
        values[_REF.key] = ticket_id
    return values


# What a search's candidates carry: every column the queue's filters, orders and lists read
# (the details as the text of their JSON, which PostgreSQL can compare in the UNION).
_CARRIED: tuple[ColumnElement[Any], ...] = tuple(
    sa.cast(column, sa.Text).label(column.name) if column.name == "details" else column
    for column in TICKETS.c
    if column.name != "search_text"
)


@cache
def search_candidates(with_ref: bool, postgres: bool = False) -> Subquery:
    """The newest `limit` tickets whose details, person's name or notes hold the words, and
    the ticket a reference names (`with_ref`: when the words are one), with their columns.

    Built once, its values bound when it runs (`search_values`): a statement this size takes
    longer to build and to key for the compiled-statement cache than a rare search takes to
    run. Each place gives at most `limit` tickets, newest first (the tickets of the newest
    `limit / 5` people of that name; the tickets of the newest `limit` notes), so the planner
    may read either its trigram index or the rows newest-first, whichever is cheaper. The
    tickets come with their columns, read as each place finds them, so the queue's filters
    and order apply without reading the candidates again by id (1,000 reads of the key).
    """
    tickets = TICKETS.c
    in_details: Select[Any] = (
        sa.select(*_CARRIED)
        .where(_like(_SEARCH_TEXT, postgres))
        .order_by(tickets.id.desc())
        .limit(_LIMIT)
    )
    # People are bounded first: a common surname names thousands, and their tickets are
    # read through the contact index only for the newest of them.
    people = (
        sa.select(CONTACTS.c.id)
        .where(_like(_NAME, postgres))
        .order_by(CONTACTS.c.id.desc())
        .limit(_PEOPLE)
        .subquery()
    )
    by_name: Select[Any] = (
        sa.select(*_CARRIED)
        .where(tickets.contact_id.in_(sa.select(people.c.id)))
        .order_by(tickets.id.desc())
        .limit(_LIMIT)
    )
    # The planner chooses between reading the notes newest first and the trigram index by
    # how common the phrase is, which it knows from the statistics on `note_text`. The kind
    # is written into the SQL so that the notes' partial indexes serve even a plan reused
    # for the prepared statement.
    noted: Select[Any] = (
        sa.select(EVENTS.c.ticket_id)
        .where(
            EVENTS.c.kind == sa.literal(EventKind.NOTE.value, literal_execute=True),
            _like(_NOTE_TEXT, postgres),
        )
        .order_by(EVENTS.c.ticket_id.desc())
        .limit(_LIMIT)
    )
    in_notes: Select[Any] = sa.select(*_CARRIED).where(among(noted, postgres))
    arms: list[Any] = [in_details.subquery(), by_name.subquery(), in_notes.subquery()]
    parts = [sa.select(*arm.c) for arm in arms]
    if with_ref:
        parts.append(sa.select(*_CARRIED).where(tickets.id == _REF))
    matches = sa.union(*parts).subquery("matches")
    newest: Select[Any] = sa.select(*matches.c).order_by(matches.c.id.desc()).limit(_LIMIT)
    return newest.subquery("found")
