"""The message catalog: every word the bot says, by key, per language.

Texts live in `handlers/locales/<language>.toml` so they can be translated without touching code.
A language that lacks a key falls back to English.

Some words must differ on one channel: on SMS "cancel" opts the person out of all messages, so the
SMS help text never offers it. Such texts live under `[variants.<channel>.<section>]` and win over
the plain text for that channel, even over a translation of the plain text, because the plain
text is wrong there.

`[words]` holds the words a person may type instead of pressing a button, alternatives
separated by "|"; `words` reads them folded, as typed text is compared, and `understood` adds
the English ones a person may type too, unless their own language gives a word another meaning.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from handlers.conversation.parsers.text import fold

LOCALES = Path(__file__).parent.parent / "locales"
DEFAULT_LANGUAGE = "en"
# Where catalogs are read from, first match wins; `extra_locales` puts a folder in front.
_DIRECTORIES: list[Path] = [LOCALES]


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            flat.update(_flatten(value, key + "."))
        else:
            flat[key] = str(value)
    return flat


@cache
def messages(language: str) -> dict[str, str]:
    """All texts of one language, keyed like `food.postcode.invalid`; empty when it has none."""
    for directory in _DIRECTORIES:
        path = directory / f"{language}.toml"
        if path.is_file():
            with path.open("rb") as handle:
                return _flatten(tomllib.load(handle))
    return {}


@contextmanager
def extra_locales(directory: Path) -> Iterator[None]:
    """Read catalogs from `directory` before the shipped ones while the block runs."""
    _DIRECTORIES.insert(0, directory)
    messages.cache_clear()
    words.cache_clear()
    try:
        yield
    finally:
        _DIRECTORIES.remove(directory)
        messages.cache_clear()
        words.cache_clear()


@cache
def words(key: str, language: str = DEFAULT_LANGUAGE) -> tuple[str, ...]:
    """The folded words of `[words] <key>` in the language, or in English when it has none."""
    text = messages(language).get(f"words.{key}") or messages(DEFAULT_LANGUAGE)[f"words.{key}"]
    return tuple(dict.fromkeys(w for w in (fold(part) for part in text.split("|")) if w))


def understood(
    keys: Sequence[str],
    language: str,
    lookup: Callable[[str, str], Sequence[str]] = words,
) -> dict[str, tuple[str, ...]]:
    """The words a person in `language` may type for each of `keys` (read by `lookup`): their
    own, then the English ones their language lists under none of the keys.

    A word the language lists under one key keeps that meaning only: a Polish "no" is "yeah",
    so it reads as the Polish list says, never as the English "no".
    """
    own = {key: tuple(lookup(key, language)) for key in keys}
    if language == DEFAULT_LANGUAGE:
        return own
    listed = {word for found in own.values() for word in found}
    return {
        key: own[key] + tuple(w for w in lookup(key, DEFAULT_LANGUAGE) if w not in listed)
        for key in keys
    }


def _variant_key(key: str, language: str, variant: str | None) -> str:
    if variant:
        specific = f"variants.{variant}.{key}"
        if specific in messages(language) or specific in messages(DEFAULT_LANGUAGE):
            return specific
    return key


def has(key: str, language: str = DEFAULT_LANGUAGE, *, variant: str | None = None) -> bool:
    """Whether the catalog holds `key` (or its `variant`) in the language or in English."""
    key = _variant_key(key, language, variant)
    return key in messages(language) or key in messages(DEFAULT_LANGUAGE)


def t(
    key: str, language: str = DEFAULT_LANGUAGE, /, *, variant: str | None = None, **values: object
) -> str:
    """The text for `key` with `{placeholders}` filled in; a missing key is a bug and raises.

    With `variant` (a channel name), `variants.<variant>.<key>` is used when the catalog has it.
    """
    key = _variant_key(key, language, variant)
    text = messages(language).get(key)
    if text is None:
        text = messages(DEFAULT_LANGUAGE)[key]
    return text.format(**values) if values else text
