"""Every translated catalog says everything English says, with the same placeholders.

A missing key would fall back to English in the middle of a conversation in another language, and
a placeholder that differs would show "{ref}" to the person or raise when the text is filled in.
"""

from __future__ import annotations

import re
import string
import unicodedata

import pytest

from bot.channels.gsm import loses_letters, segments, to_gsm7
from handlers.conversation.catalog import DEFAULT_LANGUAGE, LOCALES, messages
from handlers.conversation.languages import SUPPORTED_LANGUAGES
from handlers.flows.registry import FORMS, MENU_ITEMS

# The languages the help line promises, each with its name in its own tongue for the menu.
PROMISED = {
    "cy": "Cymraeg",
    "pl": "Polski",
    "ro": "Română",
    "pa": "ਪੰਜਾਬੀ",
    "ur": "اردو",
    "ar": "العربية",
    "bn": "বাংলা",
    "pt": "Português",
    "es": "Español",
}
UNREVIEWED = "drafted without a native speaker's review"
# Numbers a person in danger must be able to read and dial exactly as in English.
EMERGENCY_NUMBERS = ("999", "111", "116 123", "0800 111 999")
# The English SMS help takes 2; a translation may take one more, not a screenful.
SMS_MAX_SEGMENTS = 3
# A help line reads "word, a dash, what it does" (an en dash in chat, "-" on SMS).
HELP_LINE = re.compile(r"^(?P<word>[^\n\u2013-]+?) [\u2013-] ", re.MULTILINE)

TRANSLATIONS = sorted(path.stem for path in LOCALES.glob("*.toml") if path.stem != DEFAULT_LANGUAGE)
# The languages the bot speaks throughout. Every other catalog holds only the emergency answer
# and the safety question, so someone writing in, say, Gujarati is told what to do in it.
FULL = [code for code in SUPPORTED_LANGUAGES if code != DEFAULT_LANGUAGE]
EMERGENCY_TABLES = ("alert.", "safety.")
ALL = [DEFAULT_LANGUAGE, *FULL]


def expected_keys(language: str) -> set[str]:
    """English's keys, or for an emergency-only catalog those of its emergency tables."""
    english = set(messages(DEFAULT_LANGUAGE))
    if language in FULL:
        return english
    return {key for key in english if key.startswith(EMERGENCY_TABLES)}


