"""Newsletter periods: two months (Jan-Feb, ..., ``2026-B6`` for Nov-Dec) or a quarter
(``2026-Q4``), in the organisation's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from bot.config.newsletter import Every

MONTHS = {"bimonthly": 2, "quarterly": 3}
LETTER = {"bimonthly": "B", "quarterly": "Q"}


@dataclass(frozen=True)
class Period:
    label: str
    starts_at: datetime
    """UTC."""
    ends_at: datetime
    """UTC, exclusive: the next period's start."""


def _start(year: int, month: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(date(year, month, 1), time(0), tzinfo=zone).astimezone(UTC)


def previous_period(now: datetime, every: Every, zone: ZoneInfo) -> Period:
    """The last whole period before `now` (the one a draft made now is about)."""
    months = MONTHS[every]
    local = now.astimezone(zone)
    index = (local.month - 1) // months  # the current period, 0-based within the year
    year, index = (local.year, index - 1) if index else (local.year - 1, 12 // months - 1)
    first_month = index * months + 1
    end_year, end_month = (year + 1, 1) if first_month + months > 12 else (
        year, first_month + months)
    return Period(f"{year}-{LETTER[every]}{index + 1}", _start(year, first_month, zone),
                  _start(end_year, end_month, zone))


def draft_months(every: Every) -> str:
    """The months (cron field) whose first day starts a period, when the last is drafted."""
    return ",".join(str(month) for month in range(1, 13, MONTHS[every]))
