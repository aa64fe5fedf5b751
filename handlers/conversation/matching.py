"""Matching what a person typed to the options they were shown.

The rules run strongest first, and the first rule that finds anything decides: one option is
the answer, two or more mean the text is ambiguous and nothing is matched.  Falling through to
a looser rule after an ambiguous stronger one would let the looser rule guess.

1. The option's 1-based number: "2", "2.", "#2", "option 2", "2️⃣".
2. The whole label, ignoring case, punctuation, emoji and a leading "the".
3. The option's number as a word: "two", "option two".
4. A prefix of a label, at least three characters long: "trans" for "Transport".
5. Whole words inside a label: "food" for "Food help" (not for words such as "the" or "my").
6. A small typo, judged by difflib against the label and each of its words.

Text made only of emoji is matched against the emoji in the labels, so "🍞" picks "🍞 Food".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from difflib import SequenceMatcher
from typing import Final

from handlers.conversation.parsers.counts import NUMBER_WORDS
from handlers.conversation.parsers.text import normalise

__all__ = ["match_option", "normalise"]

# Nobody picks from a list by typing a paragraph, and difflib is quadratic.
_MAX_TEXT: Final = 200

# A typo costs about one letter in four: "fodd" for "food" scores exactly 0.75.
_FUZZY_CUTOFF: Final = 0.75
_MIN_PREFIX: Final = 3

_NUMBER_RE: Final = re.compile(r"(?:option|number|no|num|choice)?\s*([0-9]{1,3})")
_NUMBER_WORD_RE: Final = re.compile(
    rf"(?:option|number|no|num|choice)?\s*({'|'.join(NUMBER_WORDS)})"
)
# Words too common to point at one option on their own.
_STOPWORDS: Final = frozenset(
    {"a", "an", "and", "or", "of", "to", "for", "my", "me", "i", "in", "on", "at", "with"}
)


def _strip_the(text: str) -> str:
    return text[4:] if text.startswith("the ") else text


def _emoji(text: str) -> str:
    return "".join(
        ch for ch in unicodedata.normalize("NFKC", text) if unicodedata.category(ch) == "So"
    )


def _only(indexes: list[int]) -> int | None:
    return indexes[0] if len(indexes) == 1 else None


def _similarity(typed: str, label: str) -> float:
    candidates = [label, *(word for word in label.split() if len(word) >= _MIN_PREFIX)]
    best = 0.0
    for candidate in candidates:
        matcher = SequenceMatcher(None, typed, candidate)
        if matcher.real_quick_ratio() >= _FUZZY_CUTOFF and matcher.quick_ratio() >= _FUZZY_CUTOFF:
            best = max(best, matcher.ratio())
    return best


def _pick(text: str, labels: list[str]) -> int | None:
    """The index of the option `text` picks; `text` and `labels` are already normalised."""
    count = len(labels)
    number = _NUMBER_RE.fullmatch(text)
    if number is not None and 1 <= int(number[1]) <= count:
        return int(number[1]) - 1

    exact = [i for i, label in enumerate(labels) if label == text]
    if exact:
        return _only(exact)

    word = _NUMBER_WORD_RE.fullmatch(text)
    if word is not None and NUMBER_WORDS[word[1]] <= count:
        return NUMBER_WORDS[word[1]] - 1

    if not any(ch.isalpha() for ch in text):
        return None

    if len(text) >= _MIN_PREFIX:
        prefixed = [i for i, label in enumerate(labels) if label.startswith(text)]
        if prefixed:
            return _only(prefixed)

    if text not in _STOPWORDS:
        containing = [i for i, label in enumerate(labels) if f" {text} " in f" {label} "]
        if containing:
            return _only(containing)

    if len(text) >= _MIN_PREFIX:
        close = [i for i, label in enumerate(labels) if _similarity(text, label) >= _FUZZY_CUTOFF]
        return _only(close)
    return None


def match_option(text: str, options: Sequence[tuple[str, str]]) -> str | None:
    """The id of the option the text picks, or None.  options are (id, label) in display order."""
    if not options or len(text) > _MAX_TEXT:
        return None
    typed = _strip_the(normalise(text))
    if not typed:
        symbols = _emoji(text)
        if not symbols:
            return None
        index = _only([i for i, (_, label) in enumerate(options) if _emoji(label) == symbols])
    else:
        index = _pick(typed, [_strip_the(normalise(label)) for _, label in options])
    return None if index is None else options[index][0]
