"""The running service's parts, built once per process and shared by every route and command.

`running` builds them the same way for the web app and for `helpbot chat`: the database
(migrated first when it is SQLite), sessions that wake outbound delivery after each commit,
the channels, and the outbox's delivery.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import Session

from bot import migrate
from bot.channels.base import Sender
from bot.channels.telegram import TelegramChannel
from bot.channels.twilio import TwilioChannel
from bot.config import Settings
from bot.db import SessionFactory, create_engine, create_session_factory, transaction
from bot.outbound import Dispatcher, InProcessDispatcher, OutboxDelivery
from bot.startup import ChannelState, Starter
from handlers.actions.due_dates import configure_due_policy
from handlers.actions.outbox import queued_ids
from handlers.conversation.engine import Outcome, handle_event
from handlers.conversation.events import IncomingEvent
from models.enums import Channel

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Settings, database, channels and outbound delivery for one process."""

    settings: Settings
    engine: AsyncEngine
    session_factory: SessionFactory
    delivery: OutboxDelivery
    dispatcher: Dispatcher
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


@asynccontextmanager
async def running(settings: Settings, *, console: Sender | None = None) -> AsyncIterator[Services]:
    """The process's services, started for the length of the block and stopped after it.

    For the web app, the provider channels that are configured start, and delivery runs in the
    background. With `console` (a terminal chat), only the console sends and nothing is
    delivered in the background: the chat delivers its own replies, and other channels' queued
    messages are not its to send.
    """
    # Tickets this process opens get due times from these settings (see due_dates).
    configure_due_policy(settings.due_policy())
    if settings.is_sqlite:
        # Embedded mode needs no separate step; on PostgreSQL `helpbot migrate` runs first.
        await migrate.upgrade(settings.database_url)
    engine = create_engine(settings.database_url)

    def wake_delivery(session: Session) -> None:
        # After the commit, so delivery never looks for a message that is not stored yet.
        ids = queued_ids(session.info)
        if ids:
            dispatcher.notify(ids)

    session_factory = create_session_factory(engine, after_commit=wake_delivery)
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
        twilio = await _start_twilio(settings)
        if twilio is not None:
            senders.update(dict.fromkeys(twilio.channels, twilio))
    delivery = OutboxDelivery(session_factory, senders)
    dispatcher = InProcessDispatcher(delivery)
    services = Services(
        settings=settings,
        engine=engine,
        session_factory=session_factory,
        delivery=delivery,
        dispatcher=dispatcher,
        telegram=telegram,
        twilio=twilio,
        senders=senders,
        telegram_starter=telegram_starter,
    )
    if console is None:
        await dispatcher.start()
    try:
        yield services
    finally:
        await dispatcher.stop()
        if telegram_starter is not None:
            await telegram_starter.stop()
        if telegram is not None:
            await telegram.stop()
        if twilio is not None:
            await twilio.stop()
        await engine.dispose()
