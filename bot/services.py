"""The running service's parts, built once per process and shared by every route and command.

`running` builds them the same way for the web app, the worker and `helpbot chat`: the database
(migrated first when it is SQLite), sessions that ask for delivery of what they queue, the
channels, and outbound delivery: in this process on SQLite (`bot.embedded`), through the task
engine on PostgreSQL (`bot.jobs`, run by `helpbot worker`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import Session

from bot import migrate
from bot.channels.base import Sender
from bot.channels.telegram import TelegramChannel
from bot.channels.twilio import TwilioChannel
from bot.config import Settings
from bot.db import SessionFactory, create_engine, create_session_factory, transaction
from bot.embedded import EmbeddedDelivery
from bot.jobs import JobApp, create_job_app
from bot.limits import RateLimiter
from bot.outbound import Deliverer
from bot.startup import ChannelState, Starter
from handlers.actions.due_dates import configure_due_policy
from handlers.actions.outbox import ENQUEUE_HOOK, delivery_requests
from handlers.conversation.engine import Outcome, handle_event
from handlers.conversation.events import IncomingEvent
from handlers.safeguarding.classifier import warm_up
from models.enums import Channel

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Settings, database, channels and outbound delivery for one process."""

    settings: Settings
    engine: AsyncEngine
    session_factory: SessionFactory
    deliverer: Deliverer
    embedded: EmbeddedDelivery | None = None
    jobs: JobApp | None = None
    telegram: TelegramChannel | None = None
    twilio: TwilioChannel | None = None
    senders: dict[Channel, Sender] = field(default_factory=dict)
    telegram_starter: Starter | None = None

    @property
    def telegram_state(self) -> ChannelState:
        """Off (not configured), starting (the Bot API not reached yet) or up."""
        if self.telegram_starter is None:
            return ChannelState.OFF
        return self.telegram_starter.state

    def channel_states(self) -> dict[str, str]:
        """Each provider channel's state, by channel name."""
        states = {
            Channel.TELEGRAM.value: self.telegram_state.value,
            Channel.WHATSAPP.value: ChannelState.OFF.value,
            Channel.SMS.value: ChannelState.OFF.value,
        }
        if self.twilio is not None:
            # Twilio needs no call to start: a configured sender is up.
            states.update(
                dict.fromkeys((c.value for c in self.twilio.channels), ChannelState.UP.value)
            )
        return states

    async def receive(self, event: IncomingEvent, *, now: datetime | None = None) -> Outcome:
        """Handle one incoming event in its own transaction; its commit wakes delivery.

        `now` is when it arrived, for an event applied later (from the spool)."""
        idle = timedelta(minutes=self.settings.conversation_idle_minutes)
        async with transaction(self.session_factory) as session:
            return await handle_event(session=session, event=event, now=now, idle_after=idle)


async def _start_telegram(settings: Settings) -> tuple[TelegramChannel, Starter] | None:
    """The Telegram channel when configured, started or (if the Bot API cannot be reached)
    being started in the background."""
    if not settings.telegram_enabled:
        log.info(
            "Telegram is off: set TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET to turn it on"
        )
        return None
    channel = TelegramChannel(settings)
    starter = Starter("Telegram", channel.start)
    # Messages queued meanwhile are tried again just after each start-up try.
    channel.next_start_try = starter.seconds_to_next_try
    await starter.begin()
    return channel, starter


