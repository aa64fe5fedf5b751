"""Reading and steering the outbox in delivery tests: rows back, retries made due, jobs counted."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select, update

from bot.channels.base import Sender
from bot.db import SessionFactory, transaction
from bot.limits import RateLimiter
from bot.outbound import Deliverer
from handlers.actions.delivery import RetryRule
from handlers.actions.delivery_due import list_due_recipients
from models import Message
from models.base import utcnow
from models.enums import Channel


def deliverer(
    db: SessionFactory,
    senders: Mapping[Channel, Sender],
    rule: RetryRule | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> Deliverer:
    """The service's deliverer over `db`, with the shared rate limits on the same database;
    `clock` is its "now" (frozen in tests of timing)."""
    engine = db.kw["bind"]
    assert isinstance(engine, AsyncEngine)
    return Deliverer(db, senders, RateLimiter(engine), rule, clock=clock)


async def load(db: SessionFactory, message_id: int) -> Message:
    async with db() as session:
        message = await session.get(Message, message_id)
    assert message is not None
    return message


async def make_due(db: SessionFactory, message_id: int) -> None:
    """Let a waiting retry's time come, as if its pause had passed."""
    async with transaction(db) as session:
        await session.exec(
            update(Message)
            .where(col(Message.id) == message_id)
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )


async def due_people(db: SessionFactory, after: timedelta = timedelta(0)) -> list[int]:
    """The people with a message due `after` from now."""
    async with db() as session:
        return await list_due_recipients(session=session, due_by=utcnow() + after)


async def outbound_of(db: SessionFactory, identity_id: int) -> list[Message]:
    async with db() as session:
        statement = (
            select(Message).where(Message.identity_id == identity_id).order_by(col(Message.id))
        )
        return [m for m in (await session.exec(statement)).all() if m.direction == "out"]


async def jobs_for(engine: AsyncEngine, identity_id: int) -> int:
    """How many delivery jobs the task engine holds for the person (PostgreSQL)."""
    async with engine.connect() as connection:
        found = await connection.execute(
            text("SELECT count(*) FROM procrastinate_jobs WHERE lock = :lock"),
            {"lock": f"recipient:{identity_id}"},
        )
        return int(found.scalar_one())
