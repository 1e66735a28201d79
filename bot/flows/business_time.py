"""Business time: SLA clocks that run only in the organisation's working hours.

A working day is one of the configured weekdays that is neither a public holiday (from the
`holidays` package, for the configured country and region) nor a company day off. Its open
hours are read in the organisation's time zone on that date, so a clock crossing a change of
daylight-saving time still counts real elapsed hours. Every datetime in and out is aware UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import holidays

from bot.config import Organisation

# Far enough for any SLA; it keeps a calendar with no working days from looping forever.
_HORIZON_DAYS = 3 * 366


class BusinessCalendar:
    def __init__(self, zone: ZoneInfo, weekdays: frozenset[int], opens: time, closes: time,
                 country: str | None = None, subdivision: str | None = None,
                 days_off: frozenset[date] = frozenset()):
        self.zone = zone
        self.weekdays = weekdays
        self.opens = opens
        self.closes = closes
        self.country = country
        self.subdivision = subdivision
        self.days_off = days_off

    @classmethod
    def from_config(cls, organisation: Organisation) -> BusinessCalendar:
        hours = organisation.business_hours
        calendar = organisation.holidays
        return cls(organisation.zone, hours.weekday_numbers, hours.start, hours.end,
                   calendar.country, calendar.subdivision,
                   frozenset(date.fromisoformat(day) for day in calendar.extra_dates))

    @cached_property
    def _public_holidays(self) -> holidays.HolidayBase | None:
        if self.country is None:
            return None
        # The calendar fills in each year the first time a date in it is looked up.
        return holidays.country_holidays(self.country, subdiv=self.subdivision)

    def is_working_day(self, day: date) -> bool:
        if day.weekday() not in self.weekdays or day in self.days_off:
            return False
        public = self._public_holidays
        return public is None or day not in public

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(self.zone)
        if not self.is_working_day(local.date()):
            return False
        opens, closes = self._hours_of(local.date())
        return opens <= at < closes

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The moment when `duration` of business time has passed since `start`."""
        remaining = duration
        for opens, closes in self._open_hours_from(start):
            begin = max(opens, start)
            if begin + remaining <= closes:
                return (begin + remaining).astimezone(UTC)
            remaining -= closes - begin
        raise ValueError(f"no working hours within {_HORIZON_DAYS} days of {start.isoformat()}")

    def between(self, start: datetime, end: datetime) -> timedelta:
        """The business time between `start` and `end` (zero when `end` is not later)."""
        elapsed = timedelta(0)
        if end <= start:
            return elapsed
        for opens, closes in self._open_hours_from(start):
            if opens >= end:
                break
            elapsed += min(closes, end) - max(opens, start)
        return elapsed

    def _hours_of(self, day: date) -> tuple[datetime, datetime]:
        opens = datetime.combine(day, self.opens, tzinfo=self.zone).astimezone(UTC)
        closes = datetime.combine(day, self.closes, tzinfo=self.zone).astimezone(UTC)
        return opens, closes

    def _open_hours_from(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Each working day's open hours, in UTC, from the one `start` falls in onwards,
        skipping any that close before `start`."""
        first = start.astimezone(self.zone).date()
        for offset in range(_HORIZON_DAYS):
            day = first + timedelta(days=offset)
            if not self.is_working_day(day):
                continue
            opens, closes = self._hours_of(day)
            if closes > start:
                yield opens, closes
