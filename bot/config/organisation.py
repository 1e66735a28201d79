"""The `organisation` section: its name, time zone and language, and the business hours and
holidays that SLA clocks run by."""

from __future__ import annotations

from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import Field, field_validator, model_validator

from bot.chat.catalogues import refuse_unshipped
from bot.config.base import Strict

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class BusinessHours(Strict):
    days: list[str] = Field(default_factory=lambda: list(_WEEKDAYS[:5]), min_length=1)
    start: time = time(9, 0)
    end: time = time(17, 0)

    @field_validator("days")
    @classmethod
    def _weekdays(cls, days: list[str]) -> list[str]:
        short = []
        for day in days:
            name = day.strip().lower()
            if name not in _WEEKDAYS and name not in _WEEKDAY_NAMES:
                raise ValueError(f"{day!r} is not a weekday (mon..sun)")
            short.append(name[:3])
        return short

    @model_validator(mode="after")
    def _start_before_end(self) -> BusinessHours:
        if self.start >= self.end:
            raise ValueError("start must be before end")
        return self

    @property
    def weekday_numbers(self) -> frozenset[int]:
        return frozenset(_WEEKDAYS.index(day) for day in self.days)


class HolidayCalendar(Strict):
    country: str | None = None
    subdivision: str | None = None
    extra_dates: list[str] = Field(default_factory=list)
    """Company days off as YYYY-MM-DD."""

    @field_validator("extra_dates", mode="before")
    @classmethod
    def _iso_dates(cls, values: Any) -> Any:
        # YAML reads an unquoted 2026-12-24 as a date and a quoted one as text: accept both.
        if not isinstance(values, list):
            return values
        days = []
        for value in values:
            try:
                days.append(date.fromisoformat(str(value)).isoformat())
            except ValueError:
                raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None
        return days

    @model_validator(mode="after")
    def _known_calendar(self) -> HolidayCalendar:
        if self.country is None:
            if self.subdivision is not None:
                raise ValueError("a subdivision needs a country")
            return self
        try:
            holidays.country_holidays(self.country, subdiv=self.subdivision)
        except NotImplementedError as exc:
            raise ValueError(f"unknown holiday calendar: {exc}") from None
        return self


class Organisation(Strict):
    name: str = Field(min_length=1)
    timezone: str = "UTC"
    locale: str = "en"
    business_hours: BusinessHours = Field(default_factory=BusinessHours)
    holidays: HolidayCalendar = Field(default_factory=HolidayCalendar)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone (like Europe/London)") from None
        return value

    @field_validator("locale")
    @classmethod
    def _shipped(cls, value: str) -> str:
        return refuse_unshipped(value)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
