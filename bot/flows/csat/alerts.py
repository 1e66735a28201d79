"""Low CSAT scores: the alert in the triage channel (at or below `csat.low_score`), with the
ticket, requester, assignee, service, score and comment; "Reach out", with which IT staff take
the follow-up on (the first to press owns it, the alert says who, and the requester is told
someone will be in touch); and the alert redrawn whenever what it shows changes."""

from __future__ import annotations

import logging
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Button, Message
from bot.chat.port import MessageRef, Origin
from bot.config import Role
from bot.flows.csat import ids
from bot.flows.csat.survey import load_survey, notice, update_quietly
from bot.services import Services
from storage import audit
from storage import csat as store
from storage import csat_links as links
from storage.csat import SurveyFollowUp, SurveyInvitation
from storage.models import Person
from storage.once import insert_once
from storage.tickets import Ticket

log = logging.getLogger(__name__)


async def post_alert(session: AsyncSession, services: Services, invitation_id: int) -> None:
    """Post the low-score alert of a stored answer to the triage channel and keep where it
    went."""
    message = await alert_message(session, services, invitation_id)
    # Committed first: the transaction (on SQLite, the one connection) must not wait on the
    # platforms.
    await session.commit()
    try:
        refs = await services.chat.post(services.settings.app.channels.triage, message)
    except Exception:
        log.exception("csat: the low-score alert for invitation %s was not posted",
                      invitation_id)
        return
    await store.keep_alert_refs(session, invitation_id, [ref.to_json() for ref in refs])


async def reach_out(session: AsyncSession, services: Services, actor: Person, origin: Origin,
                    clicked: MessageRef | None, invitation_id: int | None) -> None:
    """"Reach out" on an alert (the copy `clicked`): IT staff take the follow-up on (the first
    one to click owns it); the alert shows who, and the requester is told someone will be in
    touch."""
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
    requester = (await session.get(Person, survey.invitation.person_id)
                 if survey.invitation.person_id else None)
    await refresh_alerts(session, services, invitation_id, clicked)
    if requester is None:
        return
    await session.commit()  # as before any platform call
    try:
        await services.chat.send_dm(requester, Message("csat/follow_up", {
            "number": survey.ticket.external_id, "owner": actor.display_name}))
    except Exception as error:
        # The follow-up is recorded and shown on the alert; the owner will call anyway.
        log.warning("csat: could not tell the requester of invitation %s (%s)",
                    invitation_id, type(error).__name__)


async def refresh_alerts(session: AsyncSession, services: Services, invitation_id: int,
                         also: MessageRef | None = None) -> None:
    """Redraw every copy of the alert from what is stored now (and `also`, the copy a button
    was pressed on)."""
    message = await alert_message(session, services, invitation_id)
    answer_row = await store.answer_of(session, invitation_id)
    refs = [MessageRef.from_json(raw) for raw in (answer_row.alert_refs if answer_row else [])]
    # The clicked copy, unless it is one already kept (Teams names a channel post's
    # conversation after its thread, so the message id is what identifies it).
    if also is not None and all((ref.platform, ref.message_id) != (also.platform,
                                                                    also.message_id)
                                for ref in refs):
        refs.append(also)
    for ref in refs:
        await update_quietly(session, services, ref, message)


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
