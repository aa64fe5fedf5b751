"""A private chat's text message is read straight from its JSON; the person must get exactly what
the library's reading of the same update gave, and every other update is left to the library."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st
from telegram import Update

from bot.channels.telegram import translate_update
from bot.channels.telegram_text import text_message
from handlers.conversation.events import IncomingEvent, Keyword
from tests.bot.telegram_webhook.person import FIXTURES, fixture

UNREADABLE = "unreadable"


def by_library(data: dict[str, Any]) -> IncomingEvent | str | None:
    """What the library's way makes of an update: its event, None, or unreadable (the webhook
    then stores nothing)."""
    try:
        update = Update.de_json(copy.deepcopy(data), None)
    except Exception:
        return UNREADABLE
    return translate_update(update)


def test_a_text_message_is_read_as_the_library_reads_it() -> None:
    update = fixture("text_message")

    event = text_message(update)

    assert event is not None
    assert event == by_library(update)
    assert (event.text, event.display_name, event.language) == ("Hello", "Margaret", "en")
    assert event.provider_id == f"update:{update['update_id']}"


def test_stop_is_an_opt_out_read_either_way() -> None:
    update = fixture("text_message")
    update["message"]["text"] = " stop. "

    event = text_message(update)

    assert event is not None and event.keyword is Keyword.OPT_OUT
    assert event == by_library(update)


def test_every_other_stored_update_is_left_to_the_library() -> None:
    for path in sorted(FIXTURES.glob("*.json")):
        if path.stem == "text_message":
            continue
        assert text_message(json.loads(path.read_text())) is None, path.stem


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**70),
    st.text(max_size=12),
    st.sampled_from(["private", "group", "STOP", "", "pl", "Margaret"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.sampled_from(["id", "type", "x"]), st.integers(), max_size=2),
)
_FIELDS = st.sampled_from(
    [((), key) for key in ("update_id", "message", "edited_message")]
    + [
        (("message",), key)
        for key in ("message_id", "date", "text", "from", "chat", "entities", "caption")
    ]
    + [
        (("message", "from"), key)
        for key in ("id", "is_bot", "first_name", "last_name", "username", "language_code")
    ]
    + [(("message", "from"), "is_premium")]
    + [
        (("message", "chat"), key)
        for key in ("id", "type", "first_name", "last_name", "username", "title")
    ]
)
_CHANGES = st.lists(
    st.tuples(_FIELDS, st.one_of(st.just("delete"), _VALUES)).map(lambda c: (*c[0], c[1])),
    max_size=3,
)
Change = tuple[tuple[str, ...], str, Any]


@settings(max_examples=400, deadline=None)
@given(changes=_CHANGES, premium=st.booleans(), username=st.booleans())
@example(changes=[(("message", "from"), "is_bot", True)], premium=False, username=True)
@example(changes=[(("message", "chat"), "type", "group")], premium=False, username=True)
@example(changes=[(("message",), "date", 2**40)], premium=False, username=True)
@example(changes=[(("message",), "text", "")], premium=False, username=True)
@example(changes=[(("message",), "text", 5)], premium=False, username=True)
@example(changes=[(("message", "from"), "is_premium", "yes")], premium=False, username=True)
@example(changes=[(("message", "from"), "first_name", None)], premium=True, username=False)
@example(changes=[(("message", "from"), "username", None)], premium=False, username=True)
@example(changes=[(("message", "from"), "language_code", 7)], premium=False, username=True)
@example(changes=[((), "update_id", True)], premium=False, username=True)
def test_whatever_the_update_holds_the_json_reading_never_differs_from_the_library(
    changes: list[Change], premium: bool, username: bool
) -> None:
    update = fixture("text_message")
    if premium:
        update["message"]["from"]["is_premium"] = True
    if not username:
        del update["message"]["from"]["username"]
    for place, key, value in changes:
        target: Any = update
        for step in place:
            target = target.get(step) if isinstance(target, dict) else None
        if not isinstance(target, dict):
            continue
        if value == "delete":
            target.pop(key, None)
        else:
            target[key] = value

    event = text_message(update)

    if event is not None:
        assert event == by_library(update)
