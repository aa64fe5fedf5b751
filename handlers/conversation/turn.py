"""One turn of a conversation: what the person did, what we know, and what we will say."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.conversation.catalog import t
from handlers.conversation.events import IncomingEvent, Option, Reply
from handlers.conversation.matching import match_option
from models import ChannelIdentity, Contact, Message, Ticket


class State(StrEnum):
    """Where a conversation is. Each step returns the next one explicitly."""

    NEW = "new"
    CONSENT = "consent"
    ROLE = "role"
    MENU = "menu"
    QUESTION = "question"
    CONFIRM = "confirm"
    RESPITE_OFFER = "respite_offer"
    RESUME = "resume"
    SAFETY = "safety"


@dataclass
class Turn:
    """Everything a flow step may read or change while handling one incoming event."""

    session: AsyncSession
    event: IncomingEvent
    contact: Contact
    identity: ChannelIdentity
    inbound: Message | None
    state: State
    data: dict[str, Any]
    now: datetime
    replies: list[tuple[Reply, Ticket | None]] = field(default_factory=list)
    # The main menu's item ids, in order; the engine fills them in from the flow registry.
    menu: tuple[str, ...] = ()

    @property
    def lang(self) -> str:
        return self.contact.language

    @property
    def text(self) -> str:
        """What the person typed, trimmed; empty for buttons, media and locations."""
        return (self.event.text or "").strip()

    def t(self, key: str, /, **values: object) -> str:
        """A catalog text in the person's language, worded for their channel where that differs."""
        return t(key, self.lang, variant=self.identity.channel.value, **values)

    def say(
        self, text: str, options: Sequence[Option] = (), *, ticket: Ticket | None = None
    ) -> None:
        """Queue a reply; `ticket` puts it on that ticket's timeline too."""
        self.replies.append((Reply(text=text, options=tuple(options)), ticket))

    def shown_options(self) -> list[tuple[str, str]]:
        """The (id, label) pairs of the options the person was last shown."""
        return [(str(i), str(label)) for i, label in self.data.get("options", [])]

    def chosen(self) -> str | None:
        """The id of the shown option the person picked, by button, number or words."""
        shown = self.shown_options()
        ids = {option_id for option_id, _ in shown}
        if self.event.choice in ids:
            return self.event.choice
        # A button the bot did not send (a template's quick reply) may still carry words that
        # match; a stale button without words matches nothing.
        if self.text:
            return match_option(self.text, shown)
        return None

    def menu_options(self) -> list[Option]:
        """The main menu's options, in the person's language."""
        return [Option(item, self.t(f"menu.{item}")) for item in self.menu]

    def show_menu(self, intro: str | None = None) -> State:
        """Offer the main menu, after `intro` if given, and wait there."""
        self.say(intro or self.t("menu.prompt"), self.menu_options())
        return State.MENU
