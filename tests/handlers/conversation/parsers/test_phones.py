"""Accepted and refused UK phone numbers."""

from __future__ import annotations

import pytest

from handlers.conversation.parsers.phones import parse_uk_phone
from tests.handlers.conversation.parsers.inputs import HOSTILE, wide


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("07700 900123", "+447700900123"),
        ("07700900123", "+447700900123"),
        ("07700-900-123", "+447700900123"),
        ("07700.900.123", "+447700900123"),
        ("+44 7700 900123", "+447700900123"),
        ("+447700900123", "+447700900123"),
        ("0044 7700 900123", "+447700900123"),
        ("+44 (0)7700 900123", "+447700900123"),
        ("+44 07700 900123", "+447700900123"),
        ("(0113) 496 0000", "+441134960000"),
        ("0113 496 0000", "+441134960000"),
        ("020 7946 0000", "+442079460000"),
        ("0300 123 4567", "+443001234567"),
        ("016977 2345", "+44169772345"),
        ("  07700 900123. ", "+447700900123"),
        (wide("07700 900123"), "+447700900123"),
    ],
)
def test_parse_uk_phone_accepts(text: str, expected: str) -> None:
    assert parse_uk_phone(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "07700 90012",
        "077009001234",
        "0113 496 00",
        "020 7946 000",
        "7700 900123",
        "07700 9OO123",
        "07700 900123 ext 2",
        "call 07700 900123",
        "+1 202 555 0123",
        "001 202 555 0123",
        "+33 1 23 45 67 89",
        "+44 800 123 4567",
        "0800 123 4567",
        "0845 123 4567",
        "0909 123 4567",
        "0500 123456",
        "07700+900123",
        "++447700900123",
        "+",
        "0",
        "----",
        *HOSTILE,
    ],
)
def test_parse_uk_phone_refuses(text: str) -> None:
    assert parse_uk_phone(text) is None
