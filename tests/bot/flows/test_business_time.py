"""Business time across weekends, holidays, time zones and changes of daylight-saving time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import Organisation
from bot.flows.business_time import BusinessCalendar

LONDON = ZoneInfo("Europe/London")
WEEKDAYS = frozenset(range(5))


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON).astimezone(UTC)


@pytest.fixture(scope="module")
def calendar() -> BusinessCalendar:
    """09:00-17:00 Monday to Friday in London, English holidays, 24 December off."""
    return BusinessCalendar.from_config(Organisation.model_validate({
        "name": "IT", "timezone": "Europe/London",
        "business_hours": {"days": ["mon", "tue", "wed", "thu", "fri"],
                           "start": "09:00", "end": "17:00"},
        "holidays": {"country": "GB", "subdivision": "ENG", "extra_dates": ["2026-12-24"]},
    }))


def test_hours_inside_one_day(calendar):
    # Tuesday 10 November 2026, 10:00 + 4h.
    assert calendar.add(london(2026, 11, 10, 10), timedelta(hours=4)) == london(2026, 11, 10, 14)


def test_a_clock_started_after_hours_starts_next_morning(calendar):
    assert calendar.add(london(2026, 11, 10, 18), timedelta(hours=1)) == london(2026, 11, 11, 10)
    assert calendar.add(london(2026, 11, 10, 6), timedelta(hours=1)) == london(2026, 11, 10, 10)


def test_the_weekend_does_not_count(calendar):
    friday_four = london(2026, 11, 13, 16)
    assert calendar.add(friday_four, timedelta(hours=3)) == london(2026, 11, 16, 11)
    assert calendar.between(friday_four, london(2026, 11, 16, 11)) == timedelta(hours=3)


def test_public_holidays_and_company_days_off_do_not_count(calendar):
    # Wed 23 Dec 16:00; 24 Dec is a company day off, 25 and 28 Dec (Boxing Day observed) are
    # English bank holidays, 26-27 Dec a weekend: the next working hour is Tue 29 Dec.
    start = london(2026, 12, 23, 16)
    assert calendar.add(start, timedelta(hours=2)) == london(2026, 12, 29, 10)
    assert not calendar.is_open(london(2026, 12, 24, 11))
    assert not calendar.is_open(london(2026, 12, 25, 11))
    assert calendar.is_open(london(2026, 12, 29, 11))


def test_between_counts_only_open_hours(calendar):
    assert calendar.between(london(2026, 11, 9, 8), london(2026, 11, 13, 18)) == timedelta(
        hours=40)
    assert calendar.between(london(2026, 11, 10, 12), london(2026, 11, 10, 11)) == timedelta(0)


def test_open_hours_follow_the_local_clock_in_summer_and_winter(calendar):
    # 09:00 London is 08:00 UTC in summer and 09:00 UTC in winter.
    assert calendar.is_open(datetime(2026, 7, 7, 8, 30, tzinfo=UTC))
    assert not calendar.is_open(datetime(2026, 12, 8, 8, 30, tzinfo=UTC))


def test_a_night_shift_over_the_spring_change_has_one_hour_less():
    # On 29 March 2026 London's clocks jump from 01:00 to 02:00: 00:30-03:30 local is 2 hours.
    night = BusinessCalendar(LONDON, frozenset(range(7)), time(0, 30), time(3, 30))
    opens, closes = london(2026, 3, 29, 0, 30), london(2026, 3, 29, 3, 30)
    assert night.between(opens, closes) == timedelta(hours=2)
    assert night.add(opens, timedelta(hours=2, minutes=30)) == london(2026, 3, 30, 1)


def test_a_night_shift_over_the_autumn_change_has_one_hour_more():
    night = BusinessCalendar(LONDON, frozenset(range(7)), time(0, 30), time(3, 30))
    assert night.between(london(2026, 10, 25, 0, 30), london(2026, 10, 25, 3, 30)) == timedelta(
        hours=4)


def test_another_time_zone_sees_its_own_hours():
    new_york = BusinessCalendar(ZoneInfo("America/New_York"), WEEKDAYS, time(9), time(17),
                                country="US")
    # 14:00 UTC on Thu 26 Nov 2026 is 09:00 in New York on Thanksgiving: closed.
    assert not new_york.is_open(datetime(2026, 11, 26, 14, 30, tzinfo=UTC))
    assert new_york.is_open(datetime(2026, 11, 27, 14, 30, tzinfo=UTC))


def test_a_calendar_with_no_working_hours_says_so():
    closed = BusinessCalendar(LONDON, WEEKDAYS, time(9), time(17),
                              days_off=frozenset(date(2026, 1, 1) + timedelta(days=n)
                                                 for n in range(4000)))
    with pytest.raises(ValueError, match="no working hours"):
        closed.add(london(2026, 1, 1, 9), timedelta(hours=1))


moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31),
                       timezones=st.just(UTC))
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=200))


@given(start=moments, duration=durations)
def test_adding_then_measuring_gives_the_duration_back(calendar, start, duration):
    deadline = calendar.add(start, duration)
    assert deadline >= start
    assert calendar.between(start, deadline) == duration


@given(start=moments, first=durations, second=durations)
def test_adding_in_two_steps_is_adding_once(calendar, start, first, second):
    assert calendar.add(calendar.add(start, first), second) == calendar.add(start,
                                                                           first + second)
