"""Accepted and refused dates and times, alone and together."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from handlers.conversation.parsers.dates import (
    london_time,
    parse_date,
    parse_date_time,
    parse_time,
)
from tests.handlers.conversation.parsers.inputs import HOSTILE, NOON, TODAY

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


@pytest.mark.parametrize(
    ("now", "text", "expected"),
    [
        # 23:30 UTC on 1 July is 00:30 on Thursday 2 July in London (BST).
        (datetime(2026, 7, 1, 23, 30, tzinfo=UTC), "today at 10am", (date(2026, 7, 2), time(10))),
        (datetime(2026, 7, 1, 23, 30, tzinfo=UTC), "tomorrow", (date(2026, 7, 3), None)),
        (datetime(2026, 7, 1, 23, 30, tzinfo=UTC), "friday 9am", (date(2026, 7, 3), time(9))),
        # 22:59 UTC is 23:59 in London: still 1 July, and 11pm has gone.
        (datetime(2026, 7, 1, 22, 59, tzinfo=UTC), "today at 11pm", (date(2026, 7, 1), None)),
        # In winter London is on UTC (GMT): 23:30 UTC on 30 November is still the 30th.
        (datetime(2026, 11, 30, 23, 30, tzinfo=UTC), "today", (date(2026, 11, 30), None)),
        (
            datetime(2026, 11, 30, 23, 30, tzinfo=UTC),
            "tomorrow 10am",
            (date(2026, 12, 1), time(10)),
        ),
        (datetime(2026, 12, 1, 0, 30, tzinfo=UTC), "today at 10am", (date(2026, 12, 1), time(10))),
    ],
)
def test_parse_date_time_reads_the_london_clock(
    now: datetime, text: str, expected: tuple[date | None, time | None]
) -> None:
    assert parse_date_time(text, now) == expected


def test_london_time_follows_summer_time() -> None:
    assert london_time(datetime(2026, 7, 1, 23, 30, tzinfo=UTC)).date() == date(2026, 7, 2)
    assert london_time(datetime(2026, 12, 1, 23, 30, tzinfo=UTC)).date() == date(2026, 12, 1)
    # The night the clocks go back: 00:30 UTC is 01:30 BST, 01:30 UTC is 01:30 GMT.
    assert london_time(datetime(2026, 10, 25, 0, 30, tzinfo=UTC)).hour == 1
    assert london_time(datetime(2026, 10, 25, 1, 30, tzinfo=UTC)).hour == 1


def test_parse_date_reads_arabic_indic_and_bengali_digits() -> None:
    assert parse_date("\u0661\u0662/\u0663", TODAY) == date(2027, 3, 12)
    assert parse_date("\u09e7\u09e8/\u09e9", TODAY) == date(2027, 3, 12)
