"""Low CSAT scores: the alert in the triage channel (at or below `csat.low_score`), with the
ticket, requester, assignee, service, score and comment; "Reach out", with which IT staff take
the follow-up on (the first to press owns it, the alert says who, and the requester is told
someone will be in touch); and the alert redrawn whenever what it shows changes. The alert is
one outbox key (`storage.csat.alert_key`) posted to every platform the triage channel is on,
so a redraw updates each copy."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Button, Message
from bot.chat.port import Origin
from bot.config import Role
from bot.flows.csat import ids
from bot.flows.csat.survey import load_survey, notice
from bot.services import Services
from storage import audit
from storage import csat as store
from storage import csat_links as links
from storage.csat import SurveyFollowUp, SurveyInvitation, alert_key, follow_up_key
from storage.models import Person
from storage.once import insert_once
from storage.tickets import Ticket


async def post_alert(session: AsyncSession, services: Services, invitation_id: int) -> None:
    """Post the low-score alert of a stored answer to the triage channel."""
    await services.outbox.post(session, services.settings.app.channels.triage,
                               await alert_message(session, services, invitation_id),
                               key=alert_key(invitation_id))


async def reach_out(session: AsyncSession, services: Services, actor: Person, origin: Origin,
                    invitation_id: int | None) -> None:
    """"Reach out" on an alert: IT staff take the follow-up on (the first one to click owns
    it); the alert shows who, and the requester is told someone will be in touch."""
    if not Role(actor.role).at_least(Role.IT_STAFF):
        await notice(session, services, origin, "not_staff")
        return
    survey = await load_survey(session, invitation_id)
    if survey is None or survey.answer is None or invitation_id is None:
        await notice(session, services, origin, "unknown")
        return
    won = await insert_once(session, SurveyFollowUp, invitation_id=invitation_id,
                            owner_id=actor.id, created_at=services.clock())
    if not won:
        follow_up = await store.follow_up_of(session, invitation_id)
        owner = await session.get(Person, follow_up.owner_id) if follow_up else None
        await notice(session, services, origin, "taken", survey.ticket,
                     owner=owner.display_name if owner else "")
        return
    audit.record(session, actor_id=actor.id, action="csat.reach_out",
                 subject_type="survey_invitation", subject_id=invitation_id)
    await refresh_alert(session, services, invitation_id)
    requester = (await session.get(Person, survey.invitation.person_id)
                 if survey.invitation.person_id else None)
    if requester is not None:
        # The follow-up is recorded and shown on the alert whether or not this reaches them.
        await services.outbox.send_dm(session, requester, Message("csat/follow_up", {
            "number": survey.ticket.external_id, "owner": actor.display_name}),
            key=follow_up_key(invitation_id))


async def refresh_alert(session: AsyncSession, services: Services, invitation_id: int) -> None:
    """Redraw every copy of the alert from what is stored now."""
    await services.outbox.edit(session, alert_key(invitation_id),
                                 await alert_message(session, services, invitation_id))


async def alert_message(session: AsyncSession, services: Services,
                        invitation_id: int) -> Message:
    invitation = await session.get(SurveyInvitation, invitation_id)
    assert invitation is not None, "alerts are only drawn for stored answers"
    ticket = await session.get(Ticket, invitation.ticket_id)
    answer_row = await store.answer_of(session, invitation_id)
    assert ticket is not None and answer_row is not None
    follow_up = await store.follow_up_of(session, invitation_id)
    requester = await session.get(Person, invitation.person_id) if invitation.person_id else None
    assignee = await session.get(Person, ticket.assignee_id) if ticket.assignee_id else None
    owner = await session.get(Person, follow_up.owner_id) if follow_up else None
    context: dict[str, Any] = {
        "number": ticket.external_id, "title": ticket.title, "score": answer_row.score,
        "comment": answer_row.comment, "service": ticket.service, "priority": ticket.priority,
        "requester": _who(requester),
        "assignee": _who(assignee) or ({"id": None, "name": ticket.assignee_email}
                                       if ticket.assignee_email else None),
        "owner": _who(owner),
        "followed_up_at": follow_up.created_at if follow_up else None,
        "tz": services.settings.app.organisation.timezone,
    }
    complaint = await links.complaint_for(session, invitation_id)
    context["complaint"] = complaint.number if complaint else None
    buttons = []
    if follow_up is None:
        buttons.append(Button(ids.ACTION_REACH_OUT, "reach_out", str(invitation_id),
                              style="primary"))
    if complaint is None:
        buttons.append(Button(ids.ACTION_COMPLAINT, "log_complaint", str(invitation_id)))
    return Message("csat/alert", context, sections=("text", "follow_up", "complaint"),
                   buttons=tuple(buttons))


def _who(person: Person | None) -> dict[str, Any] | None:
    if person is None:
        return None
    return {"id": person.slack_user_id, "name": person.display_name or person.email or ""}
