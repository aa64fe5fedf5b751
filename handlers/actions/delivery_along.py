"""Messages claimed along with a person's next one: those queued right behind it, due and plain,
go in the same run without a claim of their own (a new person's greeting and privacy notice).

Each is sent only after the one before it went through; when one fails, those behind it are
given back to the queue untried (`do_give_back`), so order and each message's attempts stand
as if they had been claimed one by one. A process that dies mid-run leaves them "sending", as
it leaves the message it was sending: each then goes again, marked as a possible duplicate.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, update
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.delivery_due import UNFINISHED
from handlers.actions.delivery_plain import CLAIM_AT_ONCE, plain
from handlers.actions.delivery_reports import REPORTED_CHANNELS
from models import ChannelIdentity, Message
from models.enums import Channel, DeliveryStatus, Direction


def _plain(message: Message) -> bool:
    return plain(message.priority, message.channel, message.payload)


def claims_all(
    head: Message, behind: Sequence[Message], taken: Sequence[Message], identity: ChannelIdentity
) -> bool:
    """Whether a claim of `head` with `taken` holds every unfinished message the person had
    (`behind` is all that was read after it, fewer than `CLAIM_AT_ONCE` in all), each plain: once
    they are sent, the run may finish with `do_record_sent_last`."""
    read_all = len(behind) + 1 < CLAIM_AT_ONCE
    return read_all and len(taken) == len(behind) and not identity.opted_out and _plain(head)


def claim_along(
    head: Message, behind: Sequence[Message], identity: ChannelIdentity, now: datetime
) -> list[Message]:
    """Those of `behind` (the person's next messages after `head`, in order) that may go right
    after it: queued, due and plain, up to the first that is not. They are claimed with the
    head (`do_mark_sending`)."""
    if identity.opted_out or not _plain(head):
        return []
    along: list[Message] = []
    for message in behind:
        due = message.next_attempt_at is None or message.next_attempt_at <= now
        if message.status != DeliveryStatus.QUEUED or not due or not _plain(message):
            break
        if message.channel != head.channel:
            break
        along.append(message)
    return along


@cache
def _sending() -> Any:
    return (
        update(Message)
        .where(col(Message.id).in_(bindparam("ids", expanding=True)))
        .values(
            status=DeliveryStatus.SENDING,
            attempts=col(Message.attempts) + 1,
            updated_at=bindparam("now"),
        )
    )


async def do_mark_sending(
    *, session: AsyncSession, messages: Sequence[Message], now: datetime
) -> None:
    """Claim `messages` (read for update in this transaction): each is being sent, an attempt
    spent. One statement for all, the objects kept as written: left to the session, the rows
    were written at commit as a statement run once per row (psycopg's executemany), which cost
    a delivery run several times the CPU of this."""
    connection = await session.connection()
    await connection.execute(_sending(), {"ids": [m.id for m in messages], "now": now})
    for message in messages:
        set_committed_value(message, "status", DeliveryStatus.SENDING)
        set_committed_value(message, "attempts", message.attempts + 1)
        set_committed_value(message, "updated_at", now)


@cache
def _give_back() -> Any:
    return (
        update(Message)
        .where(
            col(Message.id).in_(bindparam("ids", expanding=True)),
            col(Message.status) == DeliveryStatus.SENDING,
        )
        .values(
            status=DeliveryStatus.QUEUED,
            attempts=col(Message.attempts) - 1,
            updated_at=bindparam("now"),
        )
    )


async def do_give_back(*, session: AsyncSession, message_ids: Sequence[int], now: datetime) -> None:
    """Put messages claimed along but never tried back in the queue, their attempt unspent."""
    await session.exec(_give_back(), params={"ids": list(message_ids), "now": now})


def recorded_together(channel: Channel, parts: int) -> bool:
    """Whether a message claimed along with others is recorded with them when sent
    (`do_record_sent_together`): one of a single part, on a channel that sends no reports."""
    return parts == 1 and channel not in REPORTED_CHANNELS


@cache
def _sent_together(count: int) -> Any:
    """The update recording `count` sends, message `i`'s from the parameters `message_id_<i>`
    and `provider_id_<i>`; one per count (at most `CLAIM_AT_ONCE`), built once."""
    table: Any = Message.__table__  # type: ignore[attr-defined]
    ids = [bindparam(f"message_id_{i}", type_=table.c.id.type) for i in range(count)]
    provider_type = table.c.provider_message_id.type
    providers = [bindparam(f"provider_id_{i}", type_=provider_type) for i in range(count)]
    message_id = col(Message.id)
    return (
        update(Message)
        # Only a message still being sent, as `delivery.do_record_sent` has it.
        .where(message_id.in_(ids), col(Message.status).in_(UNFINISHED))
        .values(
            status=DeliveryStatus.SENT,
            error=None,
            updated_at=bindparam("now"),
            provider_message_id=case(
                *((message_id == i, p) for i, p in zip(ids, providers, strict=True))
            ),
        )
    )


@cache
def _sent_last(count: int) -> Any:
    """`_sent_together(count)`, and whether the person has any other unfinished message: one
    statement. Its check reads the rows as they were before the update, so it leaves out the
    messages it records by their ids."""
    table: Any = Message.__table__  # type: ignore[attr-defined]
    recorded = _sent_together(count).returning(table.c.id).cte("recorded")
    ids = [bindparam(f"message_id_{i}", type_=table.c.id.type) for i in range(count)]
    others = (
        select(table.c.id)
        .where(
            table.c.identity_id == bindparam("person"),
            table.c.direction == Direction.OUT,
            table.c.status.in_(UNFINISHED),
            table.c.id.not_in(ids),
        )
        .exists()
    )
    # The CTE runs whether or not the outer query reads it; reading its count keeps that plain.
    return select(
        others.label("more"), select(func.count()).select_from(recorded).scalar_subquery()
    )


async def do_record_sent_last(
    *, connection: AsyncConnection, identity_id: int, sent: Sequence[tuple[int, str]], now: datetime
) -> bool:
    """Record sends claimed as the person's last unfinished messages (`claims_all`), as
    `do_record_sent_together` does, and say whether another has been queued since: one statement,
    meant for autocommit, where a transaction around it would cost three more round trips.

    Raises IntegrityError when another row already holds one of the provider ids."""
    params = {**_sent_params(sent, now), "person": identity_id}
    row = (await connection.execute(_sent_last(len(sent)), params)).one()
    return bool(row[0])


async def do_record_sent_together(
    *, session: AsyncSession, sent: Sequence[tuple[int, str]], now: datetime
) -> None:
    """Record sends of messages claimed along with others, (message id, provider id) each, in
    one statement: plain replies (`claim_along`) of a single part on a channel that sends no
    reports (`recorded_together`), so no check-in's wait starts and no report waits for them.

    Raises IntegrityError when another row already holds one of the provider ids."""
    connection = await session.connection()
    await connection.execute(_sent_together(len(sent)), _sent_params(sent, now))


def _sent_params(sent: Sequence[tuple[int, str]], now: datetime) -> dict[str, Any]:
    """The values of `_sent_together(len(sent))`, and so of `_sent_last`."""
    params: dict[str, Any] = {"now": now}
    for index, (message_id, provider_id) in enumerate(sent):
        params[f"message_id_{index}"] = message_id
        params[f"provider_id_{index}"] = provider_id
    return params
