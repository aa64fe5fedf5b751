"""Accepted and refused head counts."""

from __future__ import annotations

import pytest

from handlers.conversation.parsers.counts import parse_count
from tests.handlers.conversation.parsers.inputs import HOSTILE, wide


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", 3),
        (" 3 ", 3),
        ("3.", 3),
        ("three", 3),
        ("Three", 3),
        ("3 people", 3),
        ("3people", 3),
        ("three people", 3),
        ("1 person", 1),
        ("4 of us", 4),
        ("there are 4 of us", 4),
        ("we are 5", 5),
        ("just 2", 2),
        ("just me", 1),
        ("Just me!", 1),
        ("only me", 1),
        ("me", 1),
        ("myself", 1),
        ("on my own", 1),
        ("its just me", 1),
        ("it's just me", 1),
        ("one", 1),
        ("twelve", 12),
        ("20", 20),
        (wide("6"), 6),
    ],
)
def test_parse_count_accepts(text: str, expected: int) -> None:
    assert parse_count(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "0",
        "zero",
        "21",
        "100",
        "-3",
        "2.5",
        "thirteen",
        "a few",
        "some",
        "me and my wife",
        "3 or 4",
        "3 4",
        "about 3",
        "3 adults",
        "people",
        *HOSTILE,
    ],
)
def test_parse_count_refuses(text: str) -> None:
    assert parse_count(text) is None


@pytest.mark.parametrize(
    ("text", "maximum", "expected"),
    [("5", 5, 5), ("6", 5, None), ("twelve", 10, None), ("just me", 1, 1), ("1", 0, None)],
)
def test_parse_count_respects_maximum(text: str, maximum: int, expected: int | None) -> None:
    assert parse_count(text, maximum=maximum) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("\u0663", 3), ("\u06f4", 4), ("\u09e8", 2), ("\u0a69", 3), ("\u0661\u0662", 12)],
)
def test_parse_count_reads_the_digits_of_other_scripts(text: str, expected: int) -> None:
    # Arabic-Indic, Urdu's extended Arabic-Indic, Bengali and Gurmukhi digits.
    assert parse_count(text) == expected
