"""Dates and times, as people type them ("tuesday at 10am", "12th March", "1430").

Rules chosen here:

- A weekday ("monday", "mon", "next monday", "this monday") is the next such day strictly
  after today, so "monday" typed on a Monday means a week today.
- A date without a year is the next such date on or after today.  Dates in the past or after
  the same day next year are refused.  Day comes before month.
- A clock time without am/pm is read on the 24-hour clock ("10:30", "14:00", "1430"), except
  that 1 to 6 without a leading zero ("2.30") is refused: in everyday writing it nearly always
  means the afternoon, and reading it as 02:30 would book the small hours.  A bare hour ("9")
  is refused too, unless "morning", "afternoon", "evening", "tonight", "am" or "pm" in the same
  message settles it ("2 in the afternoon" is 14:00).  "Half past two" is not understood.
- Date and time messages may only contain the date, the time, a part of the day and a few
  linking words ("at", "on", "the", "please"...); anything else gives None rather than a guess.
  Two different dates (or times) in one message give None for that part.  `parse_date`
  ignores a time in the message and `parse_time` a date; `parse_date_time` drops a time that
  has already passed today, keeping the date.
- "Today", "tomorrow" and weekdays count from the day on the clock the person reads, in
  Europe/London (BST in summer), not UTC: at 00:30 on 2 July in London it is still 1 July in
  UTC. Callers hold times in UTC and pass them through `london_time` first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final, TypeVar
from zoneinfo import ZoneInfo

from handlers.conversation.parsers.text import MAX_INPUT, normalise_free

_T = TypeVar("_T")

# Where the people the service helps live, and so the clock and calendar their words refer to.
LOCAL_ZONE: Final = ZoneInfo("Europe/London")


def london_time(moment: datetime) -> datetime:
    """`moment` on the clock people here read (a naive one is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_ZONE)


# Not glued to a word, a number or a date/time separator on either side.
_B: Final = r"(?<![\w./:\-])"
_E: Final = r"(?![\w./:\-])"

_TOMORROW: Final = r"(?:tomorrow|tomorow|tommorow|tommorrow|tmrw|tmr|2moro|2morrow|2mrw)"
_RELATIVE_RE: Final = re.compile(
    rf"{_B}(?:(?P<after>day\s+after\s+{_TOMORROW})|(?P<tomorrow>{_TOMORROW})"
    r"|(?P<today>today|2day)|(?P<tonight>tonight|tonite|2nite)"
    rf"|(?P<this>this)(?=\s+(?:morning|afternoon|evening){_E})){_E}"
)

_WEEKDAYS: Final[dict[str, int]] = {
    **dict.fromkeys(("monday", "mon"), 0),
    **dict.fromkeys(("tuesday", "tues", "tue", "tuseday", "tusday"), 1),
    **dict.fromkeys(("wednesday", "weds", "wed", "wensday", "wendsday", "wednsday"), 2),
    **dict.fromkeys(("thursday", "thurs", "thur", "thu", "thrusday"), 3),
    **dict.fromkeys(("friday", "fri"), 4),
    **dict.fromkeys(("saturday", "sat", "saterday"), 5),
    **dict.fromkeys(("sunday", "sun"), 6),
}
_WEEKDAY_RE: Final = re.compile(
    rf"{_B}(?:(?:next|this)\s+)?(?P<wd>{'|'.join(sorted(_WEEKDAYS, key=len, reverse=True))}){_E}"
)

