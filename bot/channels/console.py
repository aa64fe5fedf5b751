"""The console channel: the same flows in a terminal, so anyone can try the bot locally."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bot import migrate
from bot.channels.text import numbered
from bot.config import Settings
from bot.db import transaction
from bot.outbound import OutboundMessage, OutboxDelivery
from bot.services import database
from handlers.conversation.engine import handle_event
from handlers.conversation.events import IncomingEvent
from models.enums import Channel

QUIT = {"quit", "exit", "/quit"}


class ConsoleSender:
    """Prints replies, with options as numbered lines."""

    def __init__(self, write: Callable[[str], None] = print) -> None:
        self.write = write

    async def send(self, message: OutboundMessage) -> str:
        self.write(f"\nbot: {numbered(message.text, message.options)}\n")
        return f"console:{message.message_id}"


async def chat(
    settings: Settings,
    user: str,
    read: Callable[[], str] = lambda: input("you: "),
    write: Callable[[str], None] = print,
) -> None:
    """Talk to the bot as `user` until end of input or "quit"."""
    if settings.is_sqlite:
        await migrate.upgrade(settings.database_url)
    engine, session_factory = database(settings)
    delivery = OutboxDelivery(session_factory, {Channel.CONSOLE: ConsoleSender(write)})
    write(f"Talking to the help line as {user!r}. Type quit to leave. Say hello to start.")
    try:
        while True:
            try:
                line = await asyncio.to_thread(read)
            except EOFError:
                break
            if line.strip().lower() in QUIT:
                break
            event = IncomingEvent(
                channel=Channel.CONSOLE, external_id=user, text=line, display_name=user
            )
            async with transaction(session_factory) as session:
                outcome = await handle_event(session=session, event=event)
            # Only this chat's own replies: other channels' queued messages are not ours to send.
            for message_id in outcome.outbound_ids:
                await delivery.deliver(message_id)
    finally:
        await engine.dispose()
