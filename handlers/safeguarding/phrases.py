"""A rule's phrase and how it is found among a message's folded tokens.

A phrase is a few words that must come in order, at most two other words apart.  A word may be
`pre*` (any ending, for languages that inflect), `*part*` (anywhere inside a word, for Arabic's
joined prefixes), `#` (any number), `#>=N` or `#<N` (a number in range: "took 30 paracetamol",
"sugar 2.1"), or alternatives `a|b`.  Words of six letters or more also match with one typo
(two from ten letters), provided the first letter is right: short words never fuzz, as "fall"
and "fail" are both real, and nor do the longer real words listed in `real_words`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Final

from rapidfuzz.distance import Levenshtein

from handlers.safeguarding.folding import fold

DATA: Final = Path(__file__).parent / "data"
LANGUAGES: Final = (
    "en", "cy", "pl", "ro", "pa", "ur", "pt", "es", "ar", "bn", "gu", "lt", "tr", "so",
)  # fmt: skip
# Words between two words of one phrase, at most.
GAP: Final = 2


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


def parse_word(spec: str) -> Word:
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


def parse_phrase(text: str) -> Phrase:
    """Parse "took #>=8 paracetamol|pills" into words, each a tuple of alternatives."""
    parts: list[tuple[Word, ...]] = []
    for chunk in text.split():
        words = tuple(parse_word(option) for option in chunk.split("|") if option.strip())
        # Folding can make one typed word two tokens ("co-codamol"); keep the first alternative.
        if words and all(w.mode != "word" or " " not in w.text for w in words):
            parts.append(words)
        else:
            parts.extend((parse_word(piece),) for piece in fold(chunk).split())
    return Phrase(tuple(parts), _heads(parts[0]) if parts else frozenset())


@lru_cache(maxsize=200_000)
def word_matches(word: Word, token: str) -> bool:
    return word.matches(token)


def token_initials(tokens: list[str]) -> frozenset[str]:
    """The first letters of a clause's tokens: a phrase with none of them as a head is not in it."""
    return frozenset(token[:1] for token in tokens)


def phrase_absent(phrase: Phrase, initials: frozenset[str]) -> bool:
    """Whether the phrase cannot start anywhere in a clause with these `initials` (what
    `phrase_span` would find token by token), told without the search: most are ruled out so."""
    return phrase.heads is not None and phrase.heads.isdisjoint(initials)


def phrase_span(phrase: Phrase, tokens: list[str], start: int = 0) -> list[int] | None:
    """The positions of the phrase's words in the tokens (in order, at most GAP apart), or None."""
    first, rest = phrase.words[0], phrase.words[1:]
    heads = phrase.heads
    for i in range(start, len(tokens)):
        if heads is not None and tokens[i][:1] not in heads:
            continue
        if not any(word_matches(word, tokens[i]) for word in first):
            continue
        at = [i]
        for part in rest:
            for j in range(at[-1] + 1, min(len(tokens), at[-1] + GAP + 2)):
                if any(word_matches(word, tokens[j]) for word in part):
                    at.append(j)
                    break
            else:
                break
        else:
            return at
    return None


def find_phrase(phrase: Phrase, tokens: list[str], start: int = 0) -> int | None:
    """Where the phrase starts in the tokens, or None."""
    span = phrase_span(phrase, tokens, start)
    return span[0] if span else None


@cache
def real_words() -> frozenset[str]:
    """Everyday words one letter from a rule's word, which only match exactly (`real_words`
    in each language's file)."""
    words: set[str] = set()
    for code in LANGUAGES:
        with (DATA / f"{code}.toml").open("rb") as handle:
            words.update(fold(word) for word in tomllib.load(handle).get("real_words", []))
    return frozenset(words)
