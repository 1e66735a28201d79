"""Filing a complaint: the form, the rate limit, the stored complaint with its tracking
number and SLA deadlines, the receipt in the complainant's DM and the card in triage.

The complaint, its audit event, its receipt and its triage cards (in the outbox) are one
transaction: a complaint is never stored without its messages, nor announced unstored.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.port import Origin
from bot.flows.business_time import BusinessCalendar
from bot.flows.complaints import ids, notify
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
    """Store the complaint once per submission, with its receipt and triage card to send.

    `actor` is the complainant. None when this submission was already filed (a double submit
    or a retry) or the person is over the rate limit (they are told kindly). IT staff filing
    for someone (`limit=False`) are not held to the complainant's rate limit, which guards
    against floods from one person typing.
    """
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
    # it, which keeps numbers without gaps): only inserts in between (the complaint, its
    # audit event and its messages).
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
    await notify.filed(session, services, complaint, actor)
    # Committed here rather than when the turn ends, to free the year's counter row at once.
    await session.commit()
    services.metrics.complaints.labels("filed").inc()
    log.info("complaint %s filed (%s impact)", complaint.number, complaint.impact)
    return complaint
