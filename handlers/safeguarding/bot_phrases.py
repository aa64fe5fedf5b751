"""The bot's own short phrases in every language: what a person may type back to it.

Someone who types a button's label or one of the words the bot asks for ("Please call me",
"Sí, estoy de acuerdo") is answering the bot, not raising an emergency. The classifier learns
these as everyday messages, and a test checks that none of them is taken for one.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

LOCALES: Final = Path(__file__).parents[1] / "locales"
# Longer texts are the bot's explanations, not something a person types back.
MAX_WORDS: Final = 8
# The emergency answers themselves, and the words that say "yes, I am in danger".
_SKIPPED: Final = ("alert", "variants.voice.alert", "safety.question", "safety.yes_words")


def _strings(table: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for key, value in table.items():
        name = f"{prefix}{key}"
        if any(name == skipped or name.startswith(f"{skipped}.") for skipped in _SKIPPED):
            continue
        if isinstance(value, dict):
            yield from _strings(value, f"{name}.")
        elif isinstance(value, str):
            yield name, value


def _pieces(name: str, text: str) -> list[str]:
    """Word lists hold several phrases: `|` between them in `[words]`, commas in `[safety]`."""
    if name.startswith("words."):
        return text.split("|")
    if name.endswith("_words"):
        return text.split(",")
    return [text]


def bot_phrases() -> list[tuple[str, str]]:
    """(language, phrase) for every short phrase of every catalog, in a fixed order."""
    found: set[tuple[str, str]] = set()
    for path in sorted(LOCALES.glob("*.toml")):
        catalog = tomllib.loads(path.read_text(encoding="utf-8"))
        for name, text in _strings(catalog):
            for piece in _pieces(name, text):
                phrase = piece.strip()
                if phrase and "{" not in phrase and len(phrase.split()) <= MAX_WORDS:
                    found.add((path.stem, phrase))
    return sorted(found)
