"""The running service's parts, built once per process and shared by every route and command.

`running` builds them the same way for the web app, the worker and `helpbot chat`: the database
(migrated first when it is SQLite), sessions that ask for delivery of what they queue, the
channels, and outbound delivery: in this process on SQLite (`bot.embedded`), through the task
engine on PostgreSQL (`bot.jobs`, run by `helpbot worker`).
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Coroutine
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import Session

from bot import migrate
from bot.channels.base import Sender
from bot.channels.telegram import TelegramChannel
from bot.channels.twilio import TwilioChannel
from bot.channels.voice import VoiceChannel
from bot.checkins import CheckinClock, CheckinTicker, register_checkin_tasks
from bot.config import Settings
from bot.db import (
    ReadSessions,
    SessionFactory,
    create_engine,
    create_session_factory,
    reading,
    transaction,
)
from bot.embedded import EmbeddedDelivery
from bot.inbox import Inbox, hand_over_stranded, keep_event, register_inbox
from bot.jobs import JobApp, create_job_app
from bot.limits import RateLimiter
from bot.oncall import EmbeddedPaging, Pager
from bot.outbound import Deliverer
from bot.retention import RetentionClock, register_retention
from bot.startup import ChannelState, Starter
from handlers.actions.checkin_calls import CallRetryRule
from handlers.actions.due_dates import configure_due_policy
from handlers.actions.oncall_pages import (
    PAGE_HOOK,
    configure_oncall_policy,
    current_oncall_policy,
    page_requests,
)
from handlers.actions.outbox import ENQUEUE_HOOK, ENQUEUE_MANY_HOOK, delivery_requests
from handlers.actions.retention import configure_retention
from handlers.checkins.scripts import CheckinConfig
from handlers.conversation import languages
from handlers.conversation.engine import Outcome, handle_event
from handlers.conversation.events import IncomingEvent
from handlers.safeguarding import classifier
from models.base import utcnow
from models.enums import Channel

log = logging.getLogger(__name__)

# Objects made and not yet freed before the collector looks at the young ones (Python's own: 700).
YOUNG_COLLECTION_AFTER = 50_000


@dataclass
class Services:
    """Settings, database, channels and outbound delivery for one process."""

    settings: Settings
    engine: AsyncEngine
    session_factory: SessionFactory
    deliverer: Deliverer
    pager: Pager | None = None
    embedded: EmbeddedDelivery | None = None
    paging: EmbeddedPaging | None = None
    jobs: JobApp | None = None
    telegram: TelegramChannel | None = None
    twilio: TwilioChannel | None = None
    voice: VoiceChannel | None = None
    senders: dict[Channel, Sender] = field(default_factory=dict)
    telegram_starter: Starter | None = None
    checkins: CheckinTicker | None = None
    read_session_factory: ReadSessions = field(init=False)
    """Sessions for requests that only read (see `bot.db.reading`)."""

    def __post_init__(self) -> None:
        self.read_session_factory = reading(self.session_factory)

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
            Channel.VOICE.value: (
                ChannelState.UP if self.voice is not None else ChannelState.OFF
            ).value,
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
        async with transaction(self.session_factory) as session:
            return await handle_event(
                session=session, event=event, now=now, idle_after=self.idle_after
            )

    async def accept(self, event: IncomingEvent) -> None:
        """Take one incoming event and return once it is committed: on PostgreSQL kept with
        the job a worker handles it in (`bot.inbox`), on SQLite handled here at once."""
        if self.jobs is None:
            await self.receive(event)
            return
        await keep_event(self.engine, event, utcnow())

    @property
    def idle_after(self) -> timedelta:
        """How long a conversation may rest before it is asked whether to carry on."""
        return timedelta(minutes=self.settings.conversation_idle_minutes)


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


def call_retry_rule(settings: Settings) -> CallRetryRule:
    """How unanswered check-in calls are tried again (TWILIO_VOICE_RETRIES, _RETRY_MINUTES)."""
    return CallRetryRule(
        retries=settings.twilio_voice_retries,
        wait=timedelta(minutes=settings.twilio_voice_retry_minutes),
    )


async def _start_voice(settings: Settings) -> VoiceChannel | None:
    if not settings.voice_enabled:
        if settings.twilio_voice_from:
            log.info("Calls are off: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
        else:
            log.info("Calls are off: set TWILIO_VOICE_FROM to place welfare calls")
        return None
    channel = VoiceChannel(settings)
    await channel.start()
    log.info("Twilio is on for calls")
    return channel


class _AfterCommit:
    """What a commit does with the delivery requests its transaction made."""

    def __init__(self) -> None:
        self.embedded: EmbeddedDelivery | None = None
        self.paging: EmbeddedPaging | None = None
        self.jobs: JobApp | None = None
        self._pending: set[asyncio.Task[None]] = set()

    def __call__(self, session: Session) -> None:
        pages = page_requests(session.info)
        if pages:
            if self.paging is not None:
                self.paging.notify(pages)
            elif self.jobs is not None and PAGE_HOOK not in session.info:
                # asyncpg, as below; the on-call check is the net for pages.
                self._spawn(self.jobs.defer_pages(pages))
        requests = delivery_requests(session.info)
        if not requests:
            return
        if self.embedded is not None:
            self.embedded.notify(requests)
        elif self.jobs is not None and ENQUEUE_HOOK not in session.info:
            # asyncpg: the jobs are deferred now that the messages are stored; the sweep is
            # the net for a process that dies in between.
            self._spawn(self.jobs.defer_requests(requests))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
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
    previous_oncall = current_oncall_policy()
    configure_oncall_policy(settings.oncall_policy())
    configure_retention(settings.retention_rules())
    if settings.is_sqlite:
        # Embedded mode needs no separate step; on PostgreSQL `helpbot migrate` runs first.
        await migrate.upgrade(settings.database_url)
    engine = create_engine(
        settings.database_url, None if worker else settings.web_database_connections
    )
    after_commit = _AfterCommit()
    info: dict[str, Any] = {}
    session_factory = create_session_factory(engine, after_commit=after_commit, info=info)
    async with AsyncExitStack() as stack:
        stack.callback(configure_oncall_policy, previous_oncall)
        stack.push_async_callback(engine.dispose)
        telegram = twilio = voice = telegram_starter = None
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
            voice = await _start_voice(settings)
            if voice is not None:
                senders[Channel.VOICE] = voice
                stack.push_async_callback(voice.stop)
        # The terminal chat pages nobody: its pages wait for the next web process or worker.
        pager = None
        if console is None:
            pager = Pager(settings, session_factory, telegram=telegram, twilio=twilio)
        deliverer = Deliverer(
            session_factory,
            senders,
            RateLimiter(engine),
            public_base_url=settings.public_base_url,
            call_rule=call_retry_rule(settings),
        )
        services = Services(
            settings=settings,
            engine=engine,
            session_factory=session_factory,
            deliverer=deliverer,
            pager=pager,
            telegram=telegram,
            twilio=twilio,
            voice=voice,
            senders=senders,
            telegram_starter=telegram_starter,
        )
        # Before the engine is disposed of: the connection its read sessions keep goes back.
        stack.push_async_callback(services.read_session_factory.release)
        services.checkins = CheckinTicker(
            session_factory,
            CheckinConfig(
                whatsapp_template_sid=settings.twilio_template_checkin_sid,
                idle_after=timedelta(minutes=settings.conversation_idle_minutes),
            ),
        )
        if settings.is_sqlite:
            if console is None:
                services.embedded = after_commit.embedded = EmbeddedDelivery(deliverer)
                await services.embedded.start()
                stack.push_async_callback(services.embedded.stop)
                assert pager is not None
                services.paging = after_commit.paging = EmbeddedPaging(pager)
                await services.paging.start()
                stack.push_async_callback(services.paging.stop)
                # Check-ins run on a clock here, as the workers' periodic task does elsewhere.
                checkin_clock = CheckinClock(services.checkins)
                await checkin_clock.start()
                stack.push_async_callback(checkin_clock.stop)
                clock = RetentionClock(session_factory, settings.retention_rules())
                await clock.start()
                stack.push_async_callback(clock.stop)
        else:
            jobs = create_job_app(
                settings.libpq_url,
                session_factory,
                deliverer if worker else None,
                pager=pager if worker else None,
            )
            register_retention(jobs.app, session_factory, settings.retention_rules())
            if worker:
                # A database that cannot be reached is one clear error, not a pool's long wait.
                async with engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
                await stack.enter_async_context(jobs.app.open_async())
            else:
                # The web process opens the task engine's pool only if it defers after commit
                # (asyncpg), so it starts, and answers, while the database is away.
                stack.push_async_callback(jobs.close)
            register_checkin_tasks(jobs.app, services.checkins, jobs.refresh_statistics)
            inbox = Inbox(session_factory, deliverer, jobs, services.idle_after)
            register_inbox(
                jobs.app,
                inbox.handle,
                retries=settings.inbound_retries,
                sweep=partial(hand_over_stranded, session_factory),
            )
            services.jobs = after_commit.jobs = jobs
            stack.push_async_callback(after_commit.finish)
            if settings.is_psycopg:
                # Every session made from here on writes its delivery jobs in its own
                # transaction (the factory copies `info` into each new session).
                info[ENQUEUE_HOOK] = jobs.enqueue_in_transaction
                info[PAGE_HOOK] = jobs.enqueue_page_in_transaction
                info[ENQUEUE_MANY_HOOK] = jobs.enqueue_many_in_transaction
        # The detectors' models and word lists load here (about a second), off the event loop,
        # rather than while someone waits for the answer to their first message: on SQLite
        # the web process answers, on PostgreSQL the workers do (`bot.inbox`), and the web
        # still for Twilio's forms.
        await asyncio.to_thread(classifier.warm_up)
        await asyncio.to_thread(languages.warm_up)
        # What start-up loaded (the models, word lists, the app) lives as long as the process,
        # yet each full collection walked it all: 170-430 ms, in which no webhook was answered
        # and no job ran. Set aside from the collector, a full collection takes milliseconds.
        gc.freeze()
        stack.callback(gc.unfreeze)
        # Each update answered makes thousands of short-lived objects (rows, Telegram objects,
        # statements), nearly all freed as soon as they are dropped; the collector, run after
        # every 700 more made than freed, kept walking the young ones. Run 70 times less
        # often, a worker's CPU for each update answered fell by a tenth (bench (a)).
        default = gc.get_threshold()
        gc.set_threshold(YOUNG_COLLECTION_AFTER, *default[1:])
        stack.callback(gc.set_threshold, *default)
        yield services
