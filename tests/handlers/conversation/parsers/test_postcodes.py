"""Accepted and refused postcodes and postcode districts."""

from __future__ import annotations

import pytest

from handlers.conversation.parsers.postcodes import Postcode, parse_district, parse_postcode
from tests.handlers.conversation.parsers.inputs import HOSTILE, wide


@pytest.mark.parametrize(
    ("text", "outward", "inward"),
    [
        ("LS6 2AB", "LS6", "2AB"),
        ("ls6 2ab", "LS6", "2AB"),
        ("LS62AB", "LS6", "2AB"),
        ("LS6  2AB", "LS6", "2AB"),
        ("SW1A1AA", "SW1A", "1AA"),
        ("sw1a 1aa", "SW1A", "1AA"),
        (" m1 1ae. ", "M1", "1AE"),
        ("M11AE", "M1", "1AE"),
        ("B33 8TH", "B33", "8TH"),
        ("W1A 0AX", "W1A", "0AX"),
        ("CR2 6XH", "CR2", "6XH"),
        ("DN55 1PT", "DN55", "1PT"),
        ("EC1A 1BB", "EC1A", "1BB"),
        ("(LS6 2AB)", "LS6", "2AB"),
        (wide("LS6 2AB"), "LS6", "2AB"),
        ("GIR 0AA", "GIR", "0AA"),
        ("gir0aa", "GIR", "0AA"),
    ],
)
def test_parse_postcode_accepts(text: str, outward: str, inward: str) -> None:
    assert parse_postcode(text) == Postcode(outward, inward)


@pytest.mark.parametrize(
    "text",
    [
        "12345",
        "LS6",
        "hello",
        "LS6 2A",
        "LS6 22AB",
        "L S6 2AB",
        "LS6-2AB",
        "LS6 2AB 3CD",
        "1LS 2AB",
        "ABC1 2DE",
        "LS123 4AB",
        "SW1AA 1AA",
        "LS6 AAB",
        "my postcode is LS6 2AB",
        *HOSTILE,
    ],
)
def test_parse_postcode_refuses(text: str) -> None:
    assert parse_postcode(text) is None


def test_postcode_prints_with_one_space() -> None:
    assert str(Postcode("SW1A", "1AA")) == "SW1A 1AA"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("LS6", "LS6"),
        ("ls6", "LS6"),
        ("SW1A", "SW1A"),
        ("m1", "M1"),
        (" b33. ", "B33"),
        ("W1A", "W1A"),
        ("LS6 2AB", "LS6"),
        ("sw1a1aa", "SW1A"),
        ("GIR 0AA", "GIR"),
    ],
)
def test_parse_district_accepts(text: str, expected: str) -> None:
    assert parse_district(text) == expected


@pytest.mark.parametrize(
    "text", ["12345", "LS", "6", "hello", "LS6 2A", "SW1A1", "LS123", "LS 6", *HOSTILE]
)
def test_parse_district_refuses(text: str) -> None:
    assert parse_district(text) is None
