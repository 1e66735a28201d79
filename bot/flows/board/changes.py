"""Something of a person's changed (a complaint of theirs moved on, kudos arrived, a survey
was sent to them or they answered one): their Slack Home tab, if they have one, is owed a
refresh. Recorded in the transaction of the change, published later by
`bot.flows.board.home.refresh_due_homes`, debounced: the changes of the next
`DEBOUNCE_SECONDS` are shown by the same publish."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import Services
from storage import home_views

DEBOUNCE_SECONDS = 10


async def home_changed(session: AsyncSession, services: Services,
                       person_ids: Iterable[int | None]) -> None:
    ids = {person_id for person_id in person_ids if person_id is not None}
    await home_views.request_refresh(
        session, ids, services.clock() + timedelta(seconds=DEBOUNCE_SECONDS))
