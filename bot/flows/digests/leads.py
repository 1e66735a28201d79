"""``/touchpoint digest [NAME]``: an IT lead sees a digest's current week (or month) so far,
answered privately. Only IT leads and admins may; the check is here, on the server."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Message
from bot.chat.port import Origin
from bot.config import Role
from bot.flows.digests.periods import containing
from bot.flows.digests.posting import compose
from bot.services import Services
from storage.models import Person


async def show_so_far(session: AsyncSession, services: Services, actor: Person,
                      origin: Origin, text: str) -> None:
    app = services.settings.app
    words = text.split()
    name = words[0].lower() if words else None
    digest = next((d for d in app.digests if name in (None, d.name)), None)
    if not Role(actor.role).at_least(Role.IT_LEAD):
        message = Message("digests/problem", {"problem": "not allowed"})
    elif digest is None:
        message = Message("digests/problem", {
            "problem": "unknown digest" if name and app.digests else "no digests",
            "name": name or "",
            "names": [d.name for d in app.digests]})
    else:
        now = services.clock()
        period = containing(digest.schedule.every, now, app.organisation.zone)
        # A private reply shows no image, so the chart is drawn only for posts.
        message = await compose(session, app, digest, period, now, so_far=True)
    await services.chat.reply_privately(origin, message)
