"""Which people have a message due: the outbox read for delivery's sweep and its wake-ups.

A person's messages go oldest first, so their oldest unfinished one (the head) says when they
are due; except that a bulk head waiting for its time (a check-in held for its window, or its
retry) holds back no answer, staff reply or emergency queued behind it (see `delivery`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Message
from models.enums import DeliveryStatus, Direction, OutboundPriority

# A message left "sending" this long belongs to a process that died mid-send.
STALE_SENDING = timedelta(minutes=2)
UNFINISHED = (DeliveryStatus.QUEUED, DeliveryStatus.SENDING)


def _heads(people: Sequence[int] | None = None) -> Any:
    """Per person with unfinished outbound messages (of `people`, when given): the oldest one's
    id (the only one that can go next), the oldest above bulk (which may pass a waiting bulk
    head) and the highest priority waiting behind it."""
    mine = [] if people is None else [col(Message.identity_id).in_(people)]
    return (
        select(
            col(Message.identity_id).label("identity_id"),
            func.min(Message.id).label("head_id"),
            func.min(
                sa.case((col(Message.priority) > OutboundPriority.BULK, col(Message.id)))
            ).label("urgent_id"),
            func.max(Message.priority).label("top"),
        )
        .where(Message.direction == Direction.OUT, col(Message.status).in_(UNFINISHED), *mine)
        .group_by(col(Message.identity_id))
        .subquery()
    )


@dataclass(frozen=True)
class DueRecipient:
    """A person with a message due, and the highest priority among their unfinished messages:
    whatever runs for them must be picked as soon as that message would be."""

    identity_id: int
    priority: int


async def list_due_recipients(
    *, session: AsyncSession, due_by: datetime, limit: int = 200
) -> list[int]:
    """The people whose next message is due by `due_by`, most urgent first, then oldest."""
    due = await list_due(session=session, due_by=due_by, limit=limit)
    return [d.identity_id for d in due]


async def list_due(
    *,
    session: AsyncSession,
    due_by: datetime,
    limit: int = 200,
    people: Sequence[int] | None = None,
) -> list[DueRecipient]:
    """`list_due_recipients` with each person's priority; only of `people`, when given."""
    heads = _heads(people)
    urgent = aliased(Message)
    due = or_(
        (col(Message.status) == DeliveryStatus.QUEUED) & (col(Message.next_attempt_at) <= due_by),
        (col(Message.status) == DeliveryStatus.SENDING)
        & (col(Message.updated_at) <= due_by - STALE_SENDING),
        (col(Message.status) == DeliveryStatus.QUEUED)
        & (col(Message.priority) == OutboundPriority.BULK)
        & (col(urgent.status) == DeliveryStatus.QUEUED)
        & (col(urgent.next_attempt_at) <= due_by),
    )
    statement = (
        select(heads.c.identity_id, heads.c.top)
        .join(Message, col(Message.id) == heads.c.head_id)
        .outerjoin(urgent, col(urgent.id) == heads.c.urgent_id)
        .where(due)
        .order_by(heads.c.top.desc(), heads.c.head_id)
        .limit(limit)
    )
    rows = (await session.exec(statement)).all()
    return [DueRecipient(int(i), int(top)) for i, top in rows]


async def find_next_due(*, session: AsyncSession) -> datetime | None:
    """When the earliest waiting retry falls due (a message no earlier one holds back)."""
    heads = _heads()
    statement = (
        select(func.min(Message.next_attempt_at))
        .join(heads, col(Message.id) == heads.c.head_id)
        .where(Message.status == DeliveryStatus.QUEUED)
    )
    found: datetime | None = (await session.exec(statement)).one()
    head = aliased(Message)
    behind = (
        select(func.min(Message.next_attempt_at))
        .join(heads, col(Message.id) == heads.c.urgent_id)
        .join(head, col(head.id) == heads.c.head_id)
        .where(
            Message.status == DeliveryStatus.QUEUED,
            head.status == DeliveryStatus.QUEUED,
            head.priority == OutboundPriority.BULK,
        )
    )
    passing: datetime | None = (await session.exec(behind)).one()
    return min((d for d in (found, passing) if d is not None), default=None)
