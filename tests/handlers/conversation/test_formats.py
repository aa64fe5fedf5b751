"""Dates, times, numbers and lists as each language writes them, on the UK's clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from handlers.conversation.formats import clock, day_name, listing, number, short_day

TODAY = date(2026, 11, 23)


def test_a_day_is_written_in_the_persons_language() -> None:
    day = date(2026, 11, 24)
    assert day_name(day, "en", today=TODAY) == "Tuesday 24 November"
    assert "listopada" in day_name(day, "pl", today=TODAY)
    assert "Tach" in day_name(day, "cy", today=TODAY)
    assert "نوفمبر" in day_name(day, "ar", today=TODAY)
    assert "নভেম্বর" in day_name(day, "bn", today=TODAY)


def test_the_year_is_shown_only_when_it_is_not_this_one() -> None:
    assert "2027" in day_name(date(2027, 3, 12), "pl", today=TODAY)
    assert "2026" not in day_name(date(2026, 12, 1), "pl", today=TODAY)


def test_a_moment_is_shown_on_the_uks_clock() -> None:
    # 23:30 UTC on 31 May is already 1 June in London (summer time).
    assert short_day(datetime(2026, 5, 31, 23, 30, tzinfo=UTC), "en") == "1 June"
    assert short_day(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "es") == "31 de diciembre"


def test_times_numbers_and_lists_follow_the_language() -> None:
    assert clock(time(14, 30), "en") == "2:30pm"
    assert clock(time(10, 0), "en") == "10am"
    assert clock(time(14, 30), "pl") == "14:30"
    assert number(1200, "en") == "1,200"
    assert number(12000, "es") == "12.000"
    assert number(12000, "pl") == "12\xa0000"
    assert listing(["bread", "milk", "tea"], "en") == "bread, milk and tea"
    assert listing(["chleb", "mleko", "herbata"], "pl") == "chleb, mleko i herbata"


def test_welsh_lists_say_a_ac_or_ar_as_a_reader_would() -> None:
    # CLDR leaves "a(c)" for the reader to choose; a person should never see the brackets.
    assert listing(["bara", "llaeth"], "cy") == "bara a llaeth"
    assert listing(["bara", "llaeth", "afalau"], "cy") == "bara, llaeth, ac afalau"
    assert listing(["bwyd", "ŵyau"], "cy") == "bwyd ac ŵyau"
    assert listing(["Telegram", "y sgwrs hon"], "cy") == "Telegram a'r sgwrs hon"
