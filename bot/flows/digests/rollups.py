"""Keeping the digest's roll-ups (storage.digest_rollups) current: the ``digests.roll_up``
job, claimed once across replicas every `ROLL_UP_MINUTES`.

Each run first adds a stale row for every hour that closed at least `GRACE` ago and has none
yet, in a transaction of its own, then computes the stale hours (and those whose SLA
deadlines have passed since they were computed) older than the hours it has just added:
those wait for the next run. A row exists before its hour is computed, so a write into that
hour in the meantime (a late answer, a resolution) finds it and marks it stale; the writes
that began before the row existed ended long before the next run. Each run of consecutive
hours is computed in its own transaction; a run that stops half-way leaves the rest stale,
and the next run picks it up, so running it twice does no harm.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.plurals import plural
from bot.services import Services
from storage import digest_rollups as store

log = logging.getLogger(__name__)

ROLL_UP_JOB = "digests.roll_up"
ROLL_UP_MINUTES = 15
GRACE = timedelta(hours=1)
"""An hour is rolled up no sooner than this after it closed: what comes in late (a desk's
delayed webhook) mostly lands before, rather than marking the hour stale at once."""
HOURS_PER_RUN = 24 * 7 * 4
"""At most this many hours computed in one run, so a run after a long pause stays short."""


async def roll_up(services: Services, now: datetime) -> int:
    """Add the hours closed since the last run, compute those due; how many computed."""
    frontier = store.hour_of(now) - GRACE
    async with services.sessions() as session:
        latest = await store.latest_hour(session)
        if latest is not None:
            added_from = latest + store.HOUR
        else:
            first = await store.earliest_data(session)
            added_from = store.hour_of(first) if first is not None else frontier
        if added_from < frontier:
            await store.add_hours(session, added_from, frontier)
        await session.commit()
    async with services.sessions() as session:
        due = await store.hours_due(session, min(added_from, frontier), now, HOURS_PER_RUN)
    for start, end in store.runs_of(due):
        async with services.sessions() as session:
            await store.rebuild(session, start, end, now)
            await session.commit()
    if due:
        log.info("rolled up %s of the digest's figures", plural(len(due), "hour"))
    return len(due)
