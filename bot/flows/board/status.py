"""What the board says about right now, kept for seconds rather than the figures' minute
(`figures.FiguresCache.right_now`, `STATUS_SECONDS`; each is one small query): the status
of every service in the catalogue (its open broadcasts, else "operating normally"), the news
headlines (milestones reached and broadcasts resolved lately) and the open improvement plans
with their owners.

Times are shown in the organisation's time zone, named beside them. What people typed
(titles, messages, plan changes) is escaped by the page's templates. The public view takes
the status and the headlines only, with milestones worded without their figures and none
about complaints.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import Services
from storage.board_stats import resolved_broadcasts
from storage.broadcasts import open_broadcasts
from storage.milestones import reached_between
from storage.plans import open_plan_items

MILESTONE_DAYS = 30
RESOLVED_DAYS = 7
PRIVATE_MILESTONES = frozenset({"complaints_zero"})
"""Milestones about complaints: headlines for people signed in, never for the public view."""


def _when(moment: datetime | None, services: Services) -> str | None:
    if moment is None:
        return None
    zone = services.settings.app.organisation.zone
    return f"{moment.astimezone(zone).strftime('%d %b %Y, %H:%M')} ({zone.key})"


async def service_status(session: AsyncSession, services: Services) -> list[dict[str, Any]]:
    """Each catalogue service, in the catalogue's order, with its open broadcasts."""
    shown: dict[str, list[dict[str, Any]]] = {s.name: [] for s in services.settings.app.services}
    for broadcast, _owner in await open_broadcasts(session):
        entry = {"kind": broadcast.kind, "title": broadcast.title,
                 "impact": broadcast.impact, "status": broadcast.status.replace("_", " "),
                 "message": broadcast.message,
                 "updated": _when(broadcast.updated_at, services),
                 "window_start": _when(broadcast.window_start, services),
                 "window_end": _when(broadcast.window_end, services)}
        for name in broadcast.services:
            # A service renamed out of the catalogue since still shows under its old name.
            shown.setdefault(name, []).append(entry)
    return [{"service": name, "broadcasts": entries} for name, entries in shown.items()]


async def news(session: AsyncSession, services: Services, now: datetime, *,
               public: bool) -> dict[str, Any]:
    """Milestones reached in the last `MILESTONE_DAYS` days and broadcasts resolved in the
    last `RESOLVED_DAYS`, newest first."""
    milestones = [{"kind": m.kind, "when": _when(m.reached_at, services), **m.detail}
                  for m in reversed(await reached_between(
                      session, now - timedelta(days=MILESTONE_DAYS), now))
                  if not (public and m.kind in PRIVATE_MILESTONES)]
    resolved = [{"kind": b.kind, "title": b.title, "services": list(b.services),
                 "when": _when(b.resolved_at, services)}
                for b in await resolved_broadcasts(
                    session, now - timedelta(days=RESOLVED_DAYS), now)]
    return {"milestones": milestones, "resolved": resolved, "public": public}


async def plans(session: AsyncSession, services: Services, now: datetime
                ) -> list[dict[str, Any]]:
    """Open improvement plan items, overdue first; owners are IT staff, named."""
    today = now.astimezone(services.settings.app.organisation.zone).date()
    return [{"figure": item.figure.replace("_", " "), "change": item.change,
             "owner": item.owner_name, "due_on": item.due_on.strftime("%d %b %Y"),
             "overdue": item.overdue}
            for item in await open_plan_items(session, today)]


async def right_now(session: AsyncSession, services: Services, now: datetime, *,
                    public: bool) -> dict[str, Any]:
    """The page's fresh part: status and news for everyone, plans for people signed in."""
    return {"service_status": await service_status(session, services),
            "news": await news(session, services, now, public=public),
            "plans": None if public else await plans(session, services, now)}
