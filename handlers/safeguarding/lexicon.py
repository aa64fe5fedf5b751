"""Concept rules per language, read from `data/<language>.toml`, matched over folded tokens.

A phrase is a few words that must come in order, at most two other words apart.  A word may be
`pre*` (any ending, for languages that inflect), `*part*` (anywhere inside a word, for Arabic's
joined prefixes), `#` (any number), `#>=N` or `#<N` (a number in range: "took 30 paracetamol",
"sugar 2.1"), or alternatives `a|b`.  Words of six letters or more also match with one typo
(two from ten letters), provided the first letter is right: short words never fuzz, as "fall"
and "fail" are both real, and nor do the longer real words listed in `real_words`.

Each signal has `clear` phrases (an emergency on their own), `unclear` phrases (worth asking
whether someone is in danger), and `pairs` (two phrases anywhere in one message: clear).  A
phrase is dropped when a negator of its language stands just before it (unless the signal is
`unguarded`: "not suicidal but..." still deserves the number), or when the signal is `recent`
and its clause dates it ("I fell last year") or `resolved` words tell it as over ("nobody was
hurt").  `everyday` phrases are removed first: "ground floor" holds no floor to lie on.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Final

from rapidfuzz.distance import Levenshtein

from handlers.safeguarding.alerts import AlertKind
from handlers.safeguarding.folding import fold
from handlers.safeguarding.starts import Starts

DATA: Final = Path(__file__).parent / "data"
LANGUAGES: Final = (
    "en", "cy", "pl", "ro", "pa", "ur", "pt", "es", "ar", "bn", "gu", "lt", "tr", "so",
)  # fmt: skip
# Words between two words of one phrase, at most.
GAP: Final = 2
NEGATION_WINDOW: Final = 3
_GONE: Final = "\x00"


def _allowed_typos(length: int) -> int:
    return 0 if length < 6 else 1 if length < 10 else 2


@dataclass(frozen=True)
class Word:
    """One word of a phrase: exact text, a stem, a part, or a number in a range."""

    text: str
    mode: str  # "word", "prefix", "part", "number"
    low: float = float("-inf")
    high: float = float("inf")

    def matches(self, token: str) -> bool:
        """Whether a folded token is this word, allowing for a typo in a long one."""
        if self.mode == "number":
            # "2,1" is a decimal comma; "1,000" a thousands separator.
            whole, comma, part = token.partition(",")
            token = f"{whole}.{part}" if comma and len(part) <= 2 else token.replace(",", "")
            try:
                value = float(token)
            except ValueError:
                return False
            return self.low <= value < self.high
        if self.mode == "part":
            return self.text in token
        text = self.text
        if self.mode == "prefix":
            if token.startswith(text):
                return True
            token = token[: len(text) + 1] if len(token) > len(text) else token
        elif token == text:
            return True
        if token in real_words():
            # A word in its own right is not a typo: "cooking" is not "choking".
            return False
        # Only Latin letters fuzz: in other scripts one code point is often a vowel sign that
        # makes another word ("allergy" and "alarm" in Bengali are one sign apart).
        typos = _allowed_typos(len(text)) if text[:1].isascii() else 0
        if not typos or token[:1] != text[:1] or abs(len(token) - len(text)) > typos:
            return False
        if self.mode == "prefix":
            return any(
                Levenshtein.distance(token[:n], text, score_cutoff=typos) <= typos
                for n in (len(text) - 1, len(text), len(text) + 1)
                if n <= len(token)
            )
        return Levenshtein.distance(token, text, score_cutoff=typos) <= typos


def _word(spec: str) -> Word:
    spec = spec.strip()
    if spec.startswith("#"):
        rest = spec[1:]
        if rest.startswith(">="):
            return Word(spec, "number", low=float(rest[2:]))
        if rest.startswith("<"):
            return Word(spec, "number", high=float(rest[1:]))
        return Word(spec, "number")
    if spec.startswith("*") and spec.endswith("*") and len(spec) > 2:
        return Word(fold(spec[1:-1]), "part")
    if spec.endswith("*"):
        return Word(fold(spec[:-1]), "prefix")
    return Word(fold(spec), "word")


@dataclass(frozen=True)
class Phrase:
    """Words in order, each a tuple of alternatives; `heads` are the first letters it can start
    with (None when it starts with a number or a part), so most phrases skip a clause at once."""

    words: tuple[tuple[Word, ...], ...]
    heads: frozenset[str] | None
    # The first word's alternatives: a message none of whose tokens is one holds no match.
    firsts: frozenset[Word] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "firsts", frozenset(self.words[0] if self.words else ()))

    def __len__(self) -> int:
        return len(self.words)


def _heads(first: tuple[Word, ...]) -> frozenset[str] | None:
    if any(word.mode in ("number", "part") for word in first):
        return None
    return frozenset(word.text[:1] for word in first)


def _phrase(text: str) -> Phrase:
    """Parse "took #>=8 paracetamol|pills" into words, each a tuple of alternatives."""
    parts: list[tuple[Word, ...]] = []
    for chunk in text.split():
        words = tuple(_word(option) for option in chunk.split("|") if option.strip())
        # Folding can make one typed word two tokens ("co-codamol"); keep the first alternative.
        if words and all(w.mode != "word" or " " not in w.text for w in words):
            parts.append(words)
        else:
            parts.extend((_word(piece),) for piece in fold(chunk).split())
    return Phrase(tuple(parts), _heads(parts[0]) if parts else frozenset())


@lru_cache(maxsize=200_000)
def _matches(word: Word, token: str) -> bool:
    return word.matches(token)


def _initials(tokens: list[str]) -> frozenset[str]:
    """The first letters of a clause's tokens: a phrase with none of them as a head is not in it."""
    return frozenset(token[:1] for token in tokens)