_MONTHS: Final[dict[str, int]] = {
    **dict.fromkeys(("january", "jan"), 1),
    **dict.fromkeys(("february", "febuary", "feb"), 2),
    **dict.fromkeys(("march", "mar"), 3),
    **dict.fromkeys(("april", "apr"), 4),
    "may": 5,
    **dict.fromkeys(("june", "jun"), 6),
    **dict.fromkeys(("july", "jul"), 7),
    **dict.fromkeys(("august", "aug"), 8),
    **dict.fromkeys(("september", "sept", "sep"), 9),
    **dict.fromkeys(("october", "oct"), 10),
    **dict.fromkeys(("november", "nov"), 11),
    **dict.fromkeys(("december", "dec"), 12),
}
_MONTH: Final = "|".join(sorted(_MONTHS, key=len, reverse=True))
_ORDINAL: Final = r"(?:st|nd|rd|th)?"
# Only 20xx, so a 24-hour time such as "1430" after a date is never taken for a year.
_YEAR_TAIL: Final = rf"(?:\s+(?P<y>20[0-9]{{2}}){_E})?"
_NUMERIC_DATE_RE: Final = re.compile(
    rf"{_B}(?P<d>[0-9]{{1,2}})(?P<sep>[/\-])(?P<m>[0-9]{{1,2}})"
    rf"(?:(?P=sep)(?P<y>[0-9]{{4}}|[0-9]{{2}}))?{_E}"
)
# Dots only with a year, so "10.30" stays a time.
_DOTTED_DATE_RE: Final = re.compile(
    rf"{_B}(?P<d>[0-9]{{1,2}})\.(?P<m>[0-9]{{1,2}})\.(?P<y>[0-9]{{4}}|[0-9]{{2}}){_E}"
)
_DAY_MONTH_RE: Final = re.compile(
    rf"{_B}(?P<d>[0-9]{{1,2}}){_ORDINAL}\s*(?:of\s+)?(?P<mon>{_MONTH}){_E}{_YEAR_TAIL}"
)
_MONTH_DAY_RE: Final = re.compile(
    rf"{_B}(?P<mon>{_MONTH})\s*(?:the\s+)?(?P<d>[0-9]{{1,2}}){_ORDINAL}{_E}"
    rf"(?!\s*[ap]m(?!\w)){_YEAR_TAIL}"
)

_NOON_RE: Final = re.compile(rf"{_B}(?:12\s*)?(?P<word>noon|midday|mid day|midnight){_E}")
_AMPM_RE: Final = re.compile(
    rf"{_B}(?P<h>[0-9]{{1,2}})(?:[:.](?P<min>[0-9]{{2}}))?\s*(?P<mer>am|pm)(?!\w)"
)
_CLOCK_RE: Final = re.compile(
    rf"{_B}(?P<h>[0-9]{{1,2}})[:.](?P<min>[0-9]{{2}})(?:\s*(?:hrs|hours))?{_E}"
)
_FOUR_DIGIT_RE: Final = re.compile(
    rf"{_B}(?P<h>[0-2][0-9])(?P<min>[0-5][0-9])(?:\s*(?:hrs|hours))?{_E}"
)
_BARE_HOUR_RE: Final = re.compile(rf"{_B}(?P<h>[0-9]{{1,2}})(?:\s*oclock)?{_E}")
_DAY_PART_RE: Final = re.compile(rf"{_B}(?P<part>morning|afternoon|evening|am|pm){_E}")
_DAY_PART_MERIDIEM: Final = {"morning": "am", "am": "am", "afternoon": "pm", "evening": "pm"}

_FILLERS: Final = frozenset(
    {"at", "on", "the", "in", "of", "and", "around", "about", "by", "from", "ish", "oclock"}
    | {"please", "pls", "plz"}
)


def _one_year_after(today: date) -> date:
    try:
        return today.replace(year=today.year + 1)
    except ValueError:  # 29 February
        return date(today.year + 1, 2, 28)


def _calendar_date(day: int, month: int, year: int | None, today: date) -> date | None:
    limit = _one_year_after(today)
    if year is not None:
        if year < 100:
            year += 2000
        try:
            found = date(year, month, day)
        except ValueError:
            return None
        return found if today <= found <= limit else None
    for candidate_year in (today.year, today.year + 1):
        try:
            found = date(candidate_year, month, day)
        except ValueError:
            continue  # 29 February outside a leap year, or no such date at all
        if found >= today:
            return found if found <= limit else None
    return None


def _after_days(days: int) -> Callable[[date], date | None]:
    return lambda today: today + timedelta(days=days)


def _next_weekday(weekday: int) -> Callable[[date], date | None]:
    return lambda today: today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def _on_calendar(day: int, month: int, year: int | None) -> Callable[[date], date | None]:
    return lambda today: _calendar_date(day, month, year, today)


@dataclass(frozen=True)
class _RawTime:
    """A time as written, before am/pm is settled."""

    hour: int
    minute: int | None
    meridiem: str | None
    twenty_four_hour: bool


@dataclass
class _Scan:
    dates: list[Callable[[date], date | None]]
    times: list[_RawTime]
    meridiems: set[str]


