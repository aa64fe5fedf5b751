"""Accepted and refused answers for each parser in handlers.validation."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from handlers.conversation.parsers.counts import parse_count
from handlers.conversation.parsers.dates import parse_date, parse_date_time, parse_time
from handlers.conversation.parsers.phones import parse_uk_phone
from handlers.conversation.parsers.postcodes import Postcode, parse_district, parse_postcode


def wide(text: str) -> str:
    """The full-width form some phone keyboards type, which NFKC folds back to ASCII."""
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


# A Wednesday; every date below is worked out from it, never from the clock.
TODAY = date(2027, 3, 10)
NOON = datetime(2027, 3, 10, 12, 0)

HOSTILE = [
    "",
    "   ",
    "مرحبا",
    "\u0661\u0662/\u0663",  # Arabic-Indic digits
    "\u0663",
    "🙂",
    "🍞🍞🍞",
    "\u200b",
    "\x00",
    "a" * 50_000,
    "1" * 50_000,
    "12/3 " * 10_000,
    "9" * 5_000,
]


# --- postcodes -------------------------------------------------------------------------------


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


# --- phone numbers ---------------------------------------------------------------------------


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


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", date(2027, 3, 10)),
        ("Today.", date(2027, 3, 10)),
        ("tonight", date(2027, 3, 10)),
        ("tomorrow", date(2027, 3, 11)),
        ("tmrw", date(2027, 3, 11)),
        ("tommorow", date(2027, 3, 11)),
        ("day after tomorrow", date(2027, 3, 12)),
        ("the day after tomorrow", date(2027, 3, 12)),
        ("monday", date(2027, 3, 15)),
        ("Mon", date(2027, 3, 15)),
        ("next tuesday", date(2027, 3, 16)),
        ("this thursday", date(2027, 3, 11)),
        ("on friday please", date(2027, 3, 12)),
        ("wensday", date(2027, 3, 17)),
        # A bare weekday is never today, even when today is that weekday.
        ("wednesday", date(2027, 3, 17)),
        ("wed.", date(2027, 3, 17)),
        ("12/3", date(2027, 3, 12)),
        ("12/03/2027", date(2027, 3, 12)),
        ("12-3-27", date(2027, 3, 12)),
        ("12.03.2027", date(2027, 3, 12)),
        ("10/3", date(2027, 3, 10)),
        ("1/4", date(2027, 4, 1)),
        ("12 March", date(2027, 3, 12)),
        ("12th march", date(2027, 3, 12)),
        ("the 12th of March", date(2027, 3, 12)),
        ("March 12", date(2027, 3, 12)),
        ("march 12th 2027", date(2027, 3, 12)),
        ("12 mar", date(2027, 3, 12)),
        ("12mar", date(2027, 3, 12)),
        ("1 sept", date(2027, 9, 1)),
        ("25 December", date(2027, 12, 25)),
        # Without a year a date already gone this year means next year's.
        ("9/3", date(2028, 3, 9)),
        ("1 jan", date(2028, 1, 1)),
        ("10/3/2028", date(2028, 3, 10)),
        ("29/2", date(2028, 2, 29)),
        # UK order: day first.
        ("3/12", date(2027, 12, 3)),
        # A weekday that agrees with the date is fine.
        ("friday 12th march", date(2027, 3, 12)),
        ("tomorrow morning", date(2027, 3, 11)),
        ("tuesday at 10am", date(2027, 3, 16)),
    ],
)
def test_parse_date_accepts(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "31/2",
        "30 february",
        "29/2/2027",
        "32/3",
        "12/13",
        "0/3",
        "12/03/2020",
        "9/3/2027",
        "11/3/2028",
        "12/3/2029",
        "yesterday",
        "next week",
        "soon",
        "12",
        "12th",
        "march",
        "thursday 12 march",
        "monday or tuesday",
        "tuesday wednesday",
        "can I come tuesday",
        "12/3/27/1",
        "2-3 days",
        *HOSTILE,
    ],
)
def test_parse_date_refuses(text: str) -> None:
    assert parse_date(text, TODAY) is None


def test_parse_date_weekday_counts_from_given_today() -> None:
    monday = date(2027, 3, 8)
    assert parse_date("monday", monday) == date(2027, 3, 15)
    assert parse_date("today", monday) == monday
    assert parse_date("sunday", monday) == date(2027, 3, 14)


def test_parse_date_allows_the_same_day_next_year_but_not_after() -> None:
    assert parse_date("10/3/2028", TODAY) == date(2028, 3, 10)
    assert parse_date("11/3/2028", TODAY) is None


def test_parse_date_on_29_february_limits_to_28_february_next_year() -> None:
    leap_day = date(2028, 2, 29)
    assert parse_date("28/2/2029", leap_day) == date(2029, 2, 28)
    assert parse_date("1/3/2029", leap_day) is None


# --- times -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10am", time(10, 0)),
        ("10 am", time(10, 0)),
        ("10AM", time(10, 0)),
        ("10 a.m.", time(10, 0)),
        ("10.30am", time(10, 30)),
        ("10:30 pm", time(22, 30)),
        ("10:30", time(10, 30)),
        ("10.30", time(10, 30)),
        ("2.30pm", time(14, 30)),
        ("2pm", time(14, 0)),
        ("14:00", time(14, 0)),
        ("14.00", time(14, 0)),
        ("1430", time(14, 30)),
        ("0930", time(9, 30)),
        ("09:30", time(9, 30)),
        ("02:30", time(2, 30)),
        ("0:15", time(0, 15)),
        ("7.30", time(7, 30)),
        ("12:30", time(12, 30)),
        ("noon", time(12, 0)),
        ("midday", time(12, 0)),
        ("12 noon", time(12, 0)),
        ("midnight", time(0, 0)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        ("at 10am please", time(10, 0)),
        ("2 in the afternoon", time(14, 0)),
        ("10 in the morning", time(10, 0)),
        ("7.30 in the evening", time(19, 30)),
        ("2.30 pm.", time(14, 30)),
        ("1430 hrs", time(14, 30)),
    ],
)
def test_parse_time_accepts(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # A bare hour could be morning or evening (or not a time at all).
        "9",
        "10 oclock",
        # 1 to 6 without am/pm nearly always means the afternoon: ask rather than guess.
        "2.30",
        "6:00",
        "25:00",
        "24:00",
        "13pm",
        "0am",
        "10:60",
        "10:5",
        "2460",
        "930",
        "10am or 11am",
        "10am 2pm",
        "half past two",
        "morning",
        "later",
        "10",
        *HOSTILE,
    ],
)
def test_parse_time_refuses(text: str) -> None:
    assert parse_time(text) is None


# --- date and time together ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tuesday at 10am", (date(2027, 3, 16), time(10, 0))),
        ("Tuesday. 10am.", (date(2027, 3, 16), time(10, 0))),
        ("tuesday @ 10:30", (date(2027, 3, 16), time(10, 30))),
        ("12/3 2.30pm", (date(2027, 3, 12), time(14, 30))),
        ("12/03/2027 14:00", (date(2027, 3, 12), time(14, 0))),
        ("12 march 2027 at 1430", (date(2027, 3, 12), time(14, 30))),
        ("10am tomorrow", (date(2027, 3, 11), time(10, 0))),
        ("tomorrow morning", (date(2027, 3, 11), None)),
        ("tomorrow afternoon", (date(2027, 3, 11), None)),
        ("friday evening", (date(2027, 3, 12), None)),
        ("tomorrow at 2 in the afternoon", (date(2027, 3, 11), time(14, 0))),
        ("tuesday pm at 3", (date(2027, 3, 16), time(15, 0))),
        ("tonight at 8", (date(2027, 3, 10), time(20, 0))),
        ("this afternoon at 2.30", (date(2027, 3, 10), time(14, 30))),
        ("today at 3pm", (date(2027, 3, 10), time(15, 0))),
        ("today at noon", (date(2027, 3, 10), time(12, 0))),
        # A time already gone today is dropped; the date stands.
        ("today at 9am", (date(2027, 3, 10), None)),
        ("tuesday at 10", (date(2027, 3, 16), None)),
        ("31/2 at 10am", (None, time(10, 0))),
        ("10am", (None, time(10, 0))),
        ("tuesday", (date(2027, 3, 16), None)),
        ("tuesday wednesday at 10am", (None, time(10, 0))),
        ("tuesday or wednesday at 10am", (None, None)),
        ("can I come tuesday at 10am", (None, None)),
        ("hello", (None, None)),
        ("", (None, None)),
    ],
)
def test_parse_date_time(text: str, expected: tuple[date | None, time | None]) -> None:
    assert parse_date_time(text, NOON) == expected


def test_parse_date_time_keeps_a_time_later_today_with_an_aware_clock() -> None:
    now = datetime(2027, 3, 10, 12, 0, 30, tzinfo=UTC)
    assert parse_date_time("today at noon", now) == (date(2027, 3, 10), time(12, 0))
    assert parse_date_time("today at 11.59am", now) == (date(2027, 3, 10), None)


@pytest.mark.parametrize("text", HOSTILE)
def test_parse_date_time_hostile(text: str) -> None:
    assert parse_date_time(text, NOON) == (None, None)


# --- head counts -----------------------------------------------------------------------------


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
