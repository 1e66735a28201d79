"""Figures only the bulletin board and the App Home need, computed in SQL: complaints counted
by root cause, the latest closed NPS pulse, what one person still has to answer, IT's triage
queue and the broadcasts resolved lately (a headline). The rest of the board reads the
digest's own queries (`storage.ticket_stats`, `csat_stats`, `complaint_stats`, `kudos_stats`,
`pulse_stats`), `storage.broadcasts`, `milestones` and `plans`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.broadcasts import Broadcast
from storage.complaints import Complaint, Status
from storage.csat import InvitationStatus, SurveyInvitation
from storage.pulses import CLOSED, INVITE, OPEN, SENT, PulseCampaign, PulseDelivery


async def root_causes(session: AsyncSession, since: datetime,
                      until: datetime) -> list[tuple[str, int]]:
    """(root cause, complaints) for complaints filed in [since, until) that have one, most
    first; never who complained."""
    cause = col(Complaint.root_cause)
    rows = await session.exec(
        select(cause, func.count()).where(
            cause.is_not(None), cause != "", col(Complaint.created_at) >= since,
            col(Complaint.created_at) < until)
        .group_by(cause).order_by(func.count().desc(), cause))
    return [(name, int(count)) for name, count in rows.all()]


async def latest_closed_pulse(session: AsyncSession) -> PulseCampaign | None:
    return (await session.exec(
        select(PulseCampaign).where(col(PulseCampaign.status) == CLOSED)
        .order_by(col(PulseCampaign.closes_at).desc(), col(PulseCampaign.id).desc())
        .limit(1))).first()


async def pending_surveys(session: AsyncSession, person_id: int, now: datetime) -> int:
    """CSAT surveys sent to the person, not answered and not expired."""
    expires = col(SurveyInvitation.expires_at)
    return int((await session.exec(select(func.count()).select_from(SurveyInvitation).where(
        col(SurveyInvitation.person_id) == person_id,
        col(SurveyInvitation.status) == InvitationStatus.SENT,
        expires.is_(None) | (expires > now)))).one())


async def pending_pulses(session: AsyncSession, person_id: int) -> int:
    """Open NPS pulses the person was invited to and has not answered."""
    return int((await session.exec(
        select(func.count()).select_from(PulseDelivery)
        .join(PulseCampaign, col(PulseCampaign.id) == PulseDelivery.campaign_id)
        .where(col(PulseDelivery.person_id) == person_id, col(PulseDelivery.kind) == INVITE,
               col(PulseDelivery.status) == SENT, col(PulseDelivery.answered).is_(False),
               col(PulseCampaign.status) == OPEN))).one())


async def triage_queue(session: AsyncSession) -> tuple[int, int]:
    """Open complaints (assigned, unassigned)."""
    owner = col(Complaint.owner_id)
    row = (await session.exec(select(
        func.count(owner), func.count() - func.count(owner)).where(
        col(Complaint.status).in_(Status.OPEN)))).one()
    return int(row[0]), int(row[1])


async def resolved_broadcasts(session: AsyncSession, since: datetime, until: datetime,
                              *, limit: int = 10) -> list[Broadcast]:
    """Broadcasts closed (resolved or completed) in [since, until) and still closed, newest
    first."""
    resolved = col(Broadcast.resolved_at)
    return list((await session.exec(
        select(Broadcast).where(col(Broadcast.is_open).is_(False), resolved >= since,
                                resolved < until)
        .order_by(resolved.desc(), col(Broadcast.id).desc()).limit(limit))).all())
