"""Milestones: the `milestone` table, one row per milestone ever celebrated, and the few
queries the milestone checks need that the figures' own modules do not answer.

The row's unique key is the whole of "celebrated once": whoever inserts it (one replica, one
run) posts the celebration in the same transaction; everyone else's insert does nothing.
The figures themselves come from storage.csat_stats, ticket_stats, kudos_stats,
complaint_stats and pulse_stats.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Column, func
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.once import insert_once
from storage.pulses import PulseCampaign
from storage.types import UTCDateTime, utcnow

MAX_KEY = 120


class Milestone(SQLModel, table=True):
    __tablename__ = "milestone"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=MAX_KEY)
    """What was reached, and when it counts as the same again (``csat:80``, ``kudos:100``,
    ``sla_clean:2026-11-30``)."""
    kind: str = Field(max_length=32, index=True)
    reached_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    """The figures the celebration shows."""


async def record_once(session: AsyncSession, *, key: str, kind: str, reached_at: datetime,
                      detail: dict[str, Any]) -> bool:
    """Insert the milestone unless it was celebrated before; True when this call did."""
    return await insert_once(session, Milestone, key=key[:MAX_KEY], kind=kind,
                             reached_at=reached_at, detail=detail)


async def reached_between(session: AsyncSession, since: datetime,
                          until: datetime) -> list[Milestone]:
    """Milestones celebrated in [since, until), oldest first (for a digest or newsletter)."""
    return list((await session.exec(
        select(Milestone).where(col(Milestone.reached_at) >= since,
                                col(Milestone.reached_at) < until)
        .order_by(col(Milestone.reached_at), col(Milestone.id)))).all())


@dataclass(frozen=True)
class CampaignPair:
    """The latest closed NPS pulse and the one closest to a year before it."""

    latest_id: int
    latest_name: str
    latest_min_group: int
    earlier_id: int
    earlier_name: str
    earlier_min_group: int


YEAR = timedelta(days=365)
YEAR_SLACK = timedelta(days=45)
"""How far from exactly a year earlier a pulse may have closed and still be "the same
period a year earlier" (quarterly pulses drift by a few days; a different quarter is not)."""


async def year_on_year_pulses(session: AsyncSession, now: datetime) -> CampaignPair | None:
    """The latest pulse closed by `now` and the pulse (of the same recurring definition, when
    it has one) that closed nearest a year before it; None without such a pair."""
    latest = (await session.exec(
        select(PulseCampaign).where(col(PulseCampaign.closes_at) <= now)
        .order_by(col(PulseCampaign.closes_at).desc(), col(PulseCampaign.id).desc())
        .limit(1))).first()
    if latest is None or latest.id is None:
        return None
    target = latest.closes_at - YEAR
    # Stored as naive UTC (storage.types.UTCDateTime), so compared naive.
    naive = target.replace(tzinfo=None)
    column = col(PulseCampaign.closes_at)
    distance = (func.abs(func.extract("epoch", column) - func.extract("epoch", naive))
                if _pg(session) else func.abs(func.julianday(column) - func.julianday(naive)))
    statement = (select(PulseCampaign)
                 .where(col(PulseCampaign.closes_at) >= target - YEAR_SLACK,
                        col(PulseCampaign.closes_at) <= target + YEAR_SLACK,
                        col(PulseCampaign.id) != latest.id)
                 .order_by(distance, col(PulseCampaign.id)).limit(1))
    if latest.definition is not None:
        statement = statement.where(col(PulseCampaign.definition) == latest.definition)
    earlier = (await session.exec(statement)).first()
    if earlier is None or earlier.id is None:
        return None
    return CampaignPair(latest.id, latest.name, latest.min_group, earlier.id, earlier.name,
                        earlier.min_group)


def _pg(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "postgresql"
