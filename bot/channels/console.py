"""The console channel: the same flows in a terminal, so anyone can try the bot locally."""

from __future__ import annotations

from collections.abc import Callable

from bot.channels.base import OutboundMessage
from bot.channels.text import numbered
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


def typed_event(user: str, line: str) -> IncomingEvent | None:
    """What `user` typed as an incoming event; None when the line asks to leave."""
    if line.strip().lower() in QUIT:
        return None
    return IncomingEvent(channel=Channel.CONSOLE, external_id=user, text=line, display_name=user)
