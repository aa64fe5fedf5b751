"""Concept rules per language, read from `data/<language>.toml`, matched over folded tokens
(phrases and their words: `phrases`).

Each signal has `clear` phrases (an emergency on their own), `unclear` phrases (worth asking
whether someone is in danger), `pairs` (two phrases anywhere in one message: clear), and
`unless` phrases that, anywhere in the message, explain the clear phrases away (a carbon
monoxide alarm chirping for its battery) so they are only worth a question; a table may report
under another signal's name (`signal`).  A
phrase is dropped when a negator of its language stands just before it (unless the signal is
`unguarded`: "not suicidal but..." still deserves the number), or when the signal is `recent`
and its clause dates it ("I fell last year") or `resolved` words tell it as over ("nobody was
hurt") with no `contrasts` word after them ("fine now but it's back").  `everyday` phrases
are removed first: "ground floor" holds no floor to lie on.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any, Final

from handlers.safeguarding.alerts import AlertKind
from handlers.safeguarding.folding import fold
from handlers.safeguarding.phrases import (
    DATA,
    LANGUAGES,
    Phrase,
    Word,
    find_phrase,
    parse_phrase,
    phrase_absent,
    phrase_span,
    token_initials,
    word_matches,
)
from handlers.safeguarding.starts import Starts

NEGATION_WINDOW: Final = 3
_GONE: Final = "\x00"


@dataclass(frozen=True)
class Signal:
    """What one language's words say about one kind of danger."""

    name: str
    kind: AlertKind
    clear: tuple[Phrase, ...] = ()
    unclear: tuple[Phrase, ...] = ()
    pairs: tuple[tuple[tuple[Phrase, ...], tuple[Phrase, ...]], ...] = ()
    unless: tuple[Phrase, ...] = ()
    recent: bool = False
    guarded: bool = True


@dataclass(frozen=True)
class Lexicon:
    """One language's rules: its signals, and the words that negate, date or excuse them."""

    language: str
    signals: tuple[Signal, ...]
    negators: frozenset[str] = frozenset()
    past: tuple[Phrase, ...] = ()
    stories: tuple[Phrase, ...] = ()
    everyday: tuple[Phrase, ...] = ()
    resolved: tuple[Phrase, ...] = ()
    # "It was all fine now but it's back": what follows such a word undoes the telling as over.
    contrasts: frozenset[str] = frozenset()
    common: frozenset[str] = field(default_factory=frozenset)
    starts: Starts = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        groups = [
            [*s.clear, *s.unclear, *(p for pair in s.pairs for g in pair for p in g)]
            for s in self.signals
        ]
        others = (*self.everyday, *(phrase for s in self.signals for phrase in s.unless))
        object.__setattr__(self, "starts", Starts.of(groups, others, word_matches))


@dataclass(frozen=True)
class Hit:
    """A signal seen in a message, and whether it is clear on its own."""

    signal: str
    kind: AlertKind
    clear: bool
    language: str
    # Seen only in a clause telling a story of others ("a film about a suicide"): no alert on
    # the words alone, but always asked about, as a denial of suicidal thoughts is.
    framed: bool = False


def _alternatives(value: str | list[str]) -> tuple[Phrase, ...]:
    items = [value] if isinstance(value, str) else value
    return tuple(parse_phrase(item) for item in items)


def _signal(name: str, table: dict[str, Any]) -> Signal:
    return Signal(
        name=table.get("signal", name),
        kind=AlertKind(table.get("kind", "emergency")),
        clear=_alternatives(table.get("clear", [])),
        unclear=_alternatives(table.get("unclear", [])),
        pairs=tuple(
            (_alternatives(left), _alternatives(right)) for left, right in table.get("pairs", [])
        ),
        unless=_alternatives(table.get("unless", [])),
        recent=bool(table.get("recent", False)),
        guarded=bool(table.get("guarded", True)),
    )


@cache
def lexicon(language: str) -> Lexicon:
    """One language's rules, read once from its data file."""
    with (DATA / f"{language}.toml").open("rb") as handle:
        raw = tomllib.load(handle)
    return Lexicon(
        language=language,
        signals=tuple(_signal(name, table) for name, table in raw.get("signals", {}).items()),
        negators=frozenset(fold(word) for word in raw.get("negators", [])),
        past=_alternatives(raw.get("past", [])),
        stories=_alternatives(raw.get("stories", [])),
        everyday=_alternatives(raw.get("everyday", [])),
        resolved=_alternatives(raw.get("resolved", [])),
        contrasts=frozenset(fold(word) for word in raw.get("contrasts", [])),
        common=frozenset(fold(word) for word in raw.get("common", [])),
    )


def _negated(lex: Lexicon, tokens: list[str], start: int) -> bool:
    return any(token in lex.negators for token in tokens[max(0, start - NEGATION_WINDOW) : start])


def _seen(
    lex: Lexicon,
    signal: Signal,
    phrases: Iterable[Phrase],
    clauses: list[list[str]],
    dating: tuple[list[bool], list[bool]],
    initials: list[frozenset[str]],
    live: set[Word],
) -> str | None:
    """ "yes" when a phrase is seen plainly, "story" when only in a clause telling a story of
    others, "negated" when only after a negator, else None. `dating` says which clauses are
    told as past (a recent-only signal skips them) and which tell a story."""
    negated = story = False
    phrases = [phrase for phrase in phrases if not phrase.firsts.isdisjoint(live)]
    for tokens, is_dated, is_story, first in zip(clauses, *dating, initials, strict=True):
        if signal.recent and is_dated:
            continue
        for phrase in phrases:
            if phrase_absent(phrase, first):
                continue
            at = find_phrase(phrase, tokens)
            while at is not None:
                if _negated(lex, tokens, at):
                    negated = True
                elif not is_story:
                    return "yes"
                else:
                    story = True
                at = find_phrase(phrase, tokens, at + 1)
    return "story" if story else "negated" if negated else None


