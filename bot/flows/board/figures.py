"""What the bulletin board shows a reader, decided here on the server by their role.

Everyone signed in sees the organisation's figures (SLA compliance, CSAT, the latest NPS,
complaint statistics with no name in them, the kudos winners and stories) and their own
complaints, never anyone else's. IT leads and admins also see the figures per assignee and
per team. The public view (app.yaml ``board.public``) shows the status of services and the
headlines only (`bot.flows.board.status`). Weeks are ISO
weeks in UTC, as in the digest's figures.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Role
from bot.flows.board.status import right_now
from bot.flows.pulses.results import language_counts
from bot.services import Services
from storage import board_stats, complaint_stats, csat_stats, kudos_stats, pulse_stats
from storage.complaints import of_complainant
from storage.digest_stats import Scope, opened_weeks
from storage.models import Person
from storage.ticket_stats import compliance

WEEKS = 12
HEADLINE_DAYS = 30
CSAT_BANDS = (80, 90)
"""CSAT under 80% is poor, 80-90% good, 90% and over excellent."""


@dataclass(frozen=True)
class Point:
    label: str
    value: float | None
    """A percentage, None when there is nothing to count that week."""


def _pct(share: float | None) -> float | None:
    return None if share is None else round(100 * share, 1)


def _share(met: int, breached: int) -> float | None:
    """Met as a percentage of the tickets decided (met or breached), as `compliance` counts."""
    return _pct(met / (met + breached)) if met + breached else None


def _hours(duration: timedelta) -> float:
    return round(duration.total_seconds() / 3600, 1)


def utc_week_start(now: datetime) -> datetime:
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def _month_start(now: datetime) -> datetime:
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def may_see_breakdowns(person: Person) -> bool:
    return Role(person.role).at_least(Role.IT_LEAD)


async def headlines(session: AsyncSession, now: datetime) -> dict[str, Any]:
    """Good news: the newest public kudos stories of the last `HEADLINE_DAYS` days (the
    milestones and resolved broadcasts beside them are `status.news`, read fresh)."""
    stories = await kudos_stats.recent_stories(session, now - timedelta(days=HEADLINE_DAYS),
                                               now, limit=5)
    return {"stories": stories}


async def _sla(session: AsyncSession, services: Services, start: datetime,
               now: datetime) -> dict[str, Any]:
    targets = services.settings.app.tickets.sla
    per_priority = await compliance(session, opened_from=start, opened_before=now, now=now,
                                    by="priority")
    # The 12 weeks in one statement per figure (the digest's: a UNION ALL of one range each).
    edges = [start + timedelta(weeks=week) for week in range(WEEKS)] + [now]
    trend_response, trend_resolution = [], []
    for since, week in zip(edges, await opened_weeks(session, edges, now, Scope()),
                           strict=False):
        label = since.strftime("%d %b")
        trend_response.append(Point(label, _share(week.response_met,
                                                  week.response_breached)))
        trend_resolution.append(Point(label, _share(week.resolution_met,
                                                    week.resolution_breached)))
    rows = []
    for row in per_priority:
        target = targets.get(row.group or "")
        rows.append({"priority": row.group or "", "tickets": row.tickets,
                     "response": _pct(row.response.compliance),
                     "resolution": _pct(row.resolution.compliance),
                     # Business hours allowed, as app.yaml sets them.
                     "response_hours": _hours(target.first_response) if target else None,
                     "resolution_hours": _hours(target.resolution) if target else None})
    return {"rows": rows, "goal": services.settings.app.board.sla_goal,
            "response": trend_response, "resolution": trend_resolution}


async def _csat(session: AsyncSession, start: datetime, now: datetime) -> dict[str, Any]:
    weeks = {row.group: row for row in await csat_stats.csat_figures(session, start, now,
                                                                     by="week")}
    trend = []
    for week in range(WEEKS):
        since = start + timedelta(weeks=week)
        row = weeks.get(since.strftime("%Y-%m-%d"))
        csat = row.csat if row else None
        trend.append(Point(since.strftime("%d %b"),
                           None if csat is None else round(csat, 1)))
    # Pooled in the trend; said per language only when there were several.
    return {"trend": trend, "bands": CSAT_BANDS,
            "languages": language_counts(await csat_stats.answers_by_language(session, start,
                                                                              now))}


async def _nps(session: AsyncSession) -> dict[str, Any] | None:
    campaign = await board_stats.latest_closed_pulse(session)
    if campaign is None or campaign.id is None:
        return None
    tally = await pulse_stats.tally(session, campaign.id)
    # K-anonymity as in the pulse results: too few answers show no score at all.
    shown = tally.answers >= campaign.min_group
    return {"name": campaign.name, "answers": tally.answers, "min_group": campaign.min_group,
            "nps": tally.nps if shown else None, "shown": shown}


async def _complaints(session: AsyncSession, start: datetime,
                      now: datetime) -> dict[str, Any]:
    [overall] = await complaint_stats.complaint_stats(session, start, now, now) or [None]
    return {"overall": overall,
            "categories": await complaint_stats.complaint_stats(session, start, now, now,
                                                                by="category"),
            "root_causes": await board_stats.root_causes(session, start, now)}


async def _winners(session: AsyncSession, now: datetime) -> dict[str, Any]:
    month = _month_start(now)
    last_month = _month_start(month - timedelta(days=1))
    star = await kudos_stats.top_recipients(session, last_month, month, limit=1)
    return {"leaderboard": await kudos_stats.top_recipients(session, month, now, limit=5),
            "star": star[0] if star else None, "star_month": last_month.strftime("%B %Y")}


async def _breakdowns(session: AsyncSession, services: Services, start: datetime,
                      now: datetime) -> dict[str, Any]:
    assignees = await compliance(session, opened_from=start, opened_before=now, now=now,
                                 by="assignee")
    csat = {row.group: row for row in await csat_stats.csat_figures(session, start, now,
                                                                    by="assignee")}
    rows = []
    for row in assignees:
        figures = csat.get(row.group)
        rows.append({"assignee": row.group or "", "tickets": row.tickets,
                     "response": _pct(row.response.compliance),
                     "resolution": _pct(row.resolution.compliance),
                     "csat": None if figures is None or figures.csat is None
                     else round(figures.csat, 1)})
    teams = {segment: await kudos_stats.received_by_segment(session, segment, start, now)
             for segment in services.settings.app.segments}
    return {"assignees": rows, "teams": teams}


STATUS_SECONDS = 10
"""How long the status, news and plans are kept (at most `board.cache_seconds`): a crowd
reading the board costs four small queries per page otherwise."""


class FiguresCache:
    """The organisation's figures, kept for `board.cache_seconds` by the service clock: they
    cost a scan of the period's tickets (about a second for 100,000 on SQLite), and readers
    come in crowds. One copy for everyone and one with the breakdowns; each replica keeps its
    own, so a figure is at most that many seconds old. The status of services, the news and
    the plans are kept `STATUS_SECONDS` at most, one copy signed in and one public. A
    reader's own complaints are never cached."""

    def __init__(self, seconds: int):
        self.lifetime = timedelta(seconds=seconds)
        self.status_lifetime = timedelta(seconds=min(seconds, STATUS_SECONDS))
        self._kept: dict[tuple[str, bool], tuple[datetime, dict[str, Any]]] = {}
        # One count at a time per copy: a crowd arriving together waits for it, not runs it.
        self._counting: dict[tuple[str, bool], asyncio.Lock] = {}

    async def _kept_for(self, key: tuple[str, bool], lifetime: timedelta, now: datetime,
                        count: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
        async with self._counting.setdefault(key, asyncio.Lock()):
            kept = self._kept.get(key)
            if kept is not None and now - kept[0] < lifetime:
                return kept[1]
            figures = await count()
            if lifetime:
                self._kept[key] = (now, figures)
            return figures

    async def figures(self, session: AsyncSession, services: Services, now: datetime,
                      breakdowns: bool) -> dict[str, Any]:
        return await self._kept_for(
            ("figures", breakdowns), self.lifetime, now,
            lambda: organisation_figures(session, services, now, breakdowns))

    async def right_now(self, session: AsyncSession, services: Services, now: datetime,
                        public: bool) -> dict[str, Any]:
        return await self._kept_for(
            ("status", public), self.status_lifetime, now,
            lambda: right_now(session, services, now, public=public))


async def organisation_figures(session: AsyncSession, services: Services, now: datetime,
                               breakdowns: bool) -> dict[str, Any]:
    """What every signed-in reader sees, and with `breakdowns` what IT leads see too."""
    start = utc_week_start(now) - timedelta(weeks=WEEKS - 1)
    return {
        "weeks": WEEKS, "since": start, "now": now,
        **await headlines(session, now),
        "sla": await _sla(session, services, start, now),
        "csat": await _csat(session, start, now),
        "nps": await _nps(session),
        "complaints": await _complaints(session, start, now),
        "winners": await _winners(session, now),
        "breakdowns": await _breakdowns(session, services, start, now) if breakdowns else None,
    }


async def board_view(session: AsyncSession, services: Services, viewer: Person,
                     now: datetime, cache: FiguresCache) -> dict[str, Any]:
    """Everything the signed-in `viewer` may read on the board, and nothing more."""
    assert viewer.id is not None
    return {**await cache.figures(session, services, now, may_see_breakdowns(viewer)),
            **await cache.right_now(session, services, now, public=False),
            "viewer": viewer.display_name, "role": viewer.role,
            "my_complaints": await of_complainant(session, viewer.id)}
