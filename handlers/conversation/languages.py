"""The languages the bot speaks, and how a person's language is first chosen.

A language is spoken once it is in `SUPPORTED_LANGUAGES` and has a catalog
(`handlers/locales/<code>.toml`). A person's language is chosen once and stored on their contact:
from their record (an import, staff), else from what their channel says (Telegram's
`language_code`), else from the words of their first messages when an offline detector is sure,
else English. After that only the person changes it ("language", "iaith", …).
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, Final

from handlers.conversation.catalog import DEFAULT_LANGUAGE, messages
from handlers.conversation.events import IncomingEvent
from models import Contact
from models.enums import LanguageSource

if TYPE_CHECKING:
    from lingua import LanguageDetector

SUPPORTED_LANGUAGES: Final = ("en", "cy", "pl", "ro", "pa", "ur", "ar", "bn", "pt", "es")
"""Every language the bot can speak, in the order the language menu lists them."""

RIGHT_TO_LEFT: Final = frozenset({"ar", "ur"})

# Below this the detector is guessing: "hello" scores 0.53 Welsh, "menu" 0.54 Romanian.
DETECTION_CONFIDENCE: Final = 0.95
# Fewer letters than this say too little about a language ("ok", "hi").
DETECTION_MIN_LETTERS: Final = 5

# The detector's names for our languages (lingua's `Language` members).
_LINGUA_NAMES: Final = {
    "en": "ENGLISH",
    "cy": "WELSH",
    "pl": "POLISH",
    "ro": "ROMANIAN",
    "pa": "PUNJABI",
    "ur": "URDU",
    "ar": "ARABIC",
    "bn": "BENGALI",
    "pt": "PORTUGUESE",
    "es": "SPANISH",
}
_TAG: Final = re.compile(r"[A-Za-z]{2,3}(?=$|[-_])")
# Moldovan is Romanian; the other tags name our languages directly ("pt-BR", "pa-Guru-IN").
_ALIASES: Final = {"mo": "ro", "pan": "pa", "urd": "ur", "ara": "ar", "ben": "bn", "wel": "cy"}


def available_languages() -> tuple[str, ...]:
    """The supported languages that have a catalog, in menu order."""
    return tuple(code for code in SUPPORTED_LANGUAGES if messages(code))


def language_of_tag(tag: str | None) -> str | None:
    """Our language for a BCP 47 tag such as "pl", "pt-BR" or "en-GB"; None if we lack it."""
    found = _TAG.match(tag or "")
    if found is None:
        return None
    code = found[0].lower()
    code = _ALIASES.get(code, code)
    return code if code in available_languages() else None


def language_name(code: str) -> str:
    """The language's name in its own tongue, as its catalog gives it ("Cymraeg", "Polski")."""
    return messages(code).get("language.name") or messages(DEFAULT_LANGUAGE)["language.name"]


@cache
def _detector() -> LanguageDetector:
    # Low-accuracy mode: about 20 MB and 0.25 s to load, against 240 MB and 4.6 s for the
    # full models. Only confident answers are used, and on our samples those agreed with
    # the full models'.
    from lingua import Language, LanguageDetectorBuilder

    languages = [getattr(Language, name) for name in _LINGUA_NAMES.values()]
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


def warm_up() -> None:
    """Load the detector's models now rather than on someone's first message."""
    detect_language("Dzień dobry, potrzebuję pomocy")
    detect_language("أحتاج إلى مساعدة")


def detect_language(text: str | None) -> str | None:
    """The language of `text` when the detector is confident, among those we speak; else None."""
    if not text or sum(ch.isalpha() for ch in text) < DETECTION_MIN_LETTERS:
        return None
    values = _detector().compute_language_confidence_values(text)
    if not values or values[0].value < DETECTION_CONFIDENCE:
        return None
    by_name = {name: code for code, name in _LINGUA_NAMES.items()}
    code = by_name.get(values[0].language.name)
    return code if code in available_languages() else None


def choose_language(contact: Contact, event: IncomingEvent, *, detect: bool = True) -> bool:
    """Choose the contact's language from their channel or their words, if not chosen yet.

    Only before they agree to the privacy notice: a language is never guessed mid-request, and
    never again once chosen. A contact whose record names a language other than English
    (an import, staff) has it already. `detect=False` reads the channel only, not the words.
    True when the language was chosen now.
    """
    if contact.language_source is not None or contact.language != DEFAULT_LANGUAGE:
        return False
    if contact.consented_at is not None:
        return False
    code = language_of_tag(event.language)
    source = LanguageSource.CHANNEL
    if code is None and detect:
        code, source = detect_language(event.text), LanguageSource.DETECTED
    if code is None:
        return False
    contact.language, contact.language_source = code, source
    return True
