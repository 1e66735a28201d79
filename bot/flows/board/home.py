"""The person's summary: the Slack App Home (published when they open it) and the same card
on ``/touchpoint home`` in either platform.

It shows what is waiting for them (CSAT surveys, NPS pulses), their open complaints, their
kudos points and the allowance left this week, the services whose status updates they follow
with a Follow or Stop following button for each catalogue service (handled by the broadcasts'
subscription flow), and a button that answers with a sign-in link to the board (a link in the
view would expire while the tab stays open); IT staff also see the triage queue and this
week's figures.

The Home tab is published when it is opened, and again (`refresh_home`) after the person's
own subscriptions change or they file a complaint: one views.publish per action of theirs,
far inside Slack's Tier 4 rate (100+ a minute per workspace) for people clicking. Changes
others make (a complaint moved on, kudos received, a survey sent or answered) are noted
(`bot.flows.board.changes`) and published by the `board.home_refresh` job: debounced,
claimed once across replicas, at most `REFRESHES_PER_RUN` every `REFRESH_EVERY_SECONDS`.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Button, Message
from bot.chat.port import Origin
from bot.config import Role
from bot.flows.board.figures import utc_week_start
from bot.flows.board.ids import BOARD_LINK, HOME_FOLLOW, HOME_UNFOLLOW
from bot.flows.kudos.people import week_start, zone_of
from bot.services import Services
from storage import board_stats, csat_stats, home_views
from storage.broadcasts import subscriptions
from storage.complaints import Status, of_complainant, person_by_id
from storage.kudos import balance, given_since
from storage.models import Person
from storage.ticket_stats import compliance

log = logging.getLogger(__name__)

MAX_COMPLAINTS = 10
"""Open complaints listed; a Home tab holds 100 blocks and a message 50."""
REFRESH_EVERY_SECONDS = 15
REFRESHES_PER_RUN = 15
"""60 refreshes a minute at most, for every replica together (the run is claimed once):
views.publish is Tier 4 (100+ a minute per workspace), and the rest is left for tabs being
opened and toggles pressed, which publish at once."""
MAX_TOGGLES = 24
"""Follow buttons shown: an actions block holds 25 elements, one is the board's. Services
past them are followed with ``/touchpoint subscribe``."""


def _pct(share: float | None) -> float | None:
    return None if share is None else round(100 * share, 1)


async def _week_figures(session: AsyncSession, now: datetime) -> dict[str, Any]:
    start = utc_week_start(now)
    [sla] = await compliance(session, opened_from=start, opened_before=now, now=now) or [None]
    [csat] = await csat_stats.csat_figures(session, start, now) or [None]
    assigned, unassigned = await board_stats.triage_queue(session)
    return {"assigned": assigned, "unassigned": unassigned,
            "tickets": sla.tickets if sla else 0,
            "response": _pct(sla.response.compliance) if sla else None,
            "resolution": _pct(sla.resolution.compliance) if sla else None,
            "csat": None if csat is None or csat.csat is None else round(csat.csat, 1)}


async def home_message(session: AsyncSession, services: Services, person: Person) -> Message:
    assert person.id is not None
    now = services.clock()
    allowance = services.settings.app.kudos.weekly_allowance
    used = await given_since(session, person.id, week_start(now, zone_of(person)))
    complaints = [c for c in await of_complainant(session, person.id)
                  if c.status in Status.OPEN][:MAX_COMPLAINTS]
    context = {
        "surveys": await board_stats.pending_surveys(session, person.id, now),
        "pulses": await board_stats.pending_pulses(session, person.id),
        "complaints": [{"number": c.number, "status": c.status,
                        "service": c.service} for c in complaints],
        "balance": await balance(session, person.id),
        "left": max(allowance - used, 0), "allowance": allowance,
        "following": await subscriptions(session, person.id),
        "staff": None,
    }
    if Role(person.role).at_least(Role.IT_STAFF):
        context["staff"] = await _week_figures(session, now)
    # Read only: no transaction is held across the platform's round trip.
    await session.commit()
    sections = ("text", "following", "staff") if context["staff"] else ("text", "following")
    toggles = tuple(Button(HOME_UNFOLLOW, "unfollow_button", service.name)
                    if service.name in context["following"]
                    else Button(HOME_FOLLOW, "follow_button", service.name)
                    for service in services.settings.app.services[:MAX_TOGGLES])
    return Message("board/home", context, sections=sections,
                   buttons=(Button(BOARD_LINK, "board_button", style="primary"), *toggles))


async def publish_home(session: AsyncSession, services: Services, person: Person) -> None:
    """Publish the person's Slack Home tab (views.publish replaces it whole), in their
    language, and note it as current (the caller commits)."""
    assert person.id is not None
    await services.chat.publish_home("slack", person,
                                     await home_message(session, services, person))
    await home_views.published(session, person.id, services.clock())


async def refresh_due_homes(services: Services) -> int:
    """Publish the Home tabs owed a refresh (`bot.flows.board.changes`), at most
    `REFRESHES_PER_RUN` a run, in sessions of its own: claimed first, then published one by
    one; a failed publish is logged and the next change asks again. How many were published."""
    async with services.sessions() as session:
        claimed = await home_views.claim_due(session, services.clock(), REFRESHES_PER_RUN)
        await session.commit()
    published = 0
    for person_id in claimed:
        async with services.sessions() as session:
            person = await person_by_id(session, person_id)
            if person is None or not person.active or person.slack_user_id is None:
                continue
            try:
                await publish_home(session, services, person)
                await session.commit()
                published += 1
            except Exception:  # one person's tab must not hold up the others'
                log.warning("board: the Home tab of person %s was not refreshed", person_id,
                            exc_info=True)
    return published


async def refresh_home(session: AsyncSession, services: Services, person: Person) -> None:
    """Publish the person's Home tab again after a change of theirs (committed first), when
    they are on Slack; a failure is logged, the change stands."""
    if person.slack_user_id is None or "slack" not in services.chat.platforms:
        return
    try:
        await publish_home(session, services, person)
    except Exception:  # the home is a view of the change, not part of it
        log.warning("board: the Home tab of person %s was not republished", person.id,
                    exc_info=True)


async def show_home(session: AsyncSession, services: Services, person: Person,
                    origin: Origin) -> None:
    """The same summary, answered privately as a message or card."""
    await services.chat.reply_privately(origin, await home_message(session, services, person))

