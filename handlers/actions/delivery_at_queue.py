"""Replies written already claimed: a step run by a process that sends its replies as soon as it
commits (the worker's inbox, `bot.inbox`) stores them claimed when the person has no other
message unfinished, which saves the claim's read and its update: two of a step's round trips.

The check is made by the insert itself, so it sees what a claim made after it would see: any
message queued by another transaction and committed before it. Otherwise they are queued, and
claimed as any other. PostgreSQL only: SQLite's insert of several rows sees the first when
checking the second.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, case, exists, insert, literal, or_
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.delivery_plain import CLAIM_AT_ONCE, plain
from handlers.actions.inserts import Along, dialect_name, insert_rows, insert_rows_through
from models import ChannelIdentity, Message
from models.enums import DeliveryStatus, Direction

CLAIM_AT_QUEUE = "delivery.claim_at_queue"
"""A key the sender puts in a session's `info`: the time to claim at, when replies queued in
the session may be written claimed (`insert_replies`); taken back with `take_claimed`."""
_CLAIMED = "delivery.claimed_at_queue"
_CLAIMED_IDS = "delivery.claimed_at_queue.ids"


@cache
def _claiming() -> Any:
    """The insert of replies to the person `person`: claimed (sending, an attempt spent, at
    `claimed_at`) when the person has no unfinished message, else queued. The check reads the
    table as it was before the statement, so every row it writes gets the same answer."""
    table: Any = Message.__table__  # type: ignore[attr-defined]
    status = table.c.status
    busy = exists().where(
        table.c.identity_id == bindparam("person"),
        table.c.direction == Direction.OUT,
        # Not IN: a list parameter cannot repeat for each row of the insert.
        or_(status == DeliveryStatus.QUEUED, status == DeliveryStatus.SENDING),
    )
    return (
        insert(table)
        .values(
            status=case(
                (busy, literal(DeliveryStatus.QUEUED, status.type)),
                else_=literal(DeliveryStatus.SENDING, status.type),
            ),
            attempts=case((busy, 0), else_=1),
        )
        .returning(table.c.id, status, table.c.attempts, sort_by_parameter_order=True)
    )


async def insert_replies(
    *,
    session: AsyncSession,
    identity: ChannelIdentity,
    rows: Sequence[Mapping[str, Any]],
    along: Along | None = None,
) -> list[Message]:
    """Store new replies to one person (their outbox rows' values, queued), in one statement
    that also makes the write `along`, if any; claimed instead when the session's sender asked
    for it (`CLAIM_AT_QUEUE`), they may all go together (`delivery_along`) and the person has
    no other message unfinished."""
    claimed_at: datetime | None = session.info.get(CLAIM_AT_QUEUE)
    if (
        claimed_at is None
        or dialect_name(session) != "postgresql"
        or identity.opted_out
        or not 0 < len(rows) <= CLAIM_AT_ONCE
        or not all(plain(r["priority"], r["channel"], r["payload"]) for r in rows)
    ):
        return await insert_rows(session, Message, rows, along)
    # A claim's time, as `delivery_along.do_mark_sending` sets it: a reply's own time is the
    # event's, which may be long past, and would make the claim look abandoned.
    rows = [{**row, "updated_at": claimed_at} for row in rows]
    messages = await insert_rows_through(
        session,
        Message,
        rows,
        _claiming(),
        decided=("status", "attempts"),
        shared={"person": identity.id},
        along=along,
    )
    if messages[0].status == DeliveryStatus.SENDING:
        claimed: dict[int, tuple[ChannelIdentity, list[Message]]]
        claimed = session.info.setdefault(_CLAIMED, {})
        claimed[identity.id or 0] = (identity, messages)
        session.info.setdefault(_CLAIMED_IDS, []).extend(m.id for m in messages)
    return messages


def take_claimed(
    session: AsyncSession, identity_id: int
) -> tuple[ChannelIdentity, list[Message]] | None:
    """The person, and their replies written claimed in this session (`insert_replies`) and
    not taken yet: all their unfinished messages."""
    claimed: dict[int, tuple[ChannelIdentity, list[Message]]] = session.info.get(_CLAIMED, {})
    return claimed.pop(identity_id, None)


def claimed_ids(info: Mapping[Any, Any]) -> list[int]:
    """The ids of replies written claimed in a session (its `info`), taken or not: a step that
    failed after committing some leaves them for its caller to give back."""
    ids: list[int] = info.get(_CLAIMED_IDS, [])
    return ids
