"""Where a CSAT answer leads into the other features: "Log as complaint" on a low-score alert
files a complaint for the requester through the complaint log's own filing, and "Send kudos"
on the thank-you for praise gives the assignee a voucher through kudos' own giving.

Both go through the other feature's flow, so its rules hold unchanged (numbering, SLA, triage
card and receipt for a complaint; roles, allowance and one per pair per day for kudos). Each
happens once per answer: the complaint is filed under a submission key made from the
invitation, and the voucher is linked to the invitation by a unique row.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.port import Origin
from bot.chat.templates import templates_for
from bot.config import Role
from bot.flows.complaints.filing import complaint_file
from bot.flows.complaints.forms import Filing
from bot.flows.csat.alerts import refresh_alert
from bot.flows.csat.survey import load_survey, notice, praise_of, thanks_message
from bot.flows.kudos.gifts import Gift
from bot.flows.kudos.giving import give_kudos
from bot.intents import Mention
from bot.services import Services
from storage import audit
from storage import csat_links as links
from storage.csat import survey_key
from storage.csat_links import SurveyKudos
from storage.models import Person
from storage.once import insert_once
from storage.tickets import Ticket

MAX_TICKET = 40
"""A complaint's related ticket number holds this many characters."""


async def log_complaint(session: AsyncSession, services: Services, actor: Person,
                        origin: Origin, invitation_id: int | None) -> None:
    """"Log as complaint" on a low-score alert: IT staff file a complaint for the requester
    about the ticket, once; the alert then shows its number."""
    if not Role(actor.role).at_least(Role.IT_STAFF):
        await notice(session, services, origin, "not_staff_complaint")
        return
    survey = await load_survey(session, invitation_id)
    requester = (await session.get(Person, survey.invitation.person_id)
                 if survey and survey.invitation.person_id else None)
    if survey is None or survey.answer is None or invitation_id is None:
        await notice(session, services, origin, "unknown")
        return
    if requester is None:
        await notice(session, services, origin, "no_requester", survey.ticket)
        return
    filing = _filing(services, survey.ticket, survey.answer.score, survey.answer.comment)
    # Kept apart: the filing rolls a repeat back, which expires every row read before.
    number = survey.ticket.external_id
    filed = await complaint_file(session, services, requester, origin, filing,
                                 links.complaint_key(invitation_id), limit=False)
    if filed is not None:
        services.metrics.csat_links.labels("complaint").inc()
        audit.record(session, actor_id=actor.id, action="csat.complaint",
                     subject_type="survey_invitation", subject_id=invitation_id,
                     complaint=filed.number)
    complaint = filed or await links.complaint_for(session, invitation_id)
    if filed is None and complaint is not None:
        await notice(session, services, origin, "complaint_logged", number=number,
                     complaint=complaint.number)
    await refresh_alert(session, services, invitation_id)


def _filing(services: Services, ticket: Ticket, score: int, comment: str | None) -> Filing:
    """What the complaint says: the requester's comment (else a line saying there was none),
    about the ticket, with the service, category and impact of app.yaml's ``csat:``."""
    config, complaints = services.settings.app.csat, services.settings.app.complaints
    known = services.settings.app.service(ticket.service)
    service = (config.complaint_service or (known.name if known is not None else None)
               or complaints.services[-1])
    description = (comment or "").strip()[:complaints.max_length] or templates_for(
        "slack").render_block("csat/complaint", "description", {"score": score})
    return Filing(description=description, service=service,
                  category=config.complaint_category or complaints.categories[0],
                  impact=config.complaint_impact, ticket=ticket.external_id[:MAX_TICKET],
                  anonymous=False)


async def send_kudos(session: AsyncSession, services: Services, actor: Person,
                     origin: Origin, invitation_id: int | None) -> None:
    """"Send kudos" on the thank-you for praise: the requester's comment becomes a voucher for
    the assignee, given as if they had typed /kudos, once per survey."""
    survey = await load_survey(session, invitation_id)
    if survey is None or invitation_id is None:
        await notice(session, services, origin, "unknown")
        return
    if survey.invitation.person_id != actor.id:
        await notice(session, services, origin, "not_yours")
        return
    praise = await praise_of(session, services, survey, origin.platform)
    if praise is not None and praise.code is not None:
        await notice(session, services, origin, "kudos_sent", survey.ticket, code=praise.code)
        return
    assignee = praise.assignee if praise else None
    user_id = (assignee.slack_user_id if origin.platform == "slack"
               else assignee.teams_user_id) if assignee else None
    if assignee is None or survey.answer is None or not user_id:
        await notice(session, services, origin, "kudos_unavailable", survey.ticket)
        return
    gift = Gift(recipients=[Mention(user_id, assignee.display_name)],
                story=(survey.answer.comment or "").strip(),
                public=services.settings.app.csat.kudos_public)
    voucher = await give_kudos(session, services, actor, origin, gift)
    if voucher is None:
        return
    services.metrics.csat_links.labels("kudos").inc()
    await insert_once(session, SurveyKudos, invitation_id=invitation_id,
                      voucher_id=voucher.id, created_at=services.clock())
    survey = await load_survey(session, invitation_id)
    assert survey is not None
    await services.outbox.edit(session, survey_key(invitation_id),
                                 await thanks_message(session, services, survey,
                                                      origin.platform))
