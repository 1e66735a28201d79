"""The daily milestone check: each milestone reached and not celebrated before is recorded
(a unique row) and posted in channels.digests and on channels.kudos_wall, in one
transaction. A second replica, a rerun or tomorrow's check finds the row and posts nothing."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Message
from bot.flows.milestones.reached import reached
from bot.services import Services
from storage.milestones import record_once

log = logging.getLogger(__name__)


async def milestones_check(session: AsyncSession, services: Services,
                           now: datetime) -> list[str]:
    """Celebrate what the figures have newly reached as of `now`; the keys celebrated."""
    app = services.settings.app
    celebrated = []
    for milestone in await reached(session, app, now):
        if not await record_once(session, key=milestone.key, kind=milestone.kind,
                                 reached_at=now, detail=milestone.detail):
            continue
        message = Message("milestones/reached", {"kind": milestone.kind, **milestone.detail,
                                                 "organisation": app.organisation.name})
        await services.outbox.post(session, app.channels.digests, message,
                                   key=f"milestone:{milestone.key}:digest")
        if app.milestones.post_to_wall:
            await services.outbox.post(session, app.channels.kudos_wall, message,
                                       key=f"milestone:{milestone.key}:wall")
        log.info("milestone %s celebrated", milestone.key)
        celebrated.append(milestone.key)
    return celebrated
