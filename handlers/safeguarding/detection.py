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

`assess` adds what those English patterns cannot see: the concept rules of every language
(`lexicon`), and the project's own classifier (`classifier`) for the phrasings no rule names. Its
outcome is `clear` (alert at once), `unclear` (give the numbers and ask whether someone is in
danger) or `none`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Final

from handlers.safeguarding.alerts import Alert, AlertKind
from handlers.safeguarding.classifier import Thresholds, model
from handlers.safeguarding.folding import MAX_CHARS as _MAX_CHARS
from handlers.safeguarding.folding import clauses
from handlers.safeguarding.language import guess_language, likely_languages
from handlers.safeguarding.lexicon import Hit, date_clauses, hits, lexicon, told_over
from handlers.safeguarding.rules import RULES, Rule
from handlers.safeguarding.vocabulary import (
    HISTORY,
    HYPOTHETICALS,
    NEGATORS,
    RESOLVED,
    STORY,
    WINDOW_WORDS,
)

__all__ = ["Assessment", "Outcome", "assess", "check_text"]

_APOSTROPHES: Final = str.maketrans(dict.fromkeys("\u2018\u2019\u201b\u02bc\u2032`\u00b4", "'"))

# Words that make a rule's match the person's own: "kill myself", "i want to die".
_OWN: Final = re.compile(r"\b(?:i|im|ive|id|ill|me|my|myself)\b")
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
    # The rule's own words first: they are missing from nearly every sentence, which then
    # needs no reading for a veto or a date.
    if not any(
        not rule.guarded or not _blocked_by_words_before(sentence, match.start())
        for match in rule.pattern.finditer(sentence)
    ):
        return False
    if rule.veto is not None and rule.veto.search(sentence):
        return False
    return not (rule.recent_only and (HISTORY.search(sentence) or RESOLVED.search(sentence)))


def _told_of_others(rule: Rule, sentence: str) -> bool:
    """Whether the rule's words are a story's ("a film about a suicide"), not the person's own
    ("after that film I want to kill myself")."""
    return STORY.search(sentence) is not None and not any(
        _OWN.search(match.group()) for match in rule.pattern.finditer(sentence)
    )


def _english_alert(text: str) -> tuple[Alert | None, bool]:
    """The first English rule seen, preferring any to a suicide rule seen only in sentences about
    a film or the news ("a documentary about suicide"), and whether it was only such a one."""
    sentences = _sentences(text)
    framed = None
    for rule in RULES:
        seen = [sentence for sentence in sentences if _matches(rule, sentence)]
        if not seen:
            continue
        if rule.kind is not AlertKind.SUICIDE or not all(_told_of_others(rule, s) for s in seen):
            return Alert(rule.kind, rule.signal), False
        framed = framed or Alert(rule.kind, rule.signal)
    return framed, framed is not None


class Outcome(StrEnum):
    """What a message asks of us: alert at once, ask the safety question, or nothing."""

    CLEAR = "clear"
    UNCLEAR = "unclear"
    NONE = "none"


@dataclass(frozen=True)
class Assessment:
    """The outcome, the kind of help to offer, and the language the words were recognised in."""

    outcome: Outcome
    alert: Alert | None = None
    language: str | None = None


# Which signal's advice leads when several are seen: the order of the English rules.
_ORDER: Final = {signal: rank for rank, signal in enumerate(dict.fromkeys(r.signal for r in RULES))}
_GENERAL: Final = Alert(AlertKind.EMERGENCY, "emergency")
_MIN_WORDS: Final = 2
_MIN_LETTERS: Final = 10
_SHORT_WORDS: Final = 8
# A goodbye with room for little else: "this is my last message", not "my last message about
# the repair" nor "... from this number, here is my new one".
_BARE_WORDS: Final = 6


def _first(found: list[Hit]) -> Hit:
    return min(found, key=lambda hit: _ORDER.get(hit.signal, len(_ORDER)))


@dataclass(frozen=True)
class Evidence:
    """What the rules saw in a message, before the classifier is asked."""

    english: Alert | None
    found: tuple[Hit, ...]
    language: str | None
    # Too few words give the classifier nothing to weigh: "M1 1AE" and "no" are answers.
    long_enough: bool = True
    # A short message has no room for what turns a rule's words to another sense ("on the
    # telly", "two years ago"), so a rule is trusted in it without the classifier.
    short: bool = False
    bare: bool = False

    @property
    def farewell(self) -> bool:
        """A message of a few words in which a suicide or self-harm rule half-recognised its own.

        "This is my last message" alone gives the classifier too little to weigh (it scores such
        goodbyes far below the question's threshold in most languages), and asking costs less
        than missing one: the rule's own everyday phrases keep "my last message didn't get a
        reply" out."""
        return self.bare and any(hit.kind is AlertKind.SUICIDE for hit in self.found)


