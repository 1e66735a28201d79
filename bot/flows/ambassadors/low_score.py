"""Telling a department's ambassadors of a low CSAT score from one of its people, when the
triage channel is alerted (bot.flows.csat.alerts): by direct message, with what triage sees
(the ticket, the score, the requester and the comment: the CSAT survey is identified), and
brought up to date when the comment comes after the score. Following up stays triage's: the
notice says so and has no buttons."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Message
from bot.flows.ambassadors.ids import low_score_key
from bot.flows.ambassadors.summary import people_of
from bot.services import Services
from storage import csat as csat_store
from storage.csat import SurveyInvitation
from storage.models import Person
from storage.tickets import Ticket


async def _ambassadors(session: AsyncSession, services: Services,
                       invitation: SurveyInvitation) -> tuple[str, Person, list[Person]] | None:
    """(department, requester, their ambassadors) of a survey, when it has any."""
    config = services.settings.app.ambassadors
    requester = (await session.get(Person, invitation.person_id)
                 if invitation.person_id else None)
    if config.segment is None or requester is None:
        return None
    department = requester.segments.get(config.segment)
    selector = config.by_value.get(department or "")
    if department is None or selector is None:
        return None
    # An ambassador's own low score is theirs to raise; they are not told of it.
    people = [p for p in await people_of(session, selector) if p.id != requester.id]
    return department, requester, people


async def _message(session: AsyncSession, invitation: SurveyInvitation, department: str,
                   requester: Person) -> Message:
    ticket = await session.get(Ticket, invitation.ticket_id)
    answer = await csat_store.answer_of(session, invitation.id)
    assert ticket is not None and answer is not None, "told only of stored answers"
    return Message("ambassadors/low_score", {
        "department": department, "number": ticket.external_id, "title": ticket.title,
        "service": ticket.service, "score": answer.score, "comment": answer.comment,
        "requester": {"id": requester.slack_user_id,
                      "name": requester.display_name or requester.email or ""}})


async def tell_ambassadors(session: AsyncSession, services: Services,
                           invitation_id: int) -> int:
    """DM the requester's department's ambassadors of a low score; how many."""
    invitation = await session.get(SurveyInvitation, invitation_id)
    found = await _ambassadors(session, services, invitation) if invitation else None
    if invitation is None or found is None:
        return 0
    department, requester, people = found
    message = await _message(session, invitation, department, requester)
    await services.outbox.send_dms(session, [(person, message,
                                              low_score_key(invitation_id, person.id or 0))
                                             for person in people])
    return len(people)


async def refresh_notices(session: AsyncSession, services: Services,
                          invitation_id: int) -> None:
    """Redraw the ambassadors' notices of a survey (a comment came after the score)."""
    invitation = await session.get(SurveyInvitation, invitation_id)
    found = await _ambassadors(session, services, invitation) if invitation else None
    if invitation is None or found is None:
        return
    department, requester, people = found
    message = await _message(session, invitation, department, requester)
    for person in people:
        await services.outbox.edit(session, low_score_key(invitation_id, person.id or 0),
                                   message)
