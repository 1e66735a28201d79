"""The kudos leaderboard: ``/kudos leaderboard [week|month|quarter|year] [team]``.

The period is the week (from Monday), month, quarter or year the reader is in, in their own
time zone. A team is a value of one of app.yaml's
segments (``Finance``); without one the board also counts vouchers per team of the first
segment. Every figure comes from storage.kudos_stats, counted in SQL.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Message
from bot.chat.port import Origin
from bot.config import AppConfig
from bot.flows.kudos.people import week_start, zone_of
from bot.services import Services
from storage import kudos_stats
from storage.models import Person

PERIODS = ("week", "month", "quarter", "year")


def period_bounds(period: str, now: datetime, person: Person) -> tuple[datetime, datetime]:
    """[start, end) of the week, month, quarter or year `now` is in, in the person's zone."""
    zone = zone_of(person)
    if period == "week":
        start = week_start(now, zone)
        return start, start + timedelta(days=7)
    local = now.astimezone(zone)
    months = {"month": 1, "quarter": 3, "year": 12}[period]
    first = (local.month - 1) // months * months + 1
    start = datetime(local.year, first, 1, tzinfo=zone)
    after = first - 1 + months
    return start, datetime(local.year + after // 12, after % 12 + 1, 1, tzinfo=zone)


def find_team(app: AppConfig, name: str) -> kudos_stats.Segment | None:
    wanted = name.strip().casefold()
    for segment, values in app.segments.items():
        for value in values:
            if value.casefold() == wanted:
                return segment, value
    return None


def _ranked(rows: list[kudos_stats.Ranked]) -> list[dict]:
    return [{"name": row.name or "someone", "slack_id": row.slack_id, "count": row.count}
            for row in rows]


async def show_leaderboard(session: AsyncSession, services: Services, person: Person,
                           origin: Origin, text: str) -> None:
    """The board for the period and team `text` names (``week finance``; the month and
    everyone without)."""
    app = services.settings.app
    words = text.split(maxsplit=1)
    period = "month"
    if words and words[0].lower() in PERIODS:
        period = words.pop(0).lower()
    team_name = " ".join(words).strip()
    team = find_team(app, team_name) if team_name else None
    if team_name and team is None:
        await services.chat.reply_privately(origin, Message("kudos/leaderboard", {
            "unknown_team": team_name,
            "teams": [value for values in app.segments.values() for value in values]}))
        return
    since, until = period_bounds(period, services.clock(), person)
    recipients = await kudos_stats.top_recipients(session, since, until, segment=team)
    givers = await kudos_stats.top_givers(session, since, until, segment=team)
    total = await kudos_stats.vouchers_given(session, since, until, segment=team)
    by_team: list[tuple[str, int]] = []
    if team is None and app.segments:
        by_team = await kudos_stats.received_by_segment(session, next(iter(app.segments)),
                                                        since, until)
    # Read only: no transaction is held across the answer's round trip.
    await session.commit()
    await services.chat.reply_privately(origin, Message("kudos/leaderboard", {
        "unknown_team": None, "period": period, "since": since, "tz": str(zone_of(person)),
        "team": team[1] if team else None, "total": total,
        "recipients": _ranked(recipients), "givers": _ranked(givers), "by_team": by_team}))
