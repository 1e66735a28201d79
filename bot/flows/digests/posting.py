"""Composing a digest and posting it once per period.

`compose` gathers the figures, builds each section the digest lists and draws the chart: the
`Message` that is posted, previewed and shown to an IT lead alike. `send` posts it through the
outbox in the caller's transaction after claiming the (digest, period) row, so a scheduled
run on any replica, a catch-up and `touchpoint digest send` post a period once; `again` posts
it once more on purpose. `send_scheduled` is a digest's claimed run at its time; `catch_up`
runs at start-up and every few minutes after, and posts the latest period of a digest whose
time passed while Touchpoint was down (one post, never the periods before it).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Button, Image, Message
from bot.config import AppConfig
from bot.config.digests import SECTIONS, Digest
from bot.flows.digests.charting import chart_image
from bot.flows.digests.figures import Gathered, gather
from bot.flows.digests.periods import Period, due_period, latest_slot
from bot.flows.digests.sections import BUILDERS, plan_figure
from bot.flows.plans.ids import ADD_BUTTON
from bot.services import Services
from storage import digests as store
from storage.engine import reader_beside

log = logging.getLogger(__name__)

SCHEDULE, CATCH_UP, CLI = "schedule", "catch-up", "cli"


def digest_key(digest: Digest, period: Period, send: int = 1) -> str:
    """The outbox key of a digest's post for a period; a repeat (--again) is numbered."""
    key = f"digest:{digest.name}:{period.name}"
    return key if send == 1 else f"{key}:{send}"


async def compose(session: AsyncSession, app: AppConfig, digest: Digest, period: Period,
                  now: datetime, *, so_far: bool = False) -> Message:
    gathered = await gather(session, app, digest, period, now)
    names = [name for name in SECTIONS if name in digest.sections]
    # The chart needs only the gathered weeks: drawn in its thread while the sections'
    # queries wait on the database (a tenth of a second or more off the digest; README,
    # Sizing). In the organisation's language: the digest goes to a channel, and the chart's
    # words are drawn into the picture.
    sections, image = await asyncio.gather(_sections(gathered, names),
                                           _chart(gathered, app.organisation.locale))
    scope = ", ".join((*gathered.scope.services, *gathered.scope.assignees))
    context = {
        "organisation": app.organisation.name, "title": digest.name,
        "period": {"name": period.name, "kind": period.kind, "first": period.first,
                   "last": period.last_day},
        "scope": scope, "no_tickets": gathered.no_tickets, "so_far": so_far,
        "sections": sections}
    # Pressed by anyone in the channel; the plans flow lets IT leads and admins through.
    buttons = ((Button(ADD_BUTTON, "add_plan", value=plan_figure(sections)),)
               if "plans" in sections else ())
    return Message("digests/digest", context, sections=("text", *names), buttons=buttons,
                   image=image)


async def _sections(g: Gathered, names: list[str]) -> dict[str, dict]:
    """Each section's context. On PostgreSQL two lanes, the digest's session and a second
    one beside it, each taking the next section when it is free (the sections only read,
    and none needs another's figures); on SQLite one after the other."""
    async with reader_beside(g.session) as reader:
        if reader is None:
            return {name: await BUILDERS[name](g) for name in names}
        pending, built = iter(names), {}

        async def lane(on: Gathered) -> None:
            for name in pending:
                built[name] = await BUILDERS[name](on)

        # A task group: when one lane fails, the other is stopped before the reader closes.
        async with asyncio.TaskGroup() as lanes:
            lanes.create_task(lane(g))
            lanes.create_task(lane(replace(g, session=reader)))
        return {name: built[name] for name in names}


async def _chart(g: Gathered, locale: str) -> Image | None:
    return await chart_image(g.period.chart_edges(), g.chart_tickets, g.chart_csat,
                             g.period.zone, g.period.last_day, g.digest.targets, locale)


async def send(session: AsyncSession, services: Services, digest: Digest, period: Period, *,
               by: str, again: bool = False) -> bool:
    """Post the digest for `period` unless it was posted before (or `again`); True when it
    was recorded for posting. The caller commits."""
    now = services.clock()
    if not again and await store.posted(session, digest.name, period.name) is not None:
        log.info("digest %s for %s was posted before; not again", digest.name, period.name)
        return False
    app = services.settings.app
    # Composed before the claim: the figures take a while, and on SQLite the claim's write
    # would hold the database's one write lock meanwhile.
    message = await compose(session, app, digest, period, now)
    if again:
        number = await store.claim_again(session, digest.name, period.name, now, by)
    elif await store.claim(session, digest.name, period.name, now, by):
        number = 1
    else:
        log.info("digest %s for %s was posted meanwhile; not again", digest.name, period.name)
        return False
    await services.outbox.post(session, app.digest_channel(digest), message,
                               key=digest_key(digest, period, number))
    log.info("digest %s for %s recorded for posting (%s)", digest.name, period.name, by)
    return True


async def send_scheduled(session: AsyncSession, services: Services, name: str,
                         slot: datetime) -> bool:
    """A digest's claimed run at its scheduled time: the last whole period before it."""
    app = services.settings.app
    digest = next(d for d in app.digests if d.name == name)
    period = due_period(digest, slot, app.organisation.zone)
    return await send(session, services, digest, period, by=SCHEDULE)


async def catch_up(services: Services) -> list[str]:
    """Post each digest's latest due period if it is not out yet (Touchpoint was down at its
    time, or the run failed); the periods before it stay unposted. One transaction per
    digest. The digests posted, as ``name period``."""
    app = services.settings.app
    zone = app.organisation.zone
    now = services.clock()
    posted = []
    for digest in app.digests:
        period = due_period(digest, latest_slot(digest, now, zone), zone)
        async with services.sessions() as session:
            if await send(session, services, digest, period, by=CATCH_UP):
                posted.append(f"{digest.name} {period.name}")
            await session.commit()
    return posted
