"""Spotting a message that says someone may be in danger, so the reply can lead with help.

A message alerts when it names a person in a present bodily state ("mum fell and is on the
floor", "I can't breathe") or a present danger in the home ("the flat is full of smoke"), not
when a frightening word turns up in everyday speech ("fell behind on rent", "gas bill").  So
most rules need a person or a state, not a keyword, and a few guards then drop matches that:

- are negated just before ("no chest pain", "he isn't bleeding");
- are hypothetical just before ("a pendant alarm in case I fall and can't get up");
- for events that are often history, sit in a sentence that dates them ("had a fall last
  year", "since her stroke"): tenants explain adaptations that way every day.

Guards for negation and hypotheticals do not apply to suicide and self-harm: "I'm not going to
kill myself but..." still deserves the Samaritans number, and "I might kill myself" is a threat,
not a hypothetical.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from handlers.safeguarding.alerts import Alert
from handlers.safeguarding.rules import RULES, Rule
from handlers.safeguarding.vocabulary import HISTORY, HYPOTHETICALS, NEGATORS, WINDOW_WORDS

__all__ = ["check_text"]

# An emergency is said in the first lines; past this we would only be slowing every reply.
_MAX_CHARS: Final = 5000

_APOSTROPHES: Final = str.maketrans(dict.fromkeys("\u2018\u2019\u201b\u02bc\u2032`\u00b4", "'"))

_DROP: Final = re.compile(r"[^a-z0-9.!?,;:]+")
_COMMAS: Final = re.compile(r" ?,[ ,]*")
_SENTENCE_END: Final = re.compile(r"[.!?;:]+")


def _sentences(text: str) -> list[str]:
    """Lowercased sentences, apostrophes dropped, anything but letters and digits a space."""
    text = unicodedata.normalize("NFKC", text[:_MAX_CHARS])[:_MAX_CHARS]
    text = text.lower().translate(_APOSTROPHES)
    # "can't", "cant" and "can t" (a lost curly quote) must all read the same to one rule.
    text = text.replace("'", "")
    # Emoji, Arabic script and hyphens become spaces, so "I've fallen 😢 and can't get up"
    # reads as plain words and "self-harm" as "self harm".
    text = _DROP.sub(" ", text)
    text = _COMMAS.sub(", ", text)
    return [part.strip(" ,") for part in _SENTENCE_END.split(text) if part.strip(" ,")]


def _blocked_by_words_before(sentence: str, start: int) -> bool:
    clause = sentence[:start].rsplit(",", 1)[-1]
    before = clause.split()[-WINDOW_WORDS:]
    return any(word in NEGATORS or word in HYPOTHETICALS for word in before)


def _matches(rule: Rule, sentence: str) -> bool:
    if rule.veto is not None and rule.veto.search(sentence):
        return False
    if rule.recent_only and HISTORY.search(sentence):
        return False
    for match in rule.pattern.finditer(sentence):
        if not rule.guarded or not _blocked_by_words_before(sentence, match.start()):
            return True
    return False


def check_text(text: str | None) -> Alert | None:
    """The most serious emergency signal in a message, or None."""
    if not text:
        return None
    sentences = _sentences(text)
    for rule in RULES:
        if any(_matches(rule, sentence) for sentence in sentences):
            return Alert(rule.kind, rule.signal)
    return None