def _absent(phrase: Phrase, initials: frozenset[str]) -> bool:
    """Whether the phrase cannot start anywhere in a clause with these `initials` (what `_span`
    would find token by token), told without the search: most phrases are ruled out so."""
    return phrase.heads is not None and phrase.heads.isdisjoint(initials)


def _span(phrase: Phrase, tokens: list[str], start: int = 0) -> list[int] | None:
    """The positions of the phrase's words in the tokens (in order, at most GAP apart), or None."""
    first, rest = phrase.words[0], phrase.words[1:]
    heads = phrase.heads
    for i in range(start, len(tokens)):
        if heads is not None and tokens[i][:1] not in heads:
            continue
        if not any(_matches(word, tokens[i]) for word in first):
            continue
        at = [i]
        for part in rest:
            for j in range(at[-1] + 1, min(len(tokens), at[-1] + GAP + 2)):
                if any(_matches(word, tokens[j]) for word in part):
                    at.append(j)
                    break
            else:
                break
        else:
            return at
    return None


def _find(phrase: Phrase, tokens: list[str], start: int = 0) -> int | None:
    """Where the phrase starts in the tokens, or None."""
    span = _span(phrase, tokens, start)
    return span[0] if span else None


@dataclass(frozen=True)
class Signal:
    """What one language's words say about one kind of danger."""

    name: str
    kind: AlertKind
    clear: tuple[Phrase, ...] = ()
    unclear: tuple[Phrase, ...] = ()
    pairs: tuple[tuple[tuple[Phrase, ...], tuple[Phrase, ...]], ...] = ()
    recent: bool = False
    guarded: bool = True


@dataclass(frozen=True)
class Lexicon:
    """One language's rules: its signals, and the words that negate, date or excuse them."""

    language: str
    signals: tuple[Signal, ...]
    negators: frozenset[str] = frozenset()
    past: tuple[Phrase, ...] = ()
    everyday: tuple[Phrase, ...] = ()
    resolved: tuple[Phrase, ...] = ()
    common: frozenset[str] = field(default_factory=frozenset)
    starts: Starts = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        groups = [
            [*s.clear, *s.unclear, *(p for pair in s.pairs for g in pair for p in g)]
            for s in self.signals
        ]
        object.__setattr__(self, "starts", Starts.of(groups, self.everyday, _matches))


@dataclass(frozen=True)
class Hit:
    """A signal seen in a message, and whether it is clear on its own."""

    signal: str
    kind: AlertKind
    clear: bool
    language: str


def _alternatives(value: str | list[str]) -> tuple[Phrase, ...]:
    items = [value] if isinstance(value, str) else value
    return tuple(_phrase(item) for item in items)


def _signal(name: str, table: dict[str, Any]) -> Signal:
    return Signal(
        name=name,
        kind=AlertKind(table.get("kind", "emergency")),
        clear=_alternatives(table.get("clear", [])),
        unclear=_alternatives(table.get("unclear", [])),
        pairs=tuple(
            (_alternatives(left), _alternatives(right)) for left, right in table.get("pairs", [])
        ),
        recent=bool(table.get("recent", False)),
        guarded=bool(table.get("guarded", True)),
    )


