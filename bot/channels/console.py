"""The console channel: the same flows in a terminal, so anyone can try the bot locally."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.channels.base import Limit, OutboundMessage
from bot.channels.text import shown_text
from handlers.conversation.events import IncomingEvent
from models.enums import Channel

QUIT = {"quit", "exit", "/quit"}


class ConsoleSender:
    """Prints replies, with options as numbered lines."""

    def __init__(self, write: Callable[[str], None] = print) -> None:
        self.write = write

    def parts(self, message: OutboundMessage) -> Sequence[str]:
        return [shown_text(message)]

    def limits(self, message: OutboundMessage) -> Sequence[Limit]:
        return []

    async def send_part(self, message: OutboundMessage, part: str, *, last: bool) -> str:
        self.write(f"\nbot: {part}\n")
        return f"console:{message.message_id}"


def typed_event(user: str, line: str) -> IncomingEvent | None:
    """What `user` typed as an incoming event; None when the line asks to leave."""
    if line.strip().lower() in QUIT:
        return None
    return IncomingEvent(channel=Channel.CONSOLE, external_id=user, text=line, display_name=user)
