"""Figures for the milestone tests and the demo scene's twin: CSAT answers and tickets with
their SLA outcome in one week, kudos given, complaints open or resolved and two NPS pulses a
year apart, written straight into the tables the statistics read."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.complaints import Complaint, Status
from storage.csat import SurveyAnswer, SurveyInvitation
from storage.kudos import KudosRecipient, KudosVoucher
from storage.models import Person
from storage.pulses import PulseAnswer, PulseCampaign
from storage.tickets import Ticket

WEEK_START = datetime(2026, 11, 30, tzinfo=UTC)
"""Monday of the last whole week when the check runs on `CHECK_AT` (London is on UTC)."""
CHECK_AT = datetime(2026, 12, 9, 8, tzinfo=UTC)
HOUR = timedelta(hours=1)
_numbers = itertools.count(1)


async def person(session: AsyncSession, name: str) -> Person:
    found = Person(display_name=name, email=f"{name}@example.com")
    session.add(found)
    await session.flush()
    return found


async def week_of_tickets(session: AsyncSession, who: Person, scores: list[int], *,
                          week_start: datetime = WEEK_START, breached: int = 0) -> None:
    """A ticket per score, opened in the week, answered and resolved in time (the first
    `breached` resolved late), each with a CSAT survey answered with its score."""
    for index, score in enumerate(scores):
        opened = week_start + timedelta(hours=9 + index)
        number = next(_numbers)
        ticket = Ticket(source="desk", external_id=f"INC-{number}", service="Email",
                        priority="P2", status="resolved", opened_at=opened,
                        last_event_at=opened, first_response_at=opened + HOUR / 2,
                        resolved_at=opened + (5 if index < breached else 3) * HOUR,
                        response_due_at=opened + HOUR, response_at_risk_from=opened + HOUR / 2,
                        resolution_due_at=opened + 4 * HOUR,
                        resolution_at_risk_from=opened + 3 * HOUR)
        session.add(ticket)
        await session.flush()
        invitation = SurveyInvitation(ticket_id=ticket.id, person_id=who.id, status="answered",
                                      created_at=opened, sent_at=opened + 3 * HOUR)
        session.add(invitation)
        await session.flush()
        session.add(SurveyAnswer(invitation_id=invitation.id, score=score,
                                 answered_at=opened + 4 * HOUR))
    await session.flush()


async def kudos(session: AsyncSession, giver: Person, recipient: Person, count: int,
                first_day: datetime = WEEK_START) -> None:
    """`count` vouchers from `giver` to `recipient`, one a day."""
    for day in range(count):
        at = first_day + timedelta(days=day)
        voucher = KudosVoucher(giver_id=giver.id, story="Thanks!", points=10, created_at=at)
        session.add(voucher)
        await session.flush()
        session.add(KudosRecipient(voucher_id=voucher.id, person_id=recipient.id,
                                   giver_id=giver.id, given_on=at.date()))
    await session.flush()


async def complaint(session: AsyncSession, who: Person, *, resolved: bool,
                    filed: datetime = WEEK_START) -> Complaint:
    number = next(_numbers)
    found = Complaint(
        number=f"CMP-2026-{number:04d}", submission_key=f"seed:{number}", complainant_id=who.id,
        description="slow", service="Service desk", category="Responsiveness", impact="low",
        status=Status.RESOLVED if resolved else Status.NEW, created_at=filed,
        resolved_at=filed + HOUR if resolved else None, acknowledge_due_at=filed + 8 * HOUR,
        resolve_due_at=filed + 40 * HOUR, acknowledge_remind_at=filed + 4 * HOUR,
        resolve_remind_at=filed + 30 * HOUR)
    session.add(found)
    await session.flush()
    return found


async def pulse(session: AsyncSession, name: str, closes_at: datetime,
                scores: list[int], definition: str | None = "quarterly") -> None:
    campaign = PulseCampaign(name=name, definition=definition, audience={"everyone": True},
                             anonymity="confidential", min_group=5, reminders=[3],
                             send_time="10:00", opens_at=closes_at - timedelta(days=14),
                             closes_at=closes_at, status="closed", closed_at=closes_at)
    session.add(campaign)
    await session.flush()
    for index, score in enumerate(scores):
        session.add(PulseAnswer(campaign_id=campaign.id, respondent_key=f"{name}-{index}",
                                score=score, answered_at=closes_at - HOUR))
    await session.flush()
