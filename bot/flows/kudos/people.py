"""How kudos sees a person: their time zone, their kudos week (Monday 00:00 in that zone),
and how messages name them on either platform."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from storage.models import Person


def zone_of(person: Person) -> ZoneInfo:
    try:
        return ZoneInfo(person.tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def week_start(now: datetime, zone: ZoneInfo) -> datetime:
    """Monday 00:00 of `now`'s week in `zone`, as an aware datetime in that zone."""
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday, time(0), tzinfo=zone)


def person_view(person: Person) -> dict[str, Any]:
    """What templates need to name a person on either platform."""
    return {"name": person.display_name or "someone", "slack_id": person.slack_user_id}
