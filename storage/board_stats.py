"""Figures only the bulletin board needs, computed in SQL: complaints counted by root cause,
and the latest closed NPS pulse. The rest of the board reads the digest's own queries
(`storage.ticket_stats`, `csat_stats`, `complaint_stats`, `kudos_stats`, `pulse_stats`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.complaints import Complaint
from storage.pulses import CLOSED, PulseCampaign


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
