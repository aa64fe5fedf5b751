"""The library of replies staff can send in the person's own language ("We will phone you today").

The replies live in the catalogs under `[staff_replies]`, so each is translated with the rest of
the bot's words; a language without one falls back to English.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.actions.errors import InvalidError
from handlers.conversation.catalog import DEFAULT_LANGUAGE, messages, t

_PREFIX = "staff_replies."


@dataclass(frozen=True)
class SavedReply:
    """One reply: its key, its words in the person's language, and in English for staff."""

    key: str
    text: str
    english: str


def list_saved_replies(*, language: str) -> list[SavedReply]:
    """Every saved reply, in `language` (English where it lacks one), in catalog order."""
    keys = [k.removeprefix(_PREFIX) for k in messages(DEFAULT_LANGUAGE) if k.startswith(_PREFIX)]
    return [SavedReply(key, t(f"{_PREFIX}{key}", language), t(f"{_PREFIX}{key}")) for key in keys]


def check_saved_reply(*, key: str, language: str) -> str:
    """The saved reply `key` in `language`; InvalidError when there is no such reply."""
    if f"{_PREFIX}{key}" not in messages(DEFAULT_LANGUAGE):
        raise InvalidError(f"There is no saved reply {key!r}.", loc=("body", "saved_reply"))
    return t(f"{_PREFIX}{key}", language)
