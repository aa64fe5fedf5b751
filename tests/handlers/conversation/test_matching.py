"""Which option a typed reply picks, and when it picks none."""

from __future__ import annotations

import pytest

from handlers.conversation.matching import match_option, normalise


def wide(text: str) -> str:
    """The full-width form some phone keyboards type, which NFKC folds back to ASCII."""
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


HELP = [
    ("food", "🍞 Food"),
    ("bills", "💷 Bills & debt"),
    ("transport", "🚌 Transport"),
    ("medicine", "💊 Medicine"),
    ("other", "Something else"),
]

# Two labels share a first word, so that word alone must not pick either.
FOOD_KINDS = [
    ("parcel", "Food help"),
    ("bank", "Food bank"),
    ("housing", "The housing office"),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The number shown next to the option.
        ("1", "food"),
        ("2", "bills"),
        (" 2 ", "bills"),
        ("2.", "bills"),
        ("2)", "bills"),
        ("#2", "bills"),
        ("option 2", "bills"),
        ("Option 2", "bills"),
        ("no. 2", "bills"),
        ("2️⃣", "bills"),
        (wide("5"), "other"),
        # The label itself.
        ("food", "food"),
        ("FOOD!", "food"),
        ("  Food  ", "food"),
        ("the food", "food"),
        ("🍞 Food", "food"),
        ("bills & debt", "bills"),
        ("bills and debt", "bills"),
        ("something else", "other"),
        ("Something else.", "other"),
        # The number as a word.
        ("two", "bills"),
        ("option three", "transport"),
        # A unique prefix of three letters or more.
        ("trans", "transport"),
        ("tra", "transport"),
        ("med", "medicine"),
        ("bil", "bills"),
        ("some", "other"),
        # A whole word inside one label.
        ("debt", "bills"),
        ("else", "other"),
        # Small typos.
        ("fodd", "food"),
        ("fod", "food"),
        ("medecine", "medicine"),
        ("transprot", "transport"),
        ("bils", "bills"),
        ("somthing else", "other"),
        # The emoji alone.
        ("🍞", "food"),
        ("💊", "medicine"),
    ],
)
def test_match_option_picks(text: str, expected: str | None) -> None:
    assert match_option(text, HELP) == expected


@pytest.mark.parametrize(
    "text",
    [
        "0",
        "6",
        "99",
        "option 6",
        "six",
        "xyz",
        "fo",
        "me",
        "and",
        "yes",
        "help me",
        "food or bills",
        "1 and 2",
        "🙂",
        "🍞💊",
        "?",
        "...",
        "",
        "   ",
        "مرحبا",
        "a" * 50_000,
        "food " * 10_000,
        "\x00",
    ],
)
def test_match_option_refuses(text: str) -> None:
    assert match_option(text, HELP) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Ambiguous between "Food help" and "Food bank".
        ("food", None),
        ("foo", None),
        ("fod", None),
        ("food help", "parcel"),
        ("help", "parcel"),
        ("bank", "bank"),
        ("food bnak", "bank"),
        # A leading "the" is ignored on either side.
        ("housing office", "housing"),
        ("the housing office", "housing"),
        ("hou", "housing"),
        ("hosing", "housing"),
        ("office", "housing"),
        ("the", None),
    ],
)
def test_match_option_never_guesses_between_close_options(text: str, expected: str | None) -> None:
    assert match_option(text, FOOD_KINDS) == expected


def test_match_option_number_wins_over_a_numeric_label() -> None:
    options = [("a", "3"), ("b", "1")]
    assert match_option("1", options) == "a"
    assert match_option("3", options) == "a"


def test_match_option_numeric_label_beyond_the_list() -> None:
    options = [("small", "1"), ("large", "10")]
    assert match_option("10", options) == "large"


def test_match_option_identical_labels_are_ambiguous() -> None:
    assert match_option("food", [("a", "Food"), ("b", "🍞 food!")]) is None
    assert match_option("🍞", [("a", "🍞 Food"), ("b", "🍞 Bread")]) is None


def test_match_option_with_no_options() -> None:
    assert match_option("1", []) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("🍞 Food", "food"),
        ("  Bills &   Debt!! ", "bills debt"),
        ("Don't know", "dont know"),
        ("Don\u2019t know", "dont know"),
        (wide("FOOD"), "food"),
        ("Straße", "strasse"),
        ("Café", "café"),
        ("2️⃣", "2"),
        ("👩‍👧 Family", "family"),
        ("😀😀", ""),
        ("", ""),
        ("مرحبا!", "مرحبا"),
        ("a\tb\nc", "a b c"),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize("text", ["\u0662", "\u09e8", "\u06f2"])
def test_match_option_reads_a_number_in_other_digits(text: str) -> None:
    assert match_option(text, HELP) == "bills"
