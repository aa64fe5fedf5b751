"""Showing options as numbered lines, for channels without buttons (console, SMS, WhatsApp)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.channels.base import OutboundMessage
from handlers.conversation.events import Option


def numbered(text: str, options: Sequence[Option]) -> str:
    """The text followed by "1. Food"-style lines, one per option."""
    if not options:
        return text
    lines = [f"{number}. {option.label}" for number, option in enumerate(options, start=1)]
    return "\n".join([text, "", *lines])


def shown_text(message: OutboundMessage) -> str:
    """The message's text as a channel without files shows it: a document becomes its link."""
    text = message.text
    if message.document is not None:
        text = f"{text}\n{message.document.link}"
    return numbered(text, message.options)
