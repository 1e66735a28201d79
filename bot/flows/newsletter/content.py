"""What a newsletter says, gathered once when it is drafted and kept with the issue as JSON:
the period's figures, public kudos stories, the complaints resolved that their resolver let
the newsletter tell (what changed, never who), the milestones reached, the open
improvement plan items (what will change and when, without owners' names) and the digest's
chart of the period's weeks (CSAT % and SLA met % against the 80/90 bands), kept as
`Image.to_dict()` under ``chart`` (None when no week has a figure). The issue is written in
the organisation's language at drafting (``locale``), as its chart's words are drawn then."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config.app import AppConfig
from bot.config.digests import DigestTargets
from bot.flows.digests.charting import span_chart
from bot.flows.newsletter.periods import Period
from storage.complaint_stats import complaint_stats
from storage.csat_stats import csat_figures
from storage.kudos_stats import most_reacted_stories, recent_stories, vouchers_given
from storage.milestones import reached_between
from storage.newsletter import shared_changes
from storage.plans import open_plan_items
from storage.ticket_stats import compliance


async def _stories(session: AsyncSession, period: Period, count: int) -> list[dict[str, Any]]:
    """The stories people reacted to most, topped up with the newest."""
    if not count:
        return []
    stories = await most_reacted_stories(session, period.starts_at, period.ends_at,
                                         limit=count)
    codes = {story.code for story in stories}
    stories += [story for story in await recent_stories(session, period.starts_at,
                                                        period.ends_at, limit=count)
                if story.code not in codes][: count - len(stories)]
    return [{"story": story.story, "recipients": story.recipients, "value": story.value}
            for story in stories]


async def gather(session: AsyncSession, app: AppConfig, period: Period,
                 now: datetime) -> dict[str, Any]:
    start, end = period.starts_at, period.ends_at
    [csat] = await csat_figures(session, start, end)
    tickets = await compliance(session, opened_from=start, opened_before=end, now=now)
    resolution = tickets[0].resolution.compliance if tickets else None
    complaints = await complaint_stats(session, start, end, now)
    last_day = (end - timedelta(seconds=1)).astimezone(app.organisation.zone).date()
    locale = app.organisation.locale
    chart = await span_chart(session, start, end, now, app.organisation.zone, DigestTargets(),
                             locale)
    return {
        "locale": locale,
        "period": period.label,
        "first_day": start.astimezone(app.organisation.zone).date().isoformat(),
        "last_day": last_day.isoformat(),
        "csat": round(csat.csat, 1) if csat.csat is not None else None,
        "answers": csat.answered,
        "tickets": tickets[0].tickets if tickets else 0,
        "sla_met": round(100 * resolution, 1) if resolution is not None else None,
        "complaints_resolved": complaints[0].resolved if complaints else 0,
        "kudos": await vouchers_given(session, start, end),
        "stories": await _stories(session, period, app.newsletter.stories),
        "changes": [{"service": c.service, "category": c.category,
                     "what_changed": c.what_changed}
                    for c in await shared_changes(session, start, end)],
        "milestones": [{"kind": m.kind, **m.detail}
                       for m in await reached_between(session, start, end)],
        "plans": [{"figure": item.figure, "change": item.change,
                   "due_on": item.due_on.isoformat(), "overdue": item.overdue}
                  for item in await open_plan_items(session, last_day + timedelta(days=1))],
        "chart": chart.to_dict() if chart is not None else None,
    }
