"""The words a language's phrases start with, to rule a message out before any search.

Most messages, in most languages read, hold no word that any of the language's signal phrases
starts with ("hello" in Welsh), and the rest hold the first words of a few. Each of a message's
tokens is looked up once among the start words of its initial letter (a word or a stem only
ever matches a token that begins with its own first letter, as a typo never changes the first),
and the phrases whose first word no token matched are not searched for: the search could only
have failed. Numbers, parts of words and an empty stem are tried against every token.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from handlers.safeguarding.phrases import Phrase, Word

Matches = Callable[["Word", str], bool]
# Tokens whose start words are kept, per language, before the memory starts again.
KNOWN_TOKENS = 50_000


@dataclass(frozen=True)
class Starts:
    """One language's start words: each signal's, all of the signals', and all of them (the
    everyday phrases' too) by initial letter."""

    signals: tuple[frozenset[Word], ...]
    signal_words: frozenset[Word]
    by_initial: dict[str, tuple[Word, ...]]
    anywhere: tuple[Word, ...]
    matches: Matches
    # Each token's start words, once worked out: people use few words, over and over.
    known: dict[str, frozenset[Word]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(
        cls, signals: Iterable[Iterable[Phrase]], others: Iterable[Phrase], matches: Matches
    ) -> Starts:
        """From each signal's phrases (clear, unclear and both halves of pairs) and the
        language's other phrases that are searched for (everyday ones)."""
        per_signal = tuple(
            frozenset(word for phrase in phrases for word in phrase.firsts) for phrases in signals
        )
        signal_words: frozenset[Word] = frozenset().union(*per_signal)
        by_initial: dict[str, list[Word]] = {}
        anywhere: list[Word] = []
        for word in signal_words.union(*(phrase.firsts for phrase in others)):
            if word.mode in ("word", "prefix") and word.text:
                by_initial.setdefault(word.text[:1], []).append(word)
            else:
                anywhere.append(word)
        initial = {letter: tuple(words) for letter, words in by_initial.items()}
        return cls(per_signal, signal_words, initial, tuple(anywhere), matches)

    def live(self, clauses: list[list[str]]) -> set[Word]:
        """The start words that some token of the clauses matches: a phrase whose first word
        is none of them is nowhere in the message."""
        found: set[Word] = set()
        for token in {token for tokens in clauses for token in tokens}:
            words = self.known.get(token)
            if words is None:
                words = self._words_of(token)
                if len(self.known) >= KNOWN_TOKENS:
                    self.known.clear()
                self.known[token] = words
            found.update(words)
        return found

    def _words_of(self, token: str) -> frozenset[Word]:
        candidates = (*self.by_initial.get(token[:1], ()), *self.anywhere)
        return frozenset(word for word in candidates if self.matches(word, token))
