"""A person who types back one of the bot's own labels or answer words is not in danger.

"Vă rog să mă sunați" (Please call me) or "Sí, estoy de acuerdo" (Yes, I agree) once got the
999 answer and an urgent ticket. Every short phrase of every catalog is read here, per language,
and each one the detector takes for an emergency is named in the failure.
"""

from __future__ import annotations

import pytest

from handlers.conversation.languages import SUPPORTED_LANGUAGES
from handlers.safeguarding.bot_phrases import bot_phrases
from handlers.safeguarding.detection import Outcome, assess

# Read otherwise, each for its stated reason; a change either way fails below until this is
# brought up to date.
KNOWN = {
    # Deliberate: "very unwell" is an urgent medical need, as "very poorly" is in English.
    ("es", "muy mal"): Outcome.CLEAR,
    ("pt", "muito mal"): Outcome.CLEAR,
    ("ro", "foarte rău"): Outcome.CLEAR,
}

PHRASES = bot_phrases()


def test_every_language_has_its_phrases_read() -> None:
    assert {language for language, _ in PHRASES} >= set(SUPPORTED_LANGUAGES)


@pytest.mark.parametrize("language", sorted({language for language, _ in PHRASES}))
def test_typing_back_the_bots_own_words_is_no_emergency(language: str) -> None:
    read = [
        (text, assess(text).outcome)
        for code, text in PHRASES
        if code == language and (code, text) not in KNOWN
    ]
    assert [(text, outcome.value) for text, outcome in read if outcome is not Outcome.NONE] == []


@pytest.mark.parametrize(("language", "text"), sorted(KNOWN))
def test_the_phrases_read_otherwise_are_read_as_stated(language: str, text: str) -> None:
    assert assess(text).outcome is KNOWN[(language, text)]
