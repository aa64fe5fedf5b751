"""When a ticket is due: a target per category and priority, counted in business hours.

The clock runs only in working hours (by default Monday to Friday, 09:00 to 17:00 in
Europe/London) and stops on bank holidays, so a request that arrives on a Friday evening is
not overdue by Monday morning. Out-of-hours emergencies are the on-call alerts' job.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

from handlers.actions.ticket_rows import ListedTicket
from models import Ticket
from models.enums import OPEN_STATUSES, TicketCategory, TicketPriority

DEFAULT_PRIORITY_HOURS: Mapping[TicketPriority, float] = {
    TicketPriority.URGENT: 1,
    TicketPriority.HIGH: 4,
    TicketPriority.NORMAL: 16,
    TicketPriority.LOW: 40,
}
"""Business hours to answer by priority: urgent within the hour, normal within two days."""

DEFAULT_CATEGORY_HOURS: Mapping[TicketCategory, float] = {
    TicketCategory.WELFARE: 4,
    TicketCategory.MEDICINE: 8,
    TicketCategory.CALLBACK: 8,
    TicketCategory.TELECARE: 8,
    TicketCategory.TRANSPORT: 16,
    TicketCategory.FOOD: 16,
    TicketCategory.RESPITE: 40,
    TicketCategory.OTHER: 40,
}
"""Business hours to answer by category; a ticket gets the sooner of its two targets."""

BANK_HOLIDAY_REGIONS = {
    "england-and-wales": "ENG",
    "scotland": "SCT",
    "northern-ireland": "NIR",
    "none": None,
}

_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_HOURS = re.compile(
    r"^\s*(?P<first>[a-z]{3})(?:\s*-\s*(?P<last>[a-z]{3}))?\s+"
    r"(?P<opens>\d{2}:\d{2})\s*-\s*(?P<closes>\d{2}:\d{2})\s*$"
)


def parse_business_hours(text: str) -> tuple[frozenset[int], time, time]:
    """Read `mon-fri 09:00-17:00` as (weekdays, opening, closing); ValueError if unreadable."""
    match = _HOURS.match(text.lower())
    if match is None:
        raise ValueError("must look like mon-fri 09:00-17:00")
    first, last = match["first"], match["last"] or match["first"]
    if first not in _DAYS or last not in _DAYS:
        raise ValueError("days must be mon, tue, wed, thu, fri, sat or sun")
    start, end = _DAYS.index(first), _DAYS.index(last)
    days = frozenset(range(start, end + 1)) if start <= end else frozenset()
    try:
        opens, closes = time.fromisoformat(match["opens"]), time.fromisoformat(match["closes"])
    except ValueError:
        raise ValueError("opening and closing must be times like 09:00") from None
    if not days or closes <= opens:
        raise ValueError("needs at least one day, and closing after opening")
    return days, opens, closes


@cache
def _bank_holidays(region: str | None, year: int) -> frozenset[date]:
    if region is None:
        return frozenset()
    return frozenset(holidays.country_holidays("GB", subdiv=region, years=year))


@dataclass(frozen=True)
class BusinessHours:
    """The hours the team works, in its time zone, less the region's bank holidays."""

    days: frozenset[int] = frozenset(range(5))
    opens: time = time(9)
    closes: time = time(17)
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/London"))
    region: str | None = "ENG"

    def is_working_day(self, day: date) -> bool:
        """Whether the team works on `day`."""
        return day.weekday() in self.days and day not in _bank_holidays(self.region, day.year)

    def _span(self, day: date) -> tuple[datetime, datetime]:
        # Wall-clock times, so a day across a clock change still opens at 09:00 local time.
        return (
            datetime.combine(day, self.opens, tzinfo=self.zone),
            datetime.combine(day, self.closes, tzinfo=self.zone),
        )

    def add(self, start: datetime, hours: float) -> datetime:
        """The moment `hours` working hours after `start` (an aware datetime)."""
        remaining = timedelta(hours=hours)
        local = start.astimezone(self.zone)
        day = local.date()
        for _ in range(3660):  # ten years of days: a target is never that long
            if self.is_working_day(day):
                opens, closes = self._span(day)
                begin = max(local, opens)
                if begin < closes:
                    if begin + remaining <= closes:
                        return begin + remaining
                    remaining -= closes - begin
            day += timedelta(days=1)
            local = datetime.combine(day, time(0), tzinfo=self.zone)
        raise ValueError("no working hours within ten years")


@dataclass(frozen=True)
class DuePolicy:
    """A target per priority and per category; a ticket is due at the sooner of the two."""

    hours: BusinessHours = field(default_factory=BusinessHours)
    by_priority: Mapping[TicketPriority, float] = field(
        default_factory=lambda: dict(DEFAULT_PRIORITY_HOURS)
    )
    by_category: Mapping[TicketCategory, float] = field(
        default_factory=lambda: dict(DEFAULT_CATEGORY_HOURS)
    )

    def target_hours(self, category: TicketCategory, priority: TicketPriority) -> float:
        """Working hours a ticket of this category and priority has before it is due."""
        return min(
            self.by_priority.get(priority, math.inf), self.by_category.get(category, math.inf)
        )

    def due_at(
        self, *, created_at: datetime, category: TicketCategory, priority: TicketPriority
    ) -> datetime | None:
        """When such a ticket opened at `created_at` is due; None when neither has a target."""
        hours = self.target_hours(category, priority)
        return None if math.isinf(hours) else self.hours.add(created_at, hours)


_policy = DuePolicy()


def configure_due_policy(policy: DuePolicy) -> None:
    """Set the process's targets, from its settings, once at start-up."""
    global _policy
    _policy = policy


def current_due_policy() -> DuePolicy:
    """The targets new tickets are given: the defaults until the service configures them."""
    return _policy


def set_due_at(ticket: Ticket, policy: DuePolicy | None = None) -> None:
    """Give the ticket its due time from its creation, category and priority."""
    policy = policy or _policy
    ticket.due_at = policy.due_at(
        created_at=ticket.created_at, category=ticket.category, priority=ticket.priority
    )


def is_overdue(ticket: Ticket | ListedTicket, now: datetime) -> bool:
    """Whether an open ticket has passed its due time."""
    return ticket.status in OPEN_STATUSES and ticket.due_at is not None and ticket.due_at < now