def gather(text: str) -> Evidence:
    """Run the rules of the languages the message may be in over it."""
    parts = clauses(text)
    candidates = likely_languages(text, parts)
    # Latin text runs several languages' rules: a story dated in the words of one ("în film",
    # Romanian) is dated for the rules of its neighbours too, which do not know those words.
    told, stories = date_clauses(
        (past for code in candidates for past in lexicon(code).past),
        (story for code in candidates for story in lexicon(code).stories),
        parts,
    )
    # An event told as over ("the shelf fell, nobody was hurt") is history in every clause, as
    # the English rules read a sentence with "fine now" in it.
    if any(told_over(lexicon(code), parts) for code in candidates):
        told = [True] * len(parts)
    found = tuple(hit for code in candidates for hit in hits(lexicon(code), parts, (told, stories)))
    english, framed = _english_alert(text)
    if english is not None and framed:
        found = (*found, Hit(english.signal, english.kind, False, "en", framed=True))
        english = None
    tokens = [token for tokens in parts for token in tokens]
    return Evidence(
        english,
        found,
        guess_language(text, parts, list(found)),
        long_enough=len(tokens) >= _MIN_WORDS and sum(map(len, tokens)) >= _MIN_LETTERS,
        short=len(tokens) <= _SHORT_WORDS,
        bare=len(tokens) <= _BARE_WORDS,
    )


def decide(evidence: Evidence, probability: float, thresholds: Thresholds) -> Assessment:
    """Combine the rules and the classifier's probability into an outcome."""
    found = list(evidence.found)
    language = evidence.language
    clear = [hit for hit in found if hit.clear]
    if evidence.english is not None or clear:
        alert = evidence.english
        if alert is None:
            best = _first(clear)
            alert = Alert(best.kind, best.signal)
        # The English patterns were written for precision: only a classifier sure of an
        # everyday message turns them into a question.
        trusted = evidence.english is not None and probability >= thresholds.floor
        if trusted or evidence.short or probability >= thresholds.hint:
            return Assessment(Outcome.CLEAR, alert, language)
        # A rule the classifier finds unlikely (a typo match, a word in another sense) is asked
        # about rather than alerted on, or passed over when the classifier is sure.
        if probability >= thresholds.floor:
            return Assessment(Outcome.UNCLEAR, alert, language)
    guess = _GENERAL
    if found:
        best = _first(found)
        if best.kind is not AlertKind.URGENT:
            guess = Alert(best.kind, best.signal)
    if not evidence.long_enough and not found:
        return Assessment(Outcome.NONE, None, language)
    if probability >= thresholds.clear:
        return Assessment(Outcome.CLEAR, guess, language)
    if (
        probability >= thresholds.unclear
        or (found and probability >= thresholds.hint)
        or evidence.farewell
        or any(hit.framed for hit in found)
    ):
        return Assessment(Outcome.UNCLEAR, guess, language)
    return Assessment(Outcome.NONE, None, language)


# Many people send the same few words ("yes", "1", "fine thanks": a check-in's answers on a
# Monday morning), and an assessment depends on the words alone. A short message's is kept,
# for this many of them, rather than read again by every rule and the classifier.
SHORT_MESSAGE_CHARS: Final = 40
_SHORT_KEPT: Final = 4096


def assess(text: str | None) -> Assessment:
    """Read a message with every rule and the classifier, and decide what it needs."""
    if not text or not text.strip():
        return Assessment(Outcome.NONE)
    if len(text) <= SHORT_MESSAGE_CHARS:
        return _assess_short(text)
    return _assess(text)


@lru_cache(maxsize=_SHORT_KEPT)
def _assess_short(text: str) -> Assessment:
    return _assess(text)


def _assess(text: str) -> Assessment:
    current = model()
    evidence = gather(text)
    if evidence.english is None and not evidence.found and not evidence.long_enough:
        # What `decide` says whatever the probability ("hello", "yes", a postcode): the
        # classifier, a millisecond a message, is not asked.
        return Assessment(Outcome.NONE, None, evidence.language)
    return decide(evidence, current.probability(text), current)


def check_text(text: str | None) -> Alert | None:
    """The most serious emergency signal in a message that is clearly one, or None."""
    result = assess(text)
    return result.alert if result.outcome is Outcome.CLEAR else None