async def _start_twilio(settings: Settings) -> TwilioChannel | None:
    if not settings.twilio_enabled:
        if settings.twilio_account_sid:
            log.info("WhatsApp and SMS are off: set TWILIO_WHATSAPP_FROM or TWILIO_SMS_FROM")
        else:
            log.info("WhatsApp and SMS are off: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
        return None
    channel = TwilioChannel(settings)
    await channel.start()
    names = {Channel.WHATSAPP: "WhatsApp", Channel.SMS: "SMS"}
    on = " and ".join(names[c] for c in channel.channels)
    off = [name for c, name in names.items() if c not in channel.channels]
    log.info("Twilio is on for %s%s", on, f"; {off[0]} is off (no from-number)" if off else "")
    return channel


class _AfterCommit:
    """What a commit does with the delivery requests its transaction made."""

    def __init__(self) -> None:
        self.embedded: EmbeddedDelivery | None = None
        self.jobs: JobApp | None = None
        self._pending: set[asyncio.Task[None]] = set()

    def __call__(self, session: Session) -> None:
        requests = delivery_requests(session.info)
        if not requests:
            return
        if self.embedded is not None:
            self.embedded.notify(requests)
        elif self.jobs is not None and ENQUEUE_HOOK not in session.info:
            # asyncpg: the jobs are deferred now that the messages are stored; the sweep is
            # the net for a process that dies in between.
            task = asyncio.get_running_loop().create_task(self.jobs.defer_requests(requests))
            self._pending.add(task)
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._pending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("deferring delivery jobs failed (%s)", type(task.exception()).__name__)

    async def finish(self) -> None:
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)


@asynccontextmanager
async def running(
    settings: Settings, *, console: Sender | None = None, worker: bool = False
) -> AsyncIterator[Services]:
    """The process's services, started for the length of the block and stopped after it.

    For the web app, the provider channels that are configured start; on SQLite delivery runs
    in the background here, on PostgreSQL in `helpbot worker` (`worker=True`, which also opens
    the task engine's pool for the jobs to run on). With `console` (a terminal chat), only the
    console sends and nothing is delivered in the background: the chat delivers its own
    replies, and other channels' queued messages are not its to send.
    """
    # Tickets this process opens get due times from these settings (see due_dates).
    configure_due_policy(settings.due_policy())
    # The detector's model and word lists load now, not on the first person's message.
    warm_up()
    if settings.is_sqlite:
        # Embedded mode needs no separate step; on PostgreSQL `helpbot migrate` runs first.
        await migrate.upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    after_commit = _AfterCommit()
    info: dict[str, Any] = {}
    session_factory = create_session_factory(engine, after_commit=after_commit, info=info)
    async with AsyncExitStack() as stack:
        stack.push_async_callback(engine.dispose)
        telegram = twilio = telegram_starter = None
        senders: dict[Channel, Sender] = {}
        if console is not None:
            senders[Channel.CONSOLE] = console
        else:
            started = await _start_telegram(settings)
            if started is not None:
                # A sender even while starting: it asks delivery to retry until it is up.
                telegram, telegram_starter = started
                senders[Channel.TELEGRAM] = telegram
                stack.push_async_callback(telegram.stop)
                # Stopped first: no start-up try may run while the channel shuts down.
                stack.push_async_callback(telegram_starter.stop)
            twilio = await _start_twilio(settings)
            if twilio is not None:
                senders.update(dict.fromkeys(twilio.channels, twilio))
                stack.push_async_callback(twilio.stop)
        deliverer = Deliverer(session_factory, senders, RateLimiter(engine))
        services = Services(
            settings=settings,
            engine=engine,
            session_factory=session_factory,
            deliverer=deliverer,
            telegram=telegram,
            twilio=twilio,
            senders=senders,
            telegram_starter=telegram_starter,
        )
        if settings.is_sqlite:
            if console is None:
                services.embedded = after_commit.embedded = EmbeddedDelivery(deliverer)
                await services.embedded.start()
                stack.push_async_callback(services.embedded.stop)
        else:
            jobs = create_job_app(
                settings.libpq_url, session_factory, deliverer if worker else None
            )
            if worker:
                # A database that cannot be reached is one clear error, not a pool's long wait.
                async with engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
                await stack.enter_async_context(jobs.app.open_async())
            else:
                # The web process opens the task engine's pool only if it defers after commit
                # (asyncpg), so it starts, and answers, while the database is away.
                stack.push_async_callback(jobs.close)
            services.jobs = after_commit.jobs = jobs
            stack.push_async_callback(after_commit.finish)
            if settings.is_psycopg:
                # Every session made from here on writes its delivery jobs in its own
                # transaction (the factory copies `info` into each new session).
                info[ENQUEUE_HOOK] = jobs.enqueue_in_transaction
        yield services
