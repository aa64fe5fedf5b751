"""The running service's parts, built once at start-up and shared by every route and command."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.channels.telegram import TelegramChannel
from bot.config import Settings
from bot.db import SessionFactory, create_engine, create_session_factory, transaction
from bot.outbound import Dispatcher, OutboxDelivery, Sender
from handlers.actions.ticket_work import ReplyWindow
from handlers.conversation.engine import Outcome, handle_event
from handlers.conversation.events import IncomingEvent
from models.enums import Channel

log = logging.getLogger(__name__)

WHATSAPP_WINDOW = timedelta(hours=24)


@dataclass
class Services:
    """Settings, database, channels and outbound delivery for one process."""

    settings: Settings
    engine: AsyncEngine
    session_factory: SessionFactory
    delivery: OutboxDelivery
    dispatcher: Dispatcher
    telegram: TelegramChannel | None = None
    senders: dict[Channel, Sender] = field(default_factory=dict)

    def reply_window(self, channel: Channel) -> ReplyWindow | None:
        """The provider's limit on free-form messages for a channel, if it has one.

        WhatsApp allows free text only within 24 hours of the person's last message; after
        that, only an approved template.
        """
        if channel is Channel.WHATSAPP:
            return ReplyWindow(WHATSAPP_WINDOW, self.settings.twilio_template_reply_sid)
        return None

    async def receive(self, event: IncomingEvent) -> Outcome:
        """Handle one incoming event in its own transaction, then wake outbound delivery."""
        idle = timedelta(minutes=self.settings.conversation_idle_minutes)
        async with transaction(self.session_factory) as session:
            outcome = await handle_event(session=session, event=event, idle_after=idle)
        self.dispatcher.notify(outcome.outbound_ids)
        return outcome


def database(settings: Settings) -> tuple[AsyncEngine, SessionFactory]:
    """The engine and session factory for the configured database."""
    engine = create_engine(settings.database_url)
    return engine, create_session_factory(engine)
