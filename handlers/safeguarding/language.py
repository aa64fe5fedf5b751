"""Which language a message is in, well enough to answer an emergency in it.

The script decides for Gurmukhi, Bengali and Gujarati; Urdu is told from Arabic by the letters
only Urdu uses.  Latin text is scored by the everyday words of each language and by which
language's rules recognised something; English wins ties, as most messages are English.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from typing import Final

from handlers.safeguarding.lexicon import Hit, language_scores
from handlers.safeguarding.phrases import LANGUAGES

_SCRIPTS: Final = {"GURMUKHI": "pa", "BENGALI": "bn", "GUJARATI": "gu"}
# Letters Urdu writes and Arabic does not, read before folding unifies them.
_URDU_LETTERS: Final = frozenset("ٹڈڑںےھگپچژکیہ")


def _script_language(text: str) -> str | None:
    counts: Counter[str] = Counter()
    urdu = False
    for char in text:
        if not char.isalpha():
            continue
        name = unicodedata.name(char, "")
        script = name.split(" ", 1)[0]
        if script in _SCRIPTS:
            counts[_SCRIPTS[script]] += 1
        elif script == "ARABIC":
            counts["ar"] += 1
            urdu = urdu or char in _URDU_LETTERS
    if not counts:
        return None
    best = counts.most_common(1)[0][0]
    return "ur" if best == "ar" and urdu else best


def guess_language(text: str, clauses: list[list[str]], found: list[Hit]) -> str | None:
    """The language the message is most likely written in, or None when nothing tells."""
    by_script = _script_language(text)
    if by_script is not None:
        return by_script
    scores = Counter(language_scores(token for tokens in clauses for token in tokens))
    for hit in found:
        scores[hit.language] += 2
    if not scores:
        return None
    top = max(scores.values())
    if scores.get("en", 0) == top:
        return "en"
    return min(code for code, score in scores.items() if score == top)


# Languages people also write in Latin letters, mixed with English.
_TRANSLITERATED: Final = ("pa", "ur", "ar", "bn", "gu", "so")


# Letters with accents that only some of the Latin-script languages write. A message typed with
# them names its language better than its few everyday words do: Portuguese rules read "ne
# sufocăm" (we're suffocating from mould) as choking, but "ă" is Romanian.
_LETTERS: Final = {
    "ro": frozenset("ăâîșşțţ"),
    "pl": frozenset("ąćęłńóśźż"),
    "lt": frozenset("ąčęėįšųūž"),
    "tr": frozenset("çğıöşü"),
    "pt": frozenset("ãõçâêôáéíóúà"),
    "es": frozenset("ñáéíóúü¿¡"),
    "cy": frozenset("âêîôûŵŷ"),
}


def _lettered(text: str) -> frozenset[str]:
    """The Latin-script languages that write the most of the accented letters the message has."""
    letters = set(text.lower())
    counts = {code: len(letters & own) for code, own in _LETTERS.items()}
    top = max(counts.values())
    return frozenset(code for code, count in counts.items() if count and count == top)


def likely_languages(text: str, clauses: list[list[str]]) -> tuple[str, ...]:
    """The languages whose rules are worth running: a script's own, or, for Latin text, English,
    the languages whose accented letters or everyday words it uses (all when it shows none), and
    the transliterated ones whose words it uses."""
    by_script = _script_language(text)
    if by_script is not None:
        return (by_script, "en")
    scores = language_scores(token for tokens in clauses for token in tokens)
    lettered = _lettered(text)
    transliterated = [code for code in _TRANSLITERATED if code in scores]
    if lettered:
        # English rules always run: people mix English into any message. The languages whose
        # everyday words it uses most run too, for a foreign name ("José") in a message typed
        # without its own accents.
        top = max(scores.values(), default=0)
        own = [c for c in LANGUAGES if c in lettered or (top and scores.get(c, 0) == top)]
        return tuple(dict.fromkeys(["en", *own, *transliterated]))
    if not scores:
        return LANGUAGES
    top = max(scores.values())
    named = [code for code in LANGUAGES if scores.get(code, 0) >= max(1, top - 1)]
    return tuple(dict.fromkeys(["en", *named, *transliterated]))
