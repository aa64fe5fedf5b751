"""One turn of a conversation: what the person did, what we know, and what we will say."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.conversation.catalog import t, understood
from handlers.conversation.events import Attachment, IncomingEvent, Option, Reply
from handlers.conversation.languages import available_languages, language_name
from handlers.conversation.matching import match_option
from handlers.conversation.parsers.text import fold
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
    MY_DATA = "my_data"
    ERASE_CONFIRM = "erase_confirm"
    LANGUAGE = "language"
    SAFETY = "safety"


# The main menu's option that opens the language menu.
LANGUAGE_OPTION = "language"
# Options a plain "yes" or "no" (in the person's language) picks when one of them is shown.
_YES_OPTIONS = frozenset({"agree", "send", "yes", "use_known", "carry_on"})
_NO_OPTIONS = frozenset({"decline", "no"})


def main_menu(items: Sequence[str], language: str, *, variant: str | None = None) -> list[Option]:
    """The main menu's `items` in `language`, then a button for the language menu when there
    is more than one language to choose from."""
    options = [Option(item, t(f"menu.{item}", language, variant=variant)) for item in items]
    if len(available_languages()) > 1:
        # Named in the language now spoken, beside a globe, so someone who cannot read it
        # still sees which button is about language.
        options.append(Option(LANGUAGE_OPTION, f"🌐 {language_name(language)}"))
    return options


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
    # The identity was made by this event (a first message): nothing can refer to it yet.
    new_identity: bool = False

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
        self,
        text: str,
        options: Sequence[Option] = (),
        *,
        ticket: Ticket | None = None,
        attachment: Attachment | None = None,
        notice: bool = False,
        last: bool = False,
    ) -> None:
        """Queue a reply; `ticket` puts it on that ticket's timeline too (see `Reply`)."""
        reply = Reply(text, tuple(options), attachment=attachment, notice=notice, last=last)
        self.replies.append((reply, ticket))

    def shown_options(self) -> list[tuple[str, str]]:
        """The (id, label) pairs of the options the person was last shown."""
        return [(str(i), str(label)) for i, label in self.data.get("options", [])]

    def chosen(self, language: str | None = None) -> str | None:
        """The id of the shown option the person picked, by button, number or words; words
        are read in `language` when the options were shown in another than the person's."""
        picked = self.picked()
        if picked is not None or not self.text:
            return picked
        ids = {option_id for option_id, _ in self.shown_options()}
        return self._yes_or_no(ids, language or self.lang)

    def picked(self) -> str | None:
        """The id of the shown option the person picked by button, number or its label, not
        by a yes or no of their own words."""
        shown = self.shown_options()
        if self.event.choice in {option_id for option_id, _ in shown}:
            return self.event.choice
        # A button the bot did not send (a template's quick reply) may still carry words that
        # match; a stale button without words matches nothing.
        if not self.text:
            return None
        return match_option(self.text, shown)

    def words(self, keys: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """The words for each of `keys` a person may type: their language's, and the English
        ones their language does not give another meaning among those keys."""
        return understood(keys, self.lang)

    def _yes_or_no(self, ids: set[str], language: str) -> str | None:
        typed = fold(self.text)
        listed = understood(("yes", "no"), language)
        for key, meaning in (("yes", _YES_OPTIONS), ("no", _NO_OPTIONS)):
            if typed in listed[key]:
                picked = ids & meaning
                return next(iter(picked)) if len(picked) == 1 else None
        return None

    def menu_options(self) -> list[Option]:
        """The main menu's options, in the person's language, and the language menu's button."""
        return main_menu(self.menu, self.lang, variant=self.identity.channel.value)

    def show_menu(self, intro: str | None = None) -> State:
        """Offer the main menu, after `intro` if given, and wait there."""
        self.say(intro or self.t("menu.prompt"), self.menu_options())
        return State.MENU