@cache
def real_words() -> frozenset[str]:
    """Everyday words one letter from a rule's word, which only match exactly (`real_words`
    in each language's file)."""
    words: set[str] = set()
    for code in LANGUAGES:
        with (DATA / f"{code}.toml").open("rb") as handle:
            words.update(fold(word) for word in tomllib.load(handle).get("real_words", []))
    return frozenset(words)


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
        everyday=_alternatives(raw.get("everyday", [])),
        resolved=_alternatives(raw.get("resolved", [])),
        common=frozenset(fold(word) for word in raw.get("common", [])),
    )


def _negated(lex: Lexicon, tokens: list[str], start: int) -> bool:
    return any(token in lex.negators for token in tokens[max(0, start - NEGATION_WINDOW) : start])


def _seen(
    lex: Lexicon,
    signal: Signal,
    phrases: Iterable[Phrase],
    clauses: list[list[str]],
    dated: list[bool],
    initials: list[frozenset[str]],
    live: set[Word],
) -> str | None:
    """ "yes" when a phrase is seen plainly, "negated" when only after a negator, else None."""
    negated = False
    phrases = [phrase for phrase in phrases if not phrase.firsts.isdisjoint(live)]
    for tokens, is_dated, first in zip(clauses, dated, initials, strict=True):
        if signal.recent and is_dated:
            continue
        for phrase in phrases:
            if _absent(phrase, first):
                continue
            at = _find(phrase, tokens)
            while at is not None:
                if not _negated(lex, tokens, at):
                    return "yes"
                negated = True
                at = _find(phrase, tokens, at + 1)
    return "negated" if negated else None


def _without_everyday(lex: Lexicon, clauses: list[list[str]], live: set[Word]) -> list[list[str]]:
    everyday = [phrase for phrase in lex.everyday if not phrase.firsts.isdisjoint(live)]
    cleaned: list[list[str]] = []
    for tokens in clauses:
        tokens = list(tokens)
        # Read before any token is blanked: a wider set only rules out fewer phrases.
        first = _initials(tokens)
        for phrase in everyday:
            if _absent(phrase, first):
                continue
            # The words matched go, not the ones skipped between them: "smoke alarm in the
            # fire exit" loses the alarm, "alarm ... fire" keeps nothing of the phrase.
            span = _span(phrase, tokens)
            while span is not None:
                for at in span:
                    tokens[at] = _GONE
                span = _span(phrase, tokens, span[0] + 1)
        cleaned.append(tokens)
    return cleaned


def dated(pasts: Iterable[Phrase], clauses: list[list[str]]) -> list[bool]:
    """For each folded clause, whether one of the `pasts` phrases dates it."""
    pasts = tuple(pasts)
    return [
        any(not _absent(past, first) and _find(past, tokens) is not None for past in pasts)
        for tokens in clauses
        for first in (_initials(tokens),)
    ]


def told_over(lex: Lexicon, clauses: list[list[str]]) -> bool:
    """Whether a `resolved` phrase is said with no negator before it, in its gaps or after it."""
    for tokens in clauses:
        for phrase in lex.resolved:
            span = _span(phrase, tokens)
            while span is not None:
                around = range(span[0], min(span[-1] + 2, len(tokens)))
                if not _negated(lex, tokens, span[0]) and all(
                    at in span or tokens[at] not in lex.negators for at in around
                ):
                    return True
                span = _span(phrase, tokens, span[0] + 1)
    return False


def hits(lex: Lexicon, clauses: list[list[str]], told: list[bool] | None = None) -> list[Hit]:
    """Every signal of one language seen in a message's folded clauses; `told`, when given,
    says which clauses are dated (by the words of every language read), else its own do."""
    live = lex.starts.live(clauses)
    if live.isdisjoint(lex.starts.signal_words):
        return []  # no signal's phrase can start in the message: nothing to find
    told = dated(lex.past, clauses) if told is None else told
    clauses = _without_everyday(lex, clauses, live)
    initials = [_initials(tokens) for tokens in clauses]
    found: list[Hit] = []
    for signal, firsts in zip(lex.signals, lex.starts.signals, strict=True):
        if firsts.isdisjoint(live):
            continue  # none of its phrases can start anywhere in the message
        clear = _seen(lex, signal, signal.clear, clauses, told, initials, live)
        if clear != "yes":
            for left, right in signal.pairs:
                if (
                    _seen(lex, signal, left, clauses, told, initials, live)
                    == "yes"
                    == _seen(lex, signal, right, clauses, told, initials, live)
                ):
                    clear = "yes"
                    break
        if clear == "yes":
            found.append(Hit(signal.name, signal.kind, True, lex.language))
        elif (clear == "negated" and not signal.guarded) or _seen(
            lex, signal, signal.unclear, clauses, told, initials, live
        ) == "yes":
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
