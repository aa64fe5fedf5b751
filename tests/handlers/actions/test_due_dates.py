"""Due times count working hours only: evenings, weekends and bank holidays do not run down."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings
from handlers.actions.due_dates import BusinessHours, DuePolicy, parse_business_hours
from models.enums import TicketCategory, TicketPriority

LONDON = ZoneInfo("Europe/London")
HOURS = BusinessHours()


def at(text: str) -> datetime:
    """A moment in London time, e.g. `2026-11-27 16:30`."""
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        ("2026-11-24 10:00", 1, "2026-11-24 11:00"),  # a Tuesday morning
        ("2026-11-24 07:15", 1, "2026-11-24 10:00"),  # before opening: from 09:00
        ("2026-11-27 16:30", 1, "2026-11-30 09:30"),  # Friday evening runs over the weekend
        ("2026-11-28 12:00", 4, "2026-11-30 13:00"),  # a Saturday starts on Monday
        ("2026-11-24 10:00", 16, "2026-11-26 10:00"),  # two working days
        ("2026-04-02 16:30", 1, "2026-04-07 09:30"),  # Good Friday and Easter Monday skipped
        ("2026-12-24 16:00", 2, "2026-12-29 10:00"),  # Christmas, Boxing Day (observed 28th)
        ("2026-03-27 16:00", 2, "2026-03-30 10:00"),  # over the clocks going forward
    ],
)
def test_working_hours_are_added_in_london_time(start: str, hours: float, due: str) -> None:
    assert HOURS.add(at(start), hours) == at(due)


def test_scotland_has_its_own_bank_holidays() -> None:
    # 2 January is a bank holiday in Scotland, not in England and Wales.
    start = at("2026-01-01 12:00")
    assert HOURS.add(start, 1) == at("2026-01-02 10:00")
    assert BusinessHours(region="SCT").add(start, 1) == at("2026-01-05 10:00")


def test_a_ticket_gets_the_sooner_of_its_category_and_priority_targets() -> None:
    policy = DuePolicy()
    opened = at("2026-11-24 09:00")
    food = policy.due_at(
        created_at=opened, category=TicketCategory.FOOD, priority=TicketPriority.NORMAL
    )
    medicine = policy.due_at(
        created_at=opened, category=TicketCategory.MEDICINE, priority=TicketPriority.NORMAL
    )
    urgent = policy.due_at(
        created_at=opened, category=TicketCategory.RESPITE, priority=TicketPriority.URGENT
    )
    # Two working days, one working day, one working hour; a target met at closing time
    # is due at closing time, not at the next opening.
    assert (food, medicine, urgent) == (
        at("2026-11-25 17:00"),
        at("2026-11-24 17:00"),
        at("2026-11-24 10:00"),
    )


def test_settings_shape_the_policy() -> None:
    settings = Settings(
        _env_file=None,
        business_hours="mon-sat 08:00-18:00",
        due_hours_by_priority={"normal": 2},
        bank_holidays="none",
    )
    policy = settings.due_policy()
    assert policy.hours.days == frozenset(range(6))
    assert (policy.hours.opens, policy.hours.closes) == (time(8), time(18))
    assert policy.target_hours(TicketCategory.RESPITE, TicketPriority.NORMAL) == 2
    assert policy.target_hours(TicketCategory.RESPITE, TicketPriority.LOW) == 40


@pytest.mark.parametrize("text", ["weekdays 9-5", "fri-mon 09:00-17:00", "mon-fri 17:00-09:00"])
def test_unreadable_business_hours_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_business_hours(text)
