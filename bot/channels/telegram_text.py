"""A private chat's text message, the commonest Telegram update, read straight from its JSON:
building python-telegram-bot's objects for it (`Update.de_json`) took a twentieth of the web's
CPU for each message. An update with any field beyond the few read here, or one of another
type, is left to the library (`TelegramChannel.parse`, then `translate_update`), which makes
the same event of every update read here.
"""

from __future__ import annotations

from typing import Any

from bot.channels.telegram import event_fields, opt_out_keyword
from handlers.conversation.events import IncomingEvent

_MESSAGE = frozenset({"message_id", "date", "chat", "from", "text"})
_CHAT = frozenset({"id", "type", "first_name", "last_name", "username"})
_USER = frozenset(
    {"id", "is_bot", "first_name", "last_name", "username", "language_code", "is_premium"}
)
# The last second a date can hold (the end of the year 9999) in Unix time: the library turns
# a message's date into one, and an update with a later date is unreadable to it.
_LAST_DATE = 253_402_300_799


def text_message(data: Any) -> IncomingEvent | None:
    """The event of `data` when it is an update of a private chat's text message and nothing
    more; None when it is anything else, for the library to read."""
    if not isinstance(data, dict) or data.keys() != {"update_id", "message"}:
        return None
    message = data["message"]
    if not isinstance(message, dict) or message.keys() != _MESSAGE:
        return None
    chat, user, text, date = message["chat"], message["from"], message["text"], message["date"]
    if not (_fields(chat, {"id", "type"}, _CHAT) and _fields(user, {"id", "is_bot"}, _USER)):
        return None
    ids = (data["update_id"], message["message_id"], chat["id"], user["id"], date)
    if any(type(value) is not int for value in ids) or not 0 <= date <= _LAST_DATE:
        return None
    if chat["type"] != "private" or user["is_bot"] is not False or not text:
        return None
    first_name, username = user.get("first_name"), user.get("username")
    language = user.get("language_code")
    if not (isinstance(text, str) and isinstance(first_name, str)):
        return None
    if not all(value is None or isinstance(value, str) for value in (username, language)):
        return None
    common = event_fields(data["update_id"], chat["id"], first_name, username, language)
    return IncomingEvent(text=text, keyword=opt_out_keyword(text), **common)


def _fields(value: Any, required: set[str], known: frozenset[str]) -> bool:
    """Whether `value` is an object with the `required` fields and no others than `known`."""
    return isinstance(value, dict) and required <= value.keys() <= known
