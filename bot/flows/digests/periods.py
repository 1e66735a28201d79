"""Digest periods: ISO weeks (``2026-W48``) and calendar months (``2026-11``) in the
organisation's time zone, their edges as UTC instants, and which period a digest's schedule
posts at a given moment (the last whole period before its latest slot).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.config.digests import DAYS, Digest

WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
TREND_WEEKS = 12


class BadPeriod(ValueError):
    """A period name that is not a week (2026-W48) or a month (2026-11)."""


@dataclass(frozen=True)
class Period:
    kind: str
    """``week`` or ``month``."""
    first: date
    """Its first day (a Monday, or the 1st)."""
    zone: ZoneInfo

    @property
    def name(self) -> str:
        if self.kind == "week":
            year, week, _ = self.first.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.first:%Y-%m}"

    @property
    def after(self) -> date:
        """The first day after it."""
        if self.kind == "week":
            return self.first + timedelta(days=7)
        return _add_months(self.first, 1)

    @property
    def start(self) -> datetime:
        return midnight(self.first, self.zone)

    @property
    def end(self) -> datetime:
        return midnight(self.after, self.zone)

    @property
    def last_day(self) -> date:
        return self.after - timedelta(days=1)

    def previous(self) -> Period:
        if self.kind == "week":
            return Period("week", self.first - timedelta(days=7), self.zone)
        return Period("month", _add_months(self.first, -1), self.zone)

    def week_edges(self, weeks: int = TREND_WEEKS) -> list[datetime]:
        """The edges of the `weeks` weeks before the period, then the period's end: the
        baseline weeks and the period itself as the last bucket."""
        return [midnight(self.first - timedelta(days=7 * n), self.zone)
                for n in range(weeks, -1, -1)] + [self.end]

    def chart_edges(self, weeks: int = TREND_WEEKS) -> list[datetime]:
        """The edges of the `weeks` weeks ending with the period's end."""
        return [midnight(self.after - timedelta(days=7 * n), self.zone)
                for n in range(weeks, -1, -1)]


def midnight(day: date, zone: ZoneInfo) -> datetime:
    """The organisation's midnight starting `day`, in UTC (DST-aware)."""
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def parse(name: str, zone: ZoneInfo) -> Period:
    """``2026-W48`` or ``2026-11``; BadPeriod for anything else."""
    text = name.strip()
    if match := WEEK.fullmatch(text):
        try:
            return Period("week", date.fromisocalendar(int(match[1]), int(match[2]), 1), zone)
        except ValueError:
            raise BadPeriod(f"{name!r}: no such ISO week") from None
    if (match := MONTH.fullmatch(text)) and 1 <= int(match[2]) <= 12:
        return Period("month", date(int(match[1]), int(match[2]), 1), zone)
    raise BadPeriod(f"{name!r} is not a week like 2026-W48 or a month like 2026-11")


def containing(kind: str, at: datetime, zone: ZoneInfo) -> Period:
    """The week or month that `at` falls in, in the organisation's zone."""
    day = at.astimezone(zone).date()
    if kind == "week":
        return Period("week", day - timedelta(days=day.weekday()), zone)
    return Period("month", day.replace(day=1), zone)


def latest_slot(digest: Digest, now: datetime, zone: ZoneInfo) -> datetime:
    """The digest's latest scheduled time at or before `now`."""
    local = now.astimezone(zone)
    schedule = digest.schedule
    if schedule.every == "week":
        day = local.date() - timedelta(days=(local.weekday() - DAYS.index(schedule.day)) % 7)
        slot = datetime.combine(day, schedule.time, zone)
        return slot if slot <= local else slot - timedelta(days=7)
    day = local.date().replace(day=schedule.day_of_month)
    slot = datetime.combine(day, schedule.time, zone)
    if slot > local:
        slot = datetime.combine(_add_months(day, -1).replace(day=schedule.day_of_month),
                                schedule.time, zone)
    return slot


def due_period(digest: Digest, slot: datetime, zone: ZoneInfo) -> Period:
    """The period a digest posts at its slot: the last whole week or month before it."""
    return containing(digest.schedule.every, slot, zone).previous()