def _scan(text: str) -> _Scan | None:
    """Find every date, time and part of the day; None if anything else is left over."""
    if len(text) > MAX_INPUT:
        return None
    rest = normalise_free(text)
    found = _Scan(dates=[], times=[], meridiems=set())

    def take(pattern: re.Pattern[str]) -> Iterable[re.Match[str]]:
        nonlocal rest
        matches = list(pattern.finditer(rest))
        for match in matches:
            start, end = match.span()
            rest = rest[:start] + " " * (end - start) + rest[end:]
        return matches

    for match in take(_RELATIVE_RE):
        if match["after"]:
            found.dates.append(_after_days(2))
        elif match["tomorrow"]:
            found.dates.append(_after_days(1))
        else:
            found.dates.append(_after_days(0))
            if match["tonight"]:
                found.meridiems.add("pm")
    for match in take(_WEEKDAY_RE):
        found.dates.append(_next_weekday(_WEEKDAYS[match["wd"]]))
    for pattern in (_NUMERIC_DATE_RE, _DOTTED_DATE_RE):
        for match in take(pattern):
            year = int(match["y"]) if match["y"] else None
            found.dates.append(_on_calendar(int(match["d"]), int(match["m"]), year))
    for pattern in (_DAY_MONTH_RE, _MONTH_DAY_RE):
        for match in take(pattern):
            year = int(match["y"]) if match["y"] else None
            found.dates.append(_on_calendar(int(match["d"]), _MONTHS[match["mon"]], year))

    for match in take(_NOON_RE):
        meridiem = "am" if match["word"] == "midnight" else "pm"
        found.times.append(_RawTime(12, 0, meridiem, twenty_four_hour=False))
    for match in take(_AMPM_RE):
        minute = int(match["min"]) if match["min"] else None
        found.times.append(_RawTime(int(match["h"]), minute, match["mer"], False))
    for pattern in (_CLOCK_RE, _FOUR_DIGIT_RE):
        for match in take(pattern):
            hour_text = match["h"]
            hour = int(hour_text)
            explicit = pattern is _FOUR_DIGIT_RE or hour_text.startswith("0") or hour >= 13
            found.times.append(_RawTime(hour, int(match["min"]), None, explicit))
    for match in take(_BARE_HOUR_RE):
        found.times.append(_RawTime(int(match["h"]), None, None, twenty_four_hour=False))
    for match in take(_DAY_PART_RE):
        found.meridiems.add(_DAY_PART_MERIDIEM.get(match["part"], "pm"))

    for word in rest.split():
        if any(ch.isalnum() for ch in word) and word not in _FILLERS:
            return None
    return found


def _resolve_time(raw: _RawTime, day_meridiem: str | None) -> time | None:
    minute = raw.minute if raw.minute is not None else 0
    if minute > 59:
        return None
    meridiem = raw.meridiem
    if meridiem is None and not raw.twenty_four_hour and 1 <= raw.hour <= 12:
        meridiem = day_meridiem
        if meridiem is None:
            if raw.minute is None or raw.hour <= 6:
                return None  # ambiguous: see the module docstring
            return time(raw.hour, minute)
    if meridiem is not None:
        if not 1 <= raw.hour <= 12:
            return None
        return time(raw.hour % 12 + (12 if meridiem == "pm" else 0), minute)
    if raw.hour > 23:
        return None
    return time(raw.hour, minute)


def _single(values: Iterable[_T | None]) -> _T | None:
    """The one value named, or None if none, an impossible one, or two different ones."""
    distinct: set[_T] = set()
    for value in values:
        if value is None:
            return None
        distinct.add(value)
    return distinct.pop() if len(distinct) == 1 else None


def _date_from(scan: _Scan, today: date) -> date | None:
    return _single(resolve(today) for resolve in scan.dates)


def _time_from(scan: _Scan) -> time | None:
    day_meridiem = next(iter(scan.meridiems)) if len(scan.meridiems) == 1 else None
    return _single(_resolve_time(raw, day_meridiem) for raw in scan.times)


def parse_date(text: str, today: date) -> date | None:
    """A day from "tomorrow", "next tuesday", "12/3", "12th March" and the like (UK order)."""
    scan = _scan(text)
    return None if scan is None else _date_from(scan, today)


def parse_time(text: str) -> time | None:
    """A time of day from "10am", "2.30pm", "14:00", "1430", "noon" and the like."""
    scan = _scan(text)
    return None if scan is None else _time_from(scan)


def parse_date_time(text: str, now: datetime) -> tuple[date | None, time | None]:
    """The date and the time named in one message such as "tuesday at 10am"; either may be None.

    A time already past on today's date is dropped, so the caller asks for the time again.
    Both are read on the London clock, whatever zone `now` is given in.
    """
    scan = _scan(text)
    if scan is None:
        return None, None
    now = london_time(now)
    found_date = _date_from(scan, now.date())
    found_time = _time_from(scan)
    if found_date is not None and found_time is not None:
        moment = datetime.combine(found_date, found_time, tzinfo=now.tzinfo)
        if moment < now.replace(second=0, microsecond=0):
            found_time = None
    return found_date, found_time
