"""Check-in messages in bulk: many people's messages written in a few statements.

The outbox is the usual one (`handlers.actions.outbox`): rows queued at bulk priority, and
delivery asked for in the same transaction, here for many people at once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions.outbox import DeliveryRequest, request_deliveries
from models import ChannelIdentity, Checkin, Message
from models.base import UTCDateTime
from models.checkins import CheckinStatus
from models.enums import DeliveryStatus, Direction, OutboundPriority


async def queue_messages(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Write outbound bulk messages in one statement and ask for their delivery; their ids."""
    if not rows:
        return []
    table = Message.__table__  # type: ignore[attr-defined]
    inserted = await (await session.connection()).execute(
        sa.insert(table).returning(table.c.id, sort_by_parameter_order=True), list(rows)
    )
    ids = [int(i) for i in inserted.scalars().all()]
    await request_deliveries(
        session=session,
        requests=[DeliveryRequest(r["identity_id"], OutboundPriority.BULK) for r in rows],
    )
    return ids


def message_row(
    identity: ChannelIdentity, text: str, payload: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """An outbound bulk message for `queue_messages`."""
    return {
        "contact_id": identity.contact_id,
        "identity_id": identity.id,
        "channel": identity.channel.value,
        "direction": Direction.OUT.value,
        "body": text,
        "payload": payload,
        "status": DeliveryStatus.QUEUED.value,
        "attempts": 0,
        "next_attempt_at": now,
        "priority": int(OutboundPriority.BULK),
        "sent_parts": [],
        "maybe_duplicate": False,
        "created_at": now,
        "updated_at": now,
    }


@dataclass(frozen=True)
class MessageGroup:
    """Check-ins that get the same words: one INSERT ... SELECT and one UPDATE for them all."""

    campaign_id: int
    reply_wait_minutes: int
    text: str
    payload_json: str


async def do_send_group(
    session: AsyncSession,
    now: datetime,
    group: MessageGroup,
    members: list[tuple[int, int]],
) -> list[int]:
    """Queue one message per check-in (each person at most once here), link each check-in to
    its message and mark it sent; returns the people to deliver to."""
    messages = Message.__table__  # type: ignore[attr-defined]
    identities = ChannelIdentity.__table__  # type: ignore[attr-defined]
    checkins = Checkin.__table__  # type: ignore[attr-defined]
    identity_ids = [identity_id for _, identity_id in members]
    chosen = sa.select(
        identities.c.contact_id,
        identities.c.id,
        identities.c.channel,
        sa.literal(Direction.OUT.value),
        sa.literal(group.text),
        sa.literal(json.loads(group.payload_json), sa.JSON()),
        sa.literal(DeliveryStatus.QUEUED.value),
        sa.literal(0),
        sa.literal(now, UTCDateTime()),
        sa.literal(int(OutboundPriority.BULK)),
        sa.literal([], sa.JSON()),
        sa.literal(False),
        sa.literal(now, UTCDateTime()),
        sa.literal(now, UTCDateTime()),
    ).where(identities.c.id.in_(identity_ids))
    columns = [
        "contact_id", "identity_id", "channel", "direction", "body", "payload", "status",
        "attempts", "next_attempt_at", "priority", "sent_parts", "maybe_duplicate",
        "created_at", "updated_at",
    ]  # fmt: skip
    connection = await session.connection()
    inserted = await connection.execute(
        sa.insert(messages).from_select(columns, chosen).returning(messages.c.id)
    )
    message_ids = [int(i) for i in inserted.scalars().all()]
    # Each person is here once, so their new message is the one to link.
    await connection.execute(
        sa.update(checkins)
        .where(
            checkins.c.id.in_([checkin_id for checkin_id, _ in members]),
            messages.c.id.in_(message_ids),
            messages.c.contact_id == checkins.c.contact_id,
        )
        .values(
            status=CheckinStatus.SENT.value,
            message_id=messages.c.id,
            identity_id=messages.c.identity_id,
            # `sent_at` waits for the send itself (`do_start_wait`); from now on `due_at` is
            # when silence earns a reminder.
            due_at=now + timedelta(minutes=group.reply_wait_minutes),
            updated_at=now,
        )
    )
    return identity_ids
