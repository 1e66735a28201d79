"""Surveys held during an incident (``broadcasts: hold_surveys``): a ticket resolved while an
open incident affects its service is not asked about yet (its answer would rate the outage,
not the ticket), nor dropped. Its invitation is recorded as held in the resolution's
transaction, and decided once no open incident affects the service any more, by
`bot.flows.csat.sending.release_held_surveys`: in the transaction that resolves the incident,
and every minute for what that one could not see (a ticket resolved by another replica at
the same moment, a service taken off an open incident, the setting turned off).

Planned maintenance holds nothing: it was announced ahead, and a ticket resolved during it
is judged on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.flows.csat import invitations
from bot.flows.csat.invitations import Decisions, Invited
from bot.services import Services
from storage import broadcasts
from storage import csat as store
from storage.tickets import Ticket

RELEASE_BATCH = 200
"""Held invitations released per transaction; the every-minute run takes the rest."""


async def _affected(session: AsyncSession, services: Services) -> set[str]:
    """The services whose surveys are held now: none when holding is off."""
    if not services.settings.app.broadcasts.hold_surveys:
        return set()
    return await broadcasts.open_incident_services(session)


async def hold(session: AsyncSession, services: Services, tickets: Sequence[Ticket]
               ) -> tuple[Decisions, list[Ticket]]:
    """Hold the surveys of those of `tickets` (resolved in this transaction) whose service
    an open incident affects; (their decisions, the tickets not held)."""
    if not tickets or not services.settings.app.csat.enabled:
        return {}, list(tickets)
    affected = await _affected(session, services)
    held = {ticket.id: ticket for ticket in tickets if ticket.service in affected}
    if not held:
        return {}, list(tickets)
    decided = await invitations.hold_surveys(session, list(held.values()), services.clock())
    return decided, [ticket for ticket in tickets if ticket.id not in held]


async def releasable(session: AsyncSession, services: Services, look_up_lease: timedelta
                     ) -> list[Invited]:
    """Decide held invitations no open incident covers any more (up to `RELEASE_BATCH`), as
    a resolution now would; those released by this call. A requester to be looked up is
    claimed as if longer ago than `look_up_lease`, so the every-minute run looks at once (no
    chat platform is asked inside the caller's transaction)."""
    held = await store.held(session, await _affected(session, services), RELEASE_BATCH)
    if not held:
        return []
    now = services.clock()
    return await invitations.release_held(session, services.settings.app.csat, held, now,
                                          now - 2 * look_up_lease)
