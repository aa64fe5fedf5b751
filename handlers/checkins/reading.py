"""Reading a check-in answer typed in words, in any language the catalogs speak.

The words live in the catalogs' `[words.checkin]` and `[words.telecare]` tables, one entry per
option, and a phrase counts when its words stand together in what was typed ("dobrze" in
"wszystko dobrze, dziękuję"). The answers that ask for something (a call, help, a broken
alarm) are read first, so "I'm fine but please ring me" is a call.

Saying someone is well when they are not is the worst mistake, so a word for "well" a few
words after a negation (`[words.negation]`: "nie dobrze", "ddim yn iawn", "not great") reads as
the opposite, and one with a negation anywhere else ("ok... not sure") is no answer yet: the
person is asked again. Where the negation follows the word ("ٹھیک نہیں", "ভালো নেই"), the
catalog lists the phrase itself among the words for help.

A word for help taken back ("not bad", "خراب نہیں", "nie źle": `[words.checkin] not_bad`) asks
for nothing; alone it is no answer yet either, since "not bad" is not quite "I'm OK", and the
person is asked again. So too for a broken alarm: "no problem", "nie ma problemu" and the
Portuguese "no botão" (on the button) hold a "no" that says nothing failed
(`[words.telecare] no_problem`).

A greeting is not an answer: "good morning" holds no "good" (nor "bore da" a "da"), and a
greeting alone asks the check-in again.

English words count in every language, except where the person's language gives the same word
another meaning: a Polish "no" is "yeah", so it reads as the Polish list says, not as the
English "no".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from handlers.conversation.catalog import understood
from handlers.conversation.parsers.text import MAX_INPUT, fold
from models.checkins import CampaignKind

# What `read_words` returns when the words are too mixed to call: ask again.
UNSURE: Final = "unsure"
# How many words may stand between a negation and the word it turns round ("nie czuję się
# dobrze", "not feeling too good").
_NEGATION_REACH: Final = 3
# The catalog entry holding the words that negate, in each language.
NEGATIONS: Final = "negation.not"
# The catalog entry holding greetings: "good morning" is not "good", and answers nothing yet.
GREETINGS: Final = "greeting.hello"


@dataclass(frozen=True)
class Reading:
    """How one kind of check-in reads words: which options win outright, strongest first, the
    one that says all is well, and what a negated "all is well" means."""

    section: str
    strong: tuple[str, ...]
    well: str
    negated: str
    # The catalog entry of phrases that hold a strong word but do not mean it ("not bad").
    eased: str | None = None


READINGS: Final = {
    CampaignKind.CHECKIN: Reading(
        "checkin",
        strong=("checkin_call", "checkin_help"),
        well="checkin_ok",
        negated="checkin_help",
        eased="not_bad",
    ),
    CampaignKind.ALARM_TEST: Reading(
        "telecare",
        strong=("alarm_failed",),
        well="alarm_done",
        negated="alarm_failed",
        eased="no_problem",
    ),
}


def reading_words(kind: CampaignKind, language: str) -> Callable[[str], tuple[str, ...]]:
    """The words for each of the reading's keys: the language's own, then the English ones
    the language does not list under any of those keys (where the two clash, its own win)."""
    reading = READINGS[kind]
    options = (*reading.strong, reading.well, *([reading.eased] if reading.eased else []))
    keys = [f"{reading.section}.{option}" for option in options] + [NEGATIONS, GREETINGS]
    return understood(keys, language).__getitem__


def _spans(tokens: Sequence[str], phrases: Sequence[str]) -> list[tuple[int, int]]:
    """Where each phrase stands in the tokens, as (first, past last) word positions."""
    found = []
    for phrase in phrases:
        words = phrase.split()
        size = len(words)
        found += [
            (start, start + size)
            for start in range(len(tokens) - size + 1)
            if list(tokens[start : start + size]) == words
        ]
    return found


def read_words(kind: CampaignKind, text: str, words: Callable[[str], Sequence[str]]) -> str | None:
    """The option the words pick, `UNSURE` when they are too mixed to tell or only a
    greeting, else None.

    `words(key)` gives the folded catalog words for `key` in the person's languages.
    """
    if len(text) > MAX_INPUT:
        return None
    tokens = fold(text).split()
    reading = READINGS[kind]
    eased = _spans(tokens, words(f"{reading.section}.{reading.eased}")) if reading.eased else []
    for option in reading.strong:
        if _outside(_spans(tokens, words(f"{reading.section}.{option}")), eased):
            return option
    greeted = _covered(_spans(tokens, words(GREETINGS)))
    well = [
        (start, end)
        for start, end in _spans(tokens, words(f"{reading.section}.{reading.well}"))
        if start not in greeted
    ]
    if not well:
        # A greeting alone, or "not bad", is no answer yet; other words are left for the menu.
        return UNSURE if eased or (tokens and len(greeted) == len(tokens)) else None
    return _unless_negated(reading, well + eased, well, _spans(tokens, words(NEGATIONS)))


def negated(text: str, words: Callable[[str], Sequence[str]]) -> bool:
    """Whether the text holds a negation anywhere."""
    return bool(_spans(fold(text[:MAX_INPUT]).split(), words(NEGATIONS)))


def _covered(spans: list[tuple[int, int]]) -> set[int]:
    """The word positions the spans cover."""
    return {position for start, end in spans for position in range(start, end)}


def _outside(spans: list[tuple[int, int]], others: list[tuple[int, int]]) -> bool:
    """Whether any of the spans lies within none of the others."""
    return any(
        not any(first <= start and end <= last for first, last in others) for start, end in spans
    )


def _unless_negated(
    reading: Reading,
    phrases: list[tuple[int, int]],
    well: list[tuple[int, int]],
    negations: list[tuple[int, int]],
) -> str:
    """ "All is well", unless a negation outside the phrases found turns it round or muddies it."""
    inside = _covered(phrases)
    # "على ما يرام" (all right) holds "ما", a negation elsewhere: a phrase's own words are its own.
    outside = [(start, end) for start, end in negations if start not in inside]
    if not outside:
        return reading.well
    for negation_end in (end for _, end in outside):
        if any(0 <= start - negation_end <= _NEGATION_REACH for start, _ in well):
            return reading.negated
    return UNSURE
