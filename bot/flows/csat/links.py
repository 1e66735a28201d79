"""Where a CSAT answer leads into the other features: "Log as complaint" on a low-score alert
files a complaint for the requester through the complaint log's own filing, and "Send kudos"
on the thank-you for praise gives the assignee a voucher through kudos' own giving.

Both go through the other feature's flow, so its rules hold unchanged (numbering, SLA, triage
card and receipt for a complaint; roles, allowance and one per pair per day for kudos). Each
happens once per answer: the complaint is filed under a submission key made from the
invitation, and the voucher is linked to the invitation by a unique row.
"""

from __future__ import annotations

from bot.chat.port import MessageRef
from bot.chat.templates import templates_for
from bot.config import Role
from bot.flows.complaints.filing import complaint_file
from bot.flows.complaints.forms import Filing
from bot.flows.csat import survey as csat
from bot.flows.kudos.gifts import Gift
from bot.flows.kudos.giving import give_kudos
from bot.intents import ButtonPress, Mention
from bot.services import Services
from storage import audit
from storage import csat_links as links
from storage.csat_links import SurveyKudos
from storage.models import Person
from storage.once import insert_once
from storage.tickets import Ticket

MAX_TICKET = 40
"""A complaint's related ticket number holds this many characters."""


async def log_complaint(services: Services, actor: Person, press: ButtonPress) -> None:
    """"Log as complaint" on a low-score alert: IT staff file a complaint for the requester
    about the ticket, once; the alert then shows its number."""
    if not Role(actor.role).at_least(Role.IT_STAFF):
        await csat.notice(services, press.origin, "not_staff_complaint")
        return
    invitation_id = csat.parse_id(press.value)
    async with services.sessions() as session:
        survey = await csat.load_survey(session, invitation_id)
        requester = (await session.get(Person, survey.invitation.person_id)
                     if survey and survey.invitation.person_id else None)
        await session.commit()
    if survey is None or survey.answer is None or invitation_id is None:
        await csat.notice(services, press.origin, "unknown")
        return
    if requester is None:
        await csat.notice(services, press.origin, "no_requester", survey.ticket)
        return
    filing = _filing(services, survey.ticket, survey.answer.score, survey.answer.comment)
    async with services.sessions() as session:
        filed = await complaint_file(session, services, requester, press.origin, filing,
                                     links.complaint_key(invitation_id), limit=False)
        if filed is not None:
            services.metrics.csat_links.labels("complaint").inc()
            audit.record(session, actor_id=actor.id, action="csat.complaint",
                         subject_type="survey_invitation", subject_id=invitation_id,
                         complaint=filed.number)
        complaint = filed or await links.complaint_for(session, invitation_id)
        await session.commit()
    if filed is None and complaint is not None:
        await csat.notice(services, press.origin, "complaint_logged", survey.ticket,
                          complaint=complaint.number)
    await csat.refresh_alerts(services, invitation_id, press.message)


def _filing(services: Services, ticket: Ticket, score: int, comment: str | None) -> Filing:
    """What the complaint says: the requester's comment (else a line saying there was none),
    about the ticket, with the service, category and impact of app.yaml's ``csat:``."""
    config, complaints = services.settings.app.csat, services.settings.app.complaints
    known = {name.lower(): name for name in complaints.services}
    service = (config.complaint_service or known.get((ticket.service or "").strip().lower())
               or complaints.services[-1])
    description = (comment or "").strip()[:complaints.max_length] or templates_for(
        "slack").render_block("csat/complaint", "description", {"score": score})
    return Filing(description=description, service=service,
                  category=config.complaint_category or complaints.categories[0],
                  impact=config.complaint_impact, ticket=ticket.external_id[:MAX_TICKET],
                  anonymous=False)


async def send_kudos(services: Services, actor: Person, press: ButtonPress) -> None:
    """"Send kudos" on the thank-you for praise: the requester's comment becomes a voucher for
    the assignee, given as if they had typed /kudos, once per survey."""
    invitation_id = csat.parse_id(press.value)
    async with services.sessions() as session:
        survey = await csat.load_survey(session, invitation_id)
        praise = (await csat.praise_of(session, services, survey)
                  if survey is not None and survey.invitation.person_id == actor.id else None)
        await session.commit()
    if survey is None or invitation_id is None:
        await csat.notice(services, press.origin, "unknown")
        return
    if survey.invitation.person_id != actor.id:
        await csat.notice(services, press.origin, "not_yours")
        return
    if praise is not None and praise.code is not None:
        await csat.notice(services, press.origin, "kudos_sent", survey.ticket, code=praise.code)
        return
    assignee = praise.assignee if praise else None
    user_id = (assignee.slack_user_id if press.origin.platform == "slack"
               else assignee.teams_user_id) if assignee else None
    if assignee is None or survey.answer is None or not user_id:
        await csat.notice(services, press.origin, "kudos_unavailable", survey.ticket)
        return
    gift = Gift(recipients=[Mention(user_id, assignee.display_name)],
                story=(survey.answer.comment or "").strip(),
                public=services.settings.app.csat.kudos_public)
    async with services.sessions() as session:
        voucher = await give_kudos(session, services, actor, press.origin, gift)
        if voucher is not None:
            services.metrics.csat_links.labels("kudos").inc()
            await insert_once(session, SurveyKudos, invitation_id=invitation_id,
                              voucher_id=voucher.id, created_at=services.clock())
        await session.commit()
    if voucher is None:
        return
    survey = await _reload(services, invitation_id)
    ref = (MessageRef.from_json(survey.invitation.message_ref)
           if survey and survey.invitation.message_ref else press.message)
    if survey is not None and ref is not None:
        await csat.update_quietly(services, ref, await csat.thanks_message(services, survey))


async def _reload(services: Services, invitation_id: int) -> csat.Survey | None:
    async with services.sessions() as session:
        survey = await csat.load_survey(session, invitation_id)
        await session.commit()
    return survey
