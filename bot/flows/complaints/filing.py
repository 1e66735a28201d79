"""Filing a complaint: the form, the rate limit, the stored complaint with its tracking
number and SLA deadlines, the receipt in the complainant's DM and the card in triage.

The complaint is committed before any chat call (SQLite holds its write lock for the whole
transaction); the message references are stored afterwards in a second short transaction.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Message
from bot.chat.port import MessageRef, Origin, Undeliverable
from bot.config import ChannelTarget
from bot.flows.business_time import BusinessCalendar
from bot.flows.complaints import cards, ids
from bot.flows.complaints.answers import open_form, refuse
from bot.flows.complaints.forms import Filing, filing_form
from bot.services import Services
from storage import audit
from storage.complaints import (
    SUBJECT,
    Complaint,
    claim_number,
    filed_since,
    insert_complaint,
    store_refs,
    submitted,
)
from storage.models import Person

log = logging.getLogger(__name__)


async def rate_limited(session: AsyncSession, services: Services, person: Person) -> bool:
    """Whether `person` has filed as many complaints as the window allows."""
    limit = services.settings.app.complaints.rate_limit
    since = services.clock() - timedelta(minutes=limit.per_minutes)
    assert person.id is not None
    return await filed_since(session, person.id, since) >= limit.count


async def _refuse_over_limit(session: AsyncSession, services: Services, origin: Origin
                             ) -> None:
    limit = services.settings.app.complaints.rate_limit
    await refuse(session, services, origin, "rate_limited", count=limit.count,
                 minutes=limit.per_minutes)


async def complaint_open_form(session: AsyncSession, services: Services, actor: Person,
                              origin: Origin, text: str) -> None:
    """Open the complaint form, with what was typed after /complain as its description."""
    if await rate_limited(session, services, actor):
        await _refuse_over_limit(session, services, origin)
        return
    await open_form(session, services, origin,
                    filing_form(services.settings.app.complaints, {ids.DESCRIPTION: text}))


async def post_triage(services: Services, complaint: Complaint, card: Message
                      ) -> list[MessageRef]:
    """Post the card on each platform of the triage channel; the references of those that
    worked. A platform that fails is logged: the complaint is filed all the same, and IT still
    finds it in /complain list."""
    target = services.settings.app.channels.triage
    refs: list[MessageRef] = []
    parts = [ChannelTarget(slack=target.slack) if target.slack else None,
             ChannelTarget(teams=target.teams) if target.teams else None]
    for part in parts:
        if part is None:
            continue
        try:
            refs.extend(await services.chat.post(part, card))
        except Exception:
            log.exception("complaint %s: the triage card could not be posted",
                          complaint.number)
    return refs


def deadlines(services: Services, filed_at: datetime, impact: str) -> dict[str, datetime]:
    """The SLA deadlines and reminder times of a complaint filed at `filed_at`."""
    config = services.settings.app.complaints
    calendar = BusinessCalendar.from_config(services.settings.app.organisation)
    sla = config.sla[impact]
    found = {}
    for stage, hours in (("acknowledge", sla.acknowledge_hours), ("resolve", sla.resolve_hours)):
        # A reminder lead as long as the SLA itself would be sent at once: remind halfway.
        lead = config.remind_before_hours if config.remind_before_hours < hours else hours / 2
        found[f"{stage}_due_at"] = calendar.add(filed_at, timedelta(hours=hours))
        found[f"{stage}_remind_at"] = calendar.add(filed_at, timedelta(hours=hours - lead))
    return found


async def complaint_file(session: AsyncSession, services: Services, actor: Person,
                         origin: Origin, filing: Filing, submission_key: str, *,
                         limit: bool = True) -> Complaint | None:
    """Store the complaint once per submission, then send the receipt and the triage card.

    `actor` is the complainant. None when this submission was already filed (a double submit
    or a retry) or the person is over the rate limit (they are told kindly). IT staff filing
    for someone (`limit=False`) are not held to the complainant's rate limit, which guards
    against floods from one person typing.
    """
    config = services.settings.app.complaints
    if limit and await rate_limited(session, services, actor):
        await _refuse_over_limit(session, services, origin)
        return None
    now = services.clock()
    year = now.astimezone(services.settings.app.organisation.zone).year
    assert actor.id is not None
    complaint = Complaint(
        number="", submission_key=submission_key, complainant_id=actor.id,
        anonymous=filing.anonymous, description=filing.description, service=filing.service,
        category=filing.category, impact=filing.impact, ticket=filing.ticket, created_at=now,
        **deadlines(services, now, filing.impact))
    if await submitted(session, submission_key):
        await session.rollback()
        return None
    # From the claim to the commit the year's counter row is locked (other filings queue on
    # it, which keeps numbers without gaps): only the insert and its audit event in between.
    complaint.number = await claim_number(session, year)
    complaint.id = await insert_complaint(session, complaint)
    if complaint.id is None:
        # The same submission, filed at the same moment: give back the number claimed.
        await session.rollback()
        return None
    # An anonymous complainant is not named even in the audit trail.
    audit.record(session, actor_id=None if filing.anonymous else actor.id, action="filed",
                 subject_type=SUBJECT, subject_id=complaint.number, to=complaint.status,
                 impact=complaint.impact, anonymous=complaint.anonymous)
    await session.commit()
    services.metrics.complaints.labels("filed").inc()
    log.info("complaint %s filed (%s impact)", complaint.number, complaint.impact)

    context = cards.complaint_context(complaint, actor, None, now=now, tz=actor.tz)
    dm_ref = None
    try:
        dm_ref = await services.chat.send_dm(actor, cards.filed_notice(
            context, config.sla[complaint.impact].acknowledge_hours))
    except Undeliverable:
        log.warning("complaint %s: the receipt could not be delivered", complaint.number)
    except Exception:
        log.exception("complaint %s: sending the receipt failed", complaint.number)
    staff_context = cards.complaint_context(complaint, actor, None, now=now,
                                            tz=services.settings.app.organisation.timezone)
    triage_refs = await post_triage(services, complaint, cards.triage_card(staff_context))
    complaint.dm_ref = dm_ref.to_json() if dm_ref else None
    complaint.triage_refs = [asdict(ref) for ref in triage_refs]
    await store_refs(session, complaint)
    return complaint
