"""Delivering the outbox: queued messages go to their channel and the result is recorded.

Flows and staff only ever queue messages, in the same transaction as the change that caused
them; once it commits, the session tells a `Dispatcher` (see `bot.services`). Here the
dispatcher delivers in the web process; a deployment on PostgreSQL can put a background worker
behind the same interface. What a channel needs to send lives in `bot.channels.base`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from sqlmodel import col, select, update

from bot.channels.base import DeliveryError, OutboundMessage, Sender, Template
from bot.db import SessionFactory, transaction
from handlers.actions.delivery_reports import apply_pending_reports
from handlers.conversation.events import Option
from models import ChannelIdentity, Message
from models.base import utcnow
from models.enums import Channel, DeliveryStatus, Direction

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# A message left "sending" this long belongs to a process that died mid-send; try it again.
STALE_SENDING = timedelta(minutes=5)
OPTED_OUT = "the person has opted out (STOP)"


class Dispatcher(Protocol):
    """The one thing flows and staff actions call after queueing messages."""

    def notify(self, message_ids: Sequence[int]) -> None: ...


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2**attempts, 300))


class OutboxDelivery:
    """Claims due outbound messages one at a time, sends them, and records what happened."""

    def __init__(self, session_factory: SessionFactory, senders: Mapping[Channel, Sender]) -> None:
        self.session_factory = session_factory
        self.senders = dict(senders)

    async def _claim(self, message_id: int, now: datetime) -> OutboundMessage | None:
        async with transaction(self.session_factory) as session:
            # The status check in the UPDATE makes the claim safe between processes.
            claimed = await session.exec(
                update(Message)
                .where(col(Message.id) == message_id, col(Message.status) == DeliveryStatus.QUEUED)
                .values(
                    status=DeliveryStatus.SENDING, attempts=Message.attempts + 1, updated_at=now
                )
            )
            if claimed.rowcount != 1:
                return None
            message = await session.get(Message, message_id)
            identity = await session.get(ChannelIdentity, message.identity_id) if message else None
            if message is None or identity is None:
                return None
            options = tuple(
                Option(str(i), str(label)) for i, label in message.payload.get("options", [])
            )
            return OutboundMessage(
                message_id=message_id,
                channel=message.channel,
                external_id=identity.external_id,
                text=message.body,
                options=options,
                template=Template.of(message.payload),
                opted_out=identity.opted_out and message.payload.get("notice") is not True,
            )

    async def _record(
        self, message_id: int, *, provider_id: str | None = None, error: DeliveryError | None = None
    ) -> None:
        now = utcnow()
        async with transaction(self.session_factory) as session:
            message = await session.get(Message, message_id)
            if message is None:
                return
            message.updated_at = now
            if error is None:
                message.status = DeliveryStatus.SENT
                message.provider_message_id = provider_id
                message.error = None
                # The provider may have reported on it already, before this commit.
                await apply_pending_reports(session=session, message=message, now=now)
            elif error.retryable and message.attempts < MAX_ATTEMPTS:
                message.status = DeliveryStatus.QUEUED
                message.error = error.reason[:500]
                # Retrying before the provider allows only spends the attempts left.
                wait = max(_backoff(message.attempts), error.retry_after or timedelta(0))
                message.next_attempt_at = now + wait
            else:
                message.status = DeliveryStatus.FAILED
                message.error = error.reason[:500]
            if error is not None and error.opted_out:
                identity = await session.get(ChannelIdentity, message.identity_id)
                if identity is not None:
                    identity.opted_out = True

    async def deliver(self, message_id: int) -> DeliveryStatus | None:
        """Send one queued message if it is still queued; returns the status it ended in."""
        outgoing = await self._claim(message_id, utcnow())
        if outgoing is None:
            return None
        if outgoing.opted_out:
            await self._record(message_id, error=DeliveryError(OPTED_OUT, retryable=False))
            return DeliveryStatus.FAILED
        sender = self.senders.get(outgoing.channel)
        if sender is None:
            failure = DeliveryError(f"the {outgoing.channel.value} channel is off", retryable=False)
            await self._record(message_id, error=failure)
            return DeliveryStatus.FAILED
        try:
            provider_id = await sender.send(outgoing)
        except DeliveryError as exc:
            # The reason is kept on the message for staff; providers' texts can quote numbers.
            outcome = "will retry" if exc.retryable else "gave up"
            log.warning("delivery of message %s failed; %s", message_id, outcome)
            await self._record(message_id, error=exc)
            return DeliveryStatus.QUEUED if exc.retryable else DeliveryStatus.FAILED
        except Exception as exc:
            log.exception("delivery of message %s raised", message_id)
            await self._record(message_id, error=DeliveryError(type(exc).__name__, retryable=True))
            return DeliveryStatus.QUEUED
        await self._record(message_id, provider_id=provider_id)
        return DeliveryStatus.SENT

    async def due_ids(self, now: datetime, limit: int = 100) -> list[int]:
        """Outbound messages ready to send, oldest first, after freeing stale claims."""
        async with transaction(self.session_factory) as session:
            await session.exec(
                update(Message)
                .where(
                    col(Message.status) == DeliveryStatus.SENDING,
                    col(Message.updated_at) < now - STALE_SENDING,
                )
                .values(status=DeliveryStatus.QUEUED)
            )
            statement = (
                select(Message.id)
                .where(
                    Message.direction == Direction.OUT,
                    Message.status == DeliveryStatus.QUEUED,
                    col(Message.next_attempt_at) <= now,
                )
                .order_by(col(Message.id))
                .limit(limit)
            )
            return [i for i in (await session.exec(statement)).all() if i is not None]

    async def deliver_due(self) -> int:
        """Send everything that is due now; returns how many were sent."""
        sent = 0
        for message_id in await self.due_ids(utcnow()):
            if await self.deliver(message_id) is DeliveryStatus.SENT:
                sent += 1
        return sent


class InProcessDispatcher:
    """Delivers in a background task of this process: woken by `notify`, and every few seconds."""

    def __init__(self, delivery: OutboxDelivery, poll_seconds: float = 5.0) -> None:
        self.delivery = delivery
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def notify(self, message_ids: Sequence[int]) -> None:
        if message_ids:
            self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-delivery")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
            self._wake.clear()
            try:
                await self.delivery.deliver_due()
            except Exception:
                # A database hiccup must not end delivery for the life of the process.
                log.exception("outbox delivery round failed")
