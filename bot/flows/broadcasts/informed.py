"""A subscriber's answer to "how well were you kept informed?", asked once a broadcast is
resolved (`notify.announce`, when `broadcasts.informed_survey` is on). The first answer
stands; the question then shows it instead of its buttons. Only someone who follows one of
the broadcast's services may answer; to anyone else it looks like no broadcast at all."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.port import Origin
from bot.flows.broadcasts import cards
from bot.flows.broadcasts.answers import refuse, tell
from bot.flows.broadcasts.notify import informed_key
from bot.services import Services
from storage import broadcasts as store
from storage.models import Person


async def broadcast_rate(session: AsyncSession, services: Services, actor: Person,
                         origin: Origin, value: str) -> None:
    """`value` is the button's: "{broadcast id}:{score}"."""
    raw_id, _, raw_score = value.partition(":")
    if not raw_id.isdigit() or raw_score not in {str(n) for n in cards.SCORES}:
        await refuse(session, services, origin, "form_invalid")
        return
    broadcast = await store.by_id(session, int(raw_id))
    assert actor.id is not None
    if broadcast is None or not await store.is_subscriber(session, actor.id,
                                                          broadcast.services):
        await refuse(session, services, origin, "not_found")
        return
    score = int(raw_score)
    if not await store.rate(session, int(raw_id), actor.id, score, services.clock()):
        await tell(session, services, origin, "already_rated", title=broadcast.title)
        return
    owner = await session.get(Person, broadcast.owner_id)
    assert owner is not None
    context = cards.broadcast_context(broadcast, owner, [], tz=actor.tz)
    await services.outbox.edit(session, informed_key(int(raw_id), actor.id),
                               cards.informed_question(context, score=score))
