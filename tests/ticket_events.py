"""What the ticket intake does about surveys, for tests that write tickets directly: decide
(or withdraw) in a transaction of its own, then act on it as the ticket handler does, and
wait for the background work that starts."""

from __future__ import annotations

from bot.flows.csat.invitations import decide_surveys, withdraw_surveys
from bot.flows.csat.sending import survey_decided, survey_withdrawn
from bot.services import Services
from storage.tickets import Ticket, TicketStatus


async def resolve(services: Services, ticket_id: int, *, wait: bool = True) -> None:
    """The ticket, resolved (again, if it was reopened), has its survey decided and sent."""
    async with services.sessions() as session:
        ticket = await session.get(Ticket, ticket_id)
        if ticket is not None and ticket.status == TicketStatus.OPEN:
            ticket.status, ticket.resolved_at = TicketStatus.RESOLVED, services.clock()
        decided = (await decide_surveys(session, services.settings.app.csat, [ticket],
                                        services.clock()) if ticket is not None else {})
        await session.commit()
    survey_decided(services, decided.get(ticket_id))
    if wait:
        await services.background.drain()


async def reopen(services: Services, ticket_id: int) -> None:
    """The ticket, open again, has its unanswered survey withdrawn and the message updated."""
    async with services.sessions() as session:
        ticket = await session.get(Ticket, ticket_id)
        assert ticket is not None
        ticket.status = TicketStatus.OPEN
        withdrawn = await withdraw_surveys(session, [ticket])
        await session.commit()
    survey_withdrawn(services, withdrawn.get(ticket_id))
    await services.background.drain()
