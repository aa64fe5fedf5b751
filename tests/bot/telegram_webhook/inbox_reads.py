"""What the inbox tests read back: the updates waiting, their jobs, and what a person wrote."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlmodel import col, select

from bot.db import SessionFactory
from bot.job_rules import INBOUND
from models import ChannelIdentity, InboundEvent, Message
from models.enums import Direction


async def waiting(db: SessionFactory) -> list[InboundEvent]:
    """The updates kept and not yet handled, oldest first."""
    async with db() as session:
        return list((await session.exec(select(InboundEvent).order_by(col(InboundEvent.id)))).all())


async def inbound_jobs(db: SessionFactory) -> list[dict[str, Any]]:
    """The inbox's jobs: their lock, arguments, status and attempts, oldest first."""
    async with db() as session:
        rows = await session.exec(  # type: ignore[call-overload]
            text(
                "SELECT lock, args::text AS args, status, attempts FROM procrastinate_jobs"
                " WHERE task_name = :task ORDER BY id"
            ),
            params={"task": INBOUND},
        )
        return [dict(row._mapping) for row in rows]


async def words_in(db: SessionFactory, chat_id: int) -> list[str]:
    """What the person wrote, in the order the conversation recorded it."""
    async with db() as session:
        statement = (
            select(Message.body)
            .join(ChannelIdentity, col(ChannelIdentity.id) == col(Message.identity_id))
            .where(
                col(Message.direction) == Direction.IN,
                col(ChannelIdentity.external_id) == str(chat_id),
            )
            .order_by(col(Message.id))
        )
        return list((await session.exec(statement)).all())


async def heard(db: SessionFactory, chat_id: int) -> tuple[Any, Any]:
    """When the person was last heard from, as their identity has it, and when the last message
    recorded from them came."""
    async with db() as session:
        identity = (
            await session.exec(
                select(ChannelIdentity).where(col(ChannelIdentity.external_id) == str(chat_id))
            )
        ).one()
        last = (
            await session.exec(
                select(Message.created_at)
                .where(
                    col(Message.identity_id) == identity.id,
                    col(Message.direction) == Direction.IN,
                )
                .order_by(col(Message.id).desc())
            )
        ).first()
        return identity.last_inbound_at, last
