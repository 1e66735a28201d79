"""What the ticket intake does about surveys, for tests that write tickets directly: decide
(or withdraw) in a transaction of its own, the survey's DM recorded in (or withdrawn from) the
outbox in it, then act on it as the ticket handler does; and `delivered`, the wait until the
outbox has sent what is due, with the every-minute run then noting what it did."""

from __future__ import annotations

from sqlmodel import col, select

from bot.flows.csat.sending import (
    send_due_surveys,
    survey_decided,
    survey_resolved_tickets,
    survey_withdrawn,
    withdraw_reopened_tickets,
)
from bot.services import Services
from storage.outbox import CLAIMED, PENDING, OutboxMessage
from storage.tickets import Ticket, TicketStatus
from tests.waiting import PATIENCE_S, eventually


async def resolve(services: Services, ticket_id: int, *, wait: bool = True) -> None:
    """The ticket, resolved (again, if it was reopened), has its survey decided and its DM
    recorded; with `wait`, the requester looked up first if need be."""
    async with services.sessions() as session:
        ticket = await session.get(Ticket, ticket_id)
        if ticket is not None and ticket.status == TicketStatus.OPEN:
            ticket.status, ticket.resolved_at = TicketStatus.RESOLVED, services.clock()
        decided = (await survey_resolved_tickets(session, services, [ticket])
                   if ticket is not None else {})
        await session.commit()
    survey_decided(services, decided.get(ticket_id))
    if wait:
        await services.background.drain()


async def reopen(services: Services, ticket_id: int) -> None:
    """The ticket, open again, has its unanswered survey withdrawn."""
    async with services.sessions() as session:
        ticket = await session.get(Ticket, ticket_id)
        assert ticket is not None
        ticket.status = TicketStatus.OPEN
        withdrawn = await withdraw_reopened_tickets(session, services, [ticket])
        await session.commit()
    survey_withdrawn(services, withdrawn.get(ticket_id))


async def delivered(services: Services, within_s: float = PATIENCE_S) -> None:
    """Wait until the running bot's outbox holds no CSAT message being sent or due now (a
    retry is due only once the test's clock gets there), then run the every-minute job, which
    notes in each invitation what became of its DM."""
    async def idle() -> bool:
        async with services.sessions() as session:
            busy = (await session.exec(select(OutboxMessage.id).where(
                col(OutboxMessage.key).startswith("csat:"),
                (col(OutboxMessage.status) == CLAIMED)
                | ((col(OutboxMessage.status) == PENDING)
                   & (col(OutboxMessage.due_at) <= services.clock()))))).first()
            await session.commit()
        return busy is None

    await services.background.drain()
    await eventually(idle, within_s=within_s)
    await send_due_surveys(services)