def _said(seen: str | None) -> bool:
    return seen in ("yes", "story")


def _without_everyday(lex: Lexicon, clauses: list[list[str]], live: set[Word]) -> list[list[str]]:
    everyday = [phrase for phrase in lex.everyday if not phrase.firsts.isdisjoint(live)]
    cleaned: list[list[str]] = []
    for tokens in clauses:
        tokens = list(tokens)
        # Read before any token is blanked: a wider set only rules out fewer phrases.
        first = token_initials(tokens)
        for phrase in everyday:
            if phrase_absent(phrase, first):
                continue
            # The words matched go, not the ones skipped between them: "smoke alarm in the
            # fire exit" loses the alarm, "alarm ... fire" keeps nothing of the phrase.
            span = phrase_span(phrase, tokens)
            while span is not None:
                for at in span:
                    tokens[at] = _GONE
                span = phrase_span(phrase, tokens, span[0] + 1)
        cleaned.append(tokens)
    return cleaned


def dated(pasts: Iterable[Phrase], clauses: list[list[str]]) -> list[bool]:
    """For each folded clause, whether one of the `pasts` phrases dates it."""
    pasts = tuple(pasts)
    return [
        any(
            not phrase_absent(past, first) and find_phrase(past, tokens) is not None
            for past in pasts
        )
        for tokens in clauses
        for first in (token_initials(tokens),)
    ]


def date_clauses(
    pasts: Iterable[Phrase], stories: Iterable[Phrase], clauses: list[list[str]]
) -> tuple[list[bool], list[bool]]:
    """For each folded clause, whether it is told as past, and whether it tells a story of
    others; a story dates what it tells, as the past does."""
    story = dated(stories, clauses)
    return [p or s for p, s in zip(dated(pasts, clauses), story, strict=True)], story


def told_over(lex: Lexicon, clauses: list[list[str]]) -> bool:
    """Whether a `resolved` phrase is said with no negator before it, in its gaps or after it,
    and no contrast ("but") anywhere after it."""
    for index, tokens in enumerate(clauses):
        for phrase in lex.resolved:
            span = phrase_span(phrase, tokens)
            while span is not None:
                around = range(span[0], min(span[-1] + 2, len(tokens)))
                later = [
                    *tokens[span[-1] + 1 :],
                    *(t for rest in clauses[index + 1 :] for t in rest),
                ]
                if (
                    not _negated(lex, tokens, span[0])
                    and all(at in span or tokens[at] not in lex.negators for at in around)
                    and lex.contrasts.isdisjoint(later)
                ):
                    return True
                span = phrase_span(phrase, tokens, span[0] + 1)
    return False


def hits(
    lex: Lexicon, clauses: list[list[str]], told: tuple[list[bool], list[bool]] | None = None
) -> list[Hit]:
    """Every signal of one language seen in a message's folded clauses; `told`, when given,
    says which clauses are dated and which tell a story (`date_clauses`, by the words of every
    language read), else its own words do."""
    live = lex.starts.live(clauses)
    if live.isdisjoint(lex.starts.signal_words):
        return []  # no signal's phrase can start in the message: nothing to find
    dating = date_clauses(lex.past, lex.stories, clauses) if told is None else told
    # An explanation is read in the words as written: "battery low" is an everyday phrase.
    raw, raw_initials = clauses, [token_initials(tokens) for tokens in clauses]
    clauses = _without_everyday(lex, clauses, live)
    initials = [token_initials(tokens) for tokens in clauses]
    found: list[Hit] = []
    for signal, firsts in zip(lex.signals, lex.starts.signals, strict=True):
        if firsts.isdisjoint(live):
            continue  # none of its phrases can start anywhere in the message
        clear = _seen(lex, signal, signal.clear, clauses, dating, initials, live)
        explained = _said(clear) and _said(
            _seen(lex, signal, signal.unless, raw, dating, raw_initials, live)
        )
        clear = None if explained else clear
        if clear != "yes":
            for left, right in signal.pairs:
                sides = {
                    _seen(lex, signal, left, clauses, dating, initials, live),
                    _seen(lex, signal, right, clauses, dating, initials, live),
                }
                if sides == {"yes"}:
                    clear = "yes"
                    break
                if all(_said(side) for side in sides):
                    clear = "story"
        if clear == "story" and signal.kind is not AlertKind.SUICIDE:
            # Violence or a fire told beside a film may be here and now too; a suicide told
            # in a story of others is the person's own only if they say so: it is asked.
            clear = "yes"
        if clear == "yes":
            found.append(Hit(signal.name, signal.kind, True, lex.language))
        elif clear == "story":
            found.append(Hit(signal.name, signal.kind, False, lex.language, framed=True))
        elif (
            explained
            or (clear == "negated" and not signal.guarded)
            or _said(_seen(lex, signal, signal.unclear, clauses, dating, initials, live))
        ):
            # A denial of suicidal thoughts is still worth the question and the numbers.
            found.append(Hit(signal.name, signal.kind, False, lex.language))
    return found


@lru_cache(maxsize=4096)
def _common_score(token: str) -> tuple[str, ...]:
    return tuple(code for code in LANGUAGES if token in lexicon(code).common)


def language_scores(tokens: Iterable[str]) -> dict[str, int]:
    """How many of the tokens are everyday words of each language."""
    scores: dict[str, int] = {}
    for token in tokens:
        for code in _common_score(token):
            scores[code] = scores.get(code, 0) + 1
    return scores