def placeholders(text: str) -> set[str]:
    """The `{names}` a text asks for; unbalanced braces raise ValueError."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def fold(word: str) -> str:
    """A typed word as the matcher compares it: no case, no accents."""
    decomposed = unicodedata.normalize("NFKD", word.strip().casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def test_every_promised_language_has_a_catalog() -> None:
    assert sorted(set(PROMISED) - set(TRANSLATIONS)) == []
    assert sorted(PROMISED) == sorted(FULL)


def test_emergency_only_catalogs_are_the_safeguarding_languages() -> None:
    # Welsh and the languages most spoken here after English, plus Turkish and Somali.
    assert sorted(set(TRANSLATIONS) - set(FULL)) == ["gu", "lt", "so", "tr"]


@pytest.mark.parametrize("language", sorted(PROMISED))
def test_language_is_named_in_its_own_tongue(language: str) -> None:
    assert messages(language)["language.name"] == PROMISED[language]


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_catalog_has_exactly_the_english_keys(language: str) -> None:
    english, own = expected_keys(language), set(messages(language))
    problems = [f"{language}: missing {key}" for key in sorted(english - own)]
    problems += [f"{language}: not in English {key}" for key in sorted(own - english)]
    assert problems == []


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_placeholders_match_english(language: str) -> None:
    english = messages(DEFAULT_LANGUAGE)
    problems = []
    for key, text in messages(language).items():
        if key not in english:
            continue
        try:
            found = placeholders(text)
        except ValueError as error:
            problems.append(f"{language}: {key} has broken braces ({error})")
            continue
        if found != placeholders(english[key]):
            problems.append(f"{language}: {key} has {sorted(found)}")
    assert problems == []


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_emergency_numbers_are_kept(language: str) -> None:
    english, own = messages(DEFAULT_LANGUAGE), messages(language)
    problems = [
        f"{language}: {key} lacks {number}"
        for key, text in english.items()
        for number in EMERGENCY_NUMBERS
        if key in expected_keys(language) and number in text and number not in own.get(key, "")
    ]
    assert problems == []


@pytest.mark.parametrize("language", FULL)
def test_consent_version_is_the_english_one(language: str) -> None:
    # The version records which notice a person agreed to; a translation is the same notice.
    assert messages(language)["consent.version"] == messages(DEFAULT_LANGUAGE)["consent.version"]


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_catalog_says_it_is_unreviewed_at_its_top(language: str) -> None:
    lines = (LOCALES / f"{language}.toml").read_text(encoding="utf-8").splitlines()
    top = []
    for line in lines:
        if not line.startswith("#"):
            break
        top.append(line.lstrip("# ").strip())
    assert UNREVIEWED in " ".join(top).lower(), f"{language}: no review warning at the top"


@pytest.mark.parametrize("language", ALL)
def test_every_word_alternative_is_non_empty(language: str) -> None:
    words = {k: v for k, v in messages(language).items() if k.startswith("words.")}
    assert words, f"{language}: no [words] table"
    problems = [
        f"{language}: {key} has an empty alternative"
        for key, value in words.items()
        if any(not alternative.strip() for alternative in value.split("|"))
    ]
    assert problems == []


@pytest.mark.parametrize("language", FULL)
def test_english_navigation_words_still_work(language: str) -> None:
    # Someone who reads the English help, or is used to it, can always find their way.
    own = messages(language)
    problems = [
        f"{language}: words.{word} lacks {word!r}"
        for word in ("menu", "back", "cancel", "help", "language")
        if word not in own.get(f"words.{word}", "").split("|")
    ]
    assert problems == []


@pytest.mark.parametrize("language", ALL)
def test_sms_texts_stay_short(language: str) -> None:
    # Non-Latin SMS goes as UCS-2, 67 characters a part: a long help would arrive in pieces.
    own = messages(language)
    problems = []
    for key in (k for k in messages(DEFAULT_LANGUAGE) if k.startswith("variants.sms.")):
        text = own[key]
        sent = text if loses_letters(text) else to_gsm7(text)
        if segments(sent) > SMS_MAX_SEGMENTS:
            problems.append(f"{language}: {key} takes {segments(sent)} SMS")
    assert problems == []


@pytest.mark.parametrize("language", ALL)
def test_words_the_help_offers_are_understood(language: str) -> None:
    # The help tells people what to type; each word it offers must be one the bot knows.
    own = messages(language)
    known = {
        alternative.strip()
        for key in ("menu", "back", "cancel", "help", "my_data")
        for alternative in own[f"words.{key}"].split("|")
    }
    offered = [
        match["word"]
        for key in ("help.text", "variants.sms.help.text")
        for match in HELP_LINE.finditer(own[key])
    ]
    assert len(offered) >= 3, f"{language}: the help lists no words"
    assert [f"{language}: help offers {word!r}" for word in sorted(set(offered) - known)] == []


def choice_sets() -> dict[str, list[str]]:
    """Every set of options shown together, as the catalog keys of their labels."""
    sets = {
        "menu": [f"menu.{item}" for item in MENU_ITEMS],
        "consent": ["consent.agree", "consent.decline"],
        "role": ["role.tenant", "role.carer"],
        "expired": ["expired.carry_on", "expired.restart"],
        "confirm": ["form.send", "form.back", "form.cancel"],
        "confirm_sms": ["form.send", "form.back", "variants.sms.form.cancel"],
        "offer_callback": ["respite.callback_yes", "respite.callback_no"],
    }
    for name, form in FORMS.items():
        for question in form.questions:
            own = [f"{name}.{question.key}_{option}" for option in question.options]
            shared = [f"answers.{option}" for option in question.options]
            sets[f"{name}.{question.key}"] = [
                key if key in messages(DEFAULT_LANGUAGE) else alt
                for key, alt in zip(own, shared, strict=True)
                if key in messages(DEFAULT_LANGUAGE) or alt in messages(DEFAULT_LANGUAGE)
            ]
    return sets


@pytest.mark.parametrize("language", ALL)
def test_options_shown_together_have_different_labels(language: str) -> None:
    # People answer by typing a label; two alike would make the answer a guess.
    own = messages(language)
    problems = []
    for name, keys in choice_sets().items():
        labels = [own[key].casefold() for key in keys]
        if len(set(labels)) < len(labels):
            problems.append(f"{language}: {name} repeats a label")
    assert problems == []


@pytest.mark.parametrize("language", ALL)
def test_no_typed_word_means_two_things(language: str) -> None:
    # Words are matched with case and accents folded, so "nôl" and "nol" are one word, and it
    # cannot mean both "back" and something else. Words read at different moments live in
    # tables of their own ("ok" answers a check-in in [words.checkin] and an alarm test in
    # [words.telecare]), so a word must mean one thing within its table.
    meanings: dict[tuple[str, str], set[str]] = {}
    for key, value in messages(language).items():
        if key.startswith("words."):
            table = key.rsplit(".", 1)[0]
            for alternative in value.split("|"):
                meanings.setdefault((table, fold(alternative)), set()).add(key)
    twice = [f"{language}: {w!r} is {sorted(k)}" for (_, w), k in meanings.items() if len(k) > 1]
    assert twice == []


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_sentences_are_translated(language: str) -> None:
    # A single word may be the same in both languages ("Halal", "Transport"); a sentence may not.
    english, own = messages(DEFAULT_LANGUAGE), messages(language)
    problems = [
        f"{language}: {key} is still English"
        for key, text in english.items()
        if len(text.split()) >= 3 and own.get(key) == text
    ]
    assert problems == []
