"""Claims of scheduled runs: one `scheduled_run` row per job and fire time, and the replica
whose insert makes it runs it (`bot.scheduler`)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, delete, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ScheduledRun
from storage.once import insert_once


async def claim(session: AsyncSession, job: str, scheduled_for: datetime, replica: str,
                at: datetime) -> bool:
    """Claim the run of `job` for `scheduled_for`; True when this replica won it."""
    return await insert_once(session, ScheduledRun, job=job, scheduled_for=scheduled_for,
                             claimed_by=replica, claimed_at=at)


async def finish(session: AsyncSession, job: str, scheduled_for: datetime, outcome: str,
                 at: datetime) -> None:
    """Record how a claimed run ended (ok or failed)."""
    await session.exec(
        update(ScheduledRun)
        .where(col(ScheduledRun.job) == job, col(ScheduledRun.scheduled_for) == scheduled_for)
        .values(finished_at=at, outcome=outcome))


async def prune(session: AsyncSession, before: datetime) -> int:
    """Delete the claims of runs scheduled before `before`; how many went."""
    result = await session.exec(delete(ScheduledRun).where(
        col(ScheduledRun.scheduled_for) < before))
    return result.rowcount
