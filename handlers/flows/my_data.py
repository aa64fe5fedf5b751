"""My data: what we keep about the person, a copy of it, deleting it, and stopping messages.

"my data" and "delete my data" work at any step, like "menu". A copy goes as a document where
the channel can send one and as a single-use link where it cannot; the channel decides.
"""

from __future__ import annotations

from sqlmodel import col, func, select

from handlers.actions.data_rights import do_erase_contact
from handlers.actions.identities import list_contact_identities
from handlers.conversation.events import Attachment, IncomingEvent, Keyword, Option
from handlers.conversation.formats import listing
from handlers.conversation.matching import normalise
from handlers.conversation.parsers.text import fold
from handlers.conversation.turn import State, Turn
from handlers.flows import start
from models import Message, Ticket
from models.enums import Channel
from models.privacy import PrivacyReason

# What a typed `[words]` entry opens: a summary of what is kept, or erasure.
_COMMANDS = {"my_data": "summary", "delete_data": "erase"}


STOP_WORDS = frozenset({"stop", "stop messages", "unsubscribe"})


def typed_keyword(event: IncomingEvent) -> Keyword | None:
    """Stop typed where the channel has no carrier keywords of its own (Telegram, console)."""
    own_words = event.channel in (Channel.TELEGRAM, Channel.CONSOLE)
    if own_words and event.keyword is None and normalise(event.text or "") in STOP_WORDS:
        return Keyword.OPT_OUT
    return None


def command_in(turn: Turn) -> str | None:
    """`summary` or `erase` when the typed message asks for one of them, and only that, in
    the person's language or in English."""
    typed = fold(turn.text)
    if not typed or turn.event.choice is not None:
        return None
    listed = turn.words(tuple(_COMMANDS))
    for key, command in _COMMANDS.items():
        if typed in listed[key]:
            return command
    return None


def _finish(turn: Turn, lead: str) -> State:
    """Back to where the person can carry on: the menu, or the notice if not agreed yet."""
    if turn.contact.consented_at is None:
        return start.ask_consent(turn, lead)
    return turn.show_menu(f"{lead}\n\n{turn.t('menu.prompt')}")


async def _count(turn: Turn, table: type[Ticket] | type[Message]) -> int:
    statement = (
        select(func.count()).select_from(table).where(col(table.contact_id) == turn.contact.id)
    )
    return int((await turn.session.exec(statement)).one())


async def show_summary(turn: Turn) -> State:
    """Say what is kept, in a few plain lines, and offer a copy, deletion or stopping."""
    contact_id = turn.contact.id
    identities = await list_contact_identities(session=turn.session, contact_id=contact_id)
    channels = [identity.channel for identity in identities]
    requests = await _count(turn, Ticket)
    messages = await _count(turn, Message)
    text = turn.t(
        "my_data.summary",
        name=turn.contact.display_name or turn.t("my_data.no_name"),
        channels=listing([turn.t(f"my_data.channel_{channel}") for channel in channels], turn.lang),
        requests=requests,
        messages=messages,
    )
    options = [
        Option("copy", turn.t("my_data.copy")),
        Option("erase", turn.t("my_data.erase")),
        Option("stop", turn.t("my_data.stop")),
        Option("menu", turn.t("my_data.menu")),
    ]
    turn.say(text, options)
    return State.MY_DATA


def ask_erase(turn: Turn, lead: str | None = None) -> State:
    """Explain what deleting means and ask to confirm."""
    text = turn.t("my_data.erase_explain")
    options = [
        Option("erase_yes", turn.t("my_data.erase_yes")),
        Option("erase_no", turn.t("my_data.erase_no")),
    ]
    turn.say(f"{lead}\n\n{text}" if lead else text, options)
    return State.ERASE_CONFIRM


async def begin(turn: Turn, command: str) -> State:
    """Start from a typed "my data" or "delete my data"."""
    turn.data.clear()
    if command == "erase":
        return ask_erase(turn)
    return await show_summary(turn)


def _send_copy(turn: Turn) -> State:
    turn.say(turn.t("my_data.copy_sent"), attachment=Attachment.DATA_COPY)
    return _finish(turn, turn.t("my_data.copy_next"))


async def _stop_messages(turn: Turn) -> State:
    """Withdraw consent: no more messages of any kind on any of the person's channels, now."""
    for identity in await list_contact_identities(session=turn.session, contact_id=turn.contact.id):
        identity.opted_out = True
    turn.contact.consent_version = None
    turn.contact.consented_at = None
    turn.contact.updated_at = turn.now
    turn.data.clear()
    turn.say(turn.t("my_data.stopped"), notice=True)
    return State.NEW


async def answer(turn: Turn) -> State:
    """Act on a choice offered by the summary."""
    chosen = turn.chosen()
    if chosen == "copy":
        return _send_copy(turn)
    if chosen == "erase":
        return ask_erase(turn)
    if chosen == "stop":
        return await _stop_messages(turn)
    if chosen == "menu":
        turn.data.clear()
        return _finish(turn, turn.t("my_data.nothing_changed"))
    return await show_summary(turn)


async def confirm_erase(turn: Turn) -> State:
    """Erase on "yes", keeping only this address until the confirmation has gone."""
    chosen = turn.chosen()
    if chosen == "erase_no":
        turn.data.clear()
        return _finish(turn, turn.t("my_data.nothing_changed"))
    if chosen != "erase_yes":
        return ask_erase(turn, turn.t("form.choose"))
    await do_erase_contact(
        session=turn.session,
        contact_id=turn.contact.id or 0,
        reason=PrivacyReason.ERASURE_REQUEST,
        now=turn.now,
        keep_address_of=turn.identity.id,
    )
    turn.data.clear()
    turn.say(turn.t("my_data.erased"), last=True)
    return State.NEW
