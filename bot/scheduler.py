"""The in-process scheduler: APScheduler's AsyncIOScheduler, with every run claimed in the
database so that N replicas run each scheduled run once.

Every replica registers the same jobs on the same triggers. When a job fires, the replica first
inserts a `scheduled_run` row for (job name, fire time); the replica whose insert wins runs the
job and records how it ended, the others count the run as skipped. The fire time comes from the
trigger, never from the clock, so all replicas name a run alike: cron times are fixed by their
fields, and interval triggers count from a fixed anchor rather than from start-up.

Features add their jobs in `register_jobs`, with APScheduler's trigger names and arguments:

    scheduler.add_claimed_job("digest.weekly", send_weekly_digest, "cron",
                              day_of_week="mon", hour=9)

A job is ``async def job(services, scheduled_for)``, where `scheduled_for` is the aware fire time
of the run, in the organisation's time zone.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.job import Job
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlmodel import col, delete, update

from bot.flows.complaints.sla import complaints_check
from bot.flows.pulses import campaigns as pulses
from bot.handlers.csat import expire_on_schedule, send_due_on_schedule
from bot.handlers.directory import sync_on_schedule
from bot.services import Services
from storage.models import ScheduledRun
from storage.once import insert_once

log = logging.getLogger(__name__)

ScheduledJob = Callable[[Services, datetime], Awaitable[None]]

OK, FAILED, SKIPPED = "ok", "failed", "skipped"

# A run that starts this late (a blocked loop, a slow start) still runs; a later one is dropped
# and the job waits for its next slot. Missed slots are coalesced into one run.
MISFIRE_GRACE_S = 300

# Where every "interval" job counts from, in the organisation's zone, unless given a start_date.
INTERVAL_ANCHOR = datetime(2000, 1, 1)

# A claim only has to outlive its slot (no replica fires a slot older than MISFIRE_GRACE_S);
# a month of them is kept as a record of what ran, while an every-minute job alone adds 1,440
# rows a day.
CLAIM_RETENTION = timedelta(days=30)

_fire_time: ContextVar[datetime] = ContextVar("touchpoint_fire_time")


class _FireTimeExecutor(AsyncIOExecutor):
    """The AsyncIOExecutor, also handing each run the fire time it was submitted for.

    APScheduler 3 knows that time but does not pass it to the job; the run's task is created
    inside `_do_submit_job` and so inherits the context variable set around it.
    """

    def _do_submit_job(self, job: Job, run_times: list[datetime]) -> None:
        # Jobs coalesce, so there is one run time.
        token = _fire_time.set(run_times[-1])
        try:
            super()._do_submit_job(job, run_times)
        finally:
            _fire_time.reset(token)

    def in_flight(self) -> set[asyncio.Future]:
        """Every run submitted and not done yet, including one whose task has not started: the
        base class keeps each run's future in `_pending_futures` until it is done."""
        return {future for future in self._pending_futures if not future.done()}


class Scheduler:
    """Claimed jobs on an AsyncIOScheduler in the organisation's time zone."""

    def __init__(self, services: Services):
        self.services = services
        self.replica = f"{socket.gethostname()}:{os.getpid()}"
        self.timezone = services.settings.app.organisation.zone
        self._executor = _FireTimeExecutor()
        self._apscheduler = AsyncIOScheduler(
            timezone=self.timezone,
            executors={"default": self._executor},
            job_defaults={"coalesce": True, "max_instances": 1,
                          "misfire_grace_time": MISFIRE_GRACE_S},
        )

    def add_claimed_job(self, name: str, job: ScheduledJob, trigger: str | BaseTrigger,
                        **trigger_args: Any) -> Job:
        """Run `job` on `trigger`, once per fire time across all replicas.

        `trigger` and `trigger_args` are as for APScheduler's ``add_job``: ``"cron"``,
        ``"interval"`` or ``"date"`` with that trigger's arguments, in the organisation's time
        zone unless told otherwise, or a trigger object. An ``"interval"`` counts from
        `INTERVAL_ANCHOR` unless given a ``start_date``. An IntervalTrigger object is refused (its
        start defaults to the moment it was built, which differs between replicas), as is
        jitter (it gives each replica its own fire times). A ``"date"`` without ``run_date`` means
        "now" in each replica, so every replica runs it once.
        """
        if isinstance(trigger, IntervalTrigger):
            raise ValueError(f"{name}: give an interval as 'interval' and its arguments, "
                             "so that every replica counts from the same start")
        if trigger_args.get("jitter") or getattr(trigger, "jitter", None):
            raise ValueError(f"{name}: jitter would give each replica its own fire times")
        if trigger == "interval":
            trigger_args.setdefault("start_date", INTERVAL_ANCHOR.replace(tzinfo=self.timezone))
        return self._apscheduler.add_job(self._run, trigger, args=(name, job), id=name,
                                         name=name, **trigger_args)

    def start(self) -> None:
        self._apscheduler.start()

    async def shutdown(self, within_s: float) -> None:
        """Start no more runs; give every run submitted (under way, or not started yet)
        `within_s` seconds, then cancel the rest and wait for them to unwind, so nothing still
        uses the database when it is closed after this."""
        if not self._apscheduler.running:
            return
        self._apscheduler.pause()
        in_flight = self._executor.in_flight()
        if in_flight:
            log.info("waiting for %d scheduled run(s) to finish", len(in_flight))
            _done, late = await asyncio.wait(in_flight, timeout=within_s)
            if late:
                log.warning("%d scheduled run(s) did not finish within %.0fs; cancelling",
                            len(late), within_s)
                for task in late:
                    task.cancel()
                await asyncio.wait(late)
        self._apscheduler.shutdown(wait=False)
        # AsyncIOScheduler carries out the shutdown on the loop's next turn; let it, so the
        # scheduler has stopped when this returns.
        await asyncio.sleep(0)

    async def _run(self, name: str, job: ScheduledJob) -> None:
        scheduled_for = _fire_time.get()
        try:
            outcome = await self._claimed_run(name, job, scheduled_for)
        except Exception:
            log.exception("scheduled run of %s for %s could not be claimed or recorded",
                          name, scheduled_for.isoformat())
            outcome = FAILED
        self.services.metrics.scheduler_runs.labels(name, outcome).inc()

    async def _claimed_run(self, name: str, job: ScheduledJob, scheduled_for: datetime) -> str:
        if not await self._claim(name, scheduled_for):
            log.debug("%s for %s was claimed by another replica", name, scheduled_for.isoformat())
            return SKIPPED
        try:
            await job(self.services, scheduled_for)
            outcome = OK
        except Exception:
            log.exception("scheduled job %s for %s failed", name, scheduled_for.isoformat())
            outcome = FAILED
        await self._finish(name, scheduled_for, outcome)
        return outcome

    async def _claim(self, name: str, scheduled_for: datetime) -> bool:
        # Committed before the job starts, so the other replicas' inserts stop waiting on it.
        async with self.services.sessions() as session:
            won = await insert_once(session, ScheduledRun, job=name, scheduled_for=scheduled_for,
                                    claimed_by=self.replica, claimed_at=self.services.clock())
            await session.commit()
        return won

    async def _finish(self, name: str, scheduled_for: datetime, outcome: str) -> None:
        async with self.services.sessions() as session:
            await session.exec(
                update(ScheduledRun)
                .where(col(ScheduledRun.job) == name,
                       col(ScheduledRun.scheduled_for) == scheduled_for)
                .values(finished_at=self.services.clock(), outcome=outcome))
            await session.commit()


async def prune_claims(services: Services, scheduled_for: datetime) -> None:
    """Delete the claims of runs more than `CLAIM_RETENTION` before this run's slot."""
    async with services.sessions() as session:
        result = await session.exec(delete(ScheduledRun).where(
            col(ScheduledRun.scheduled_for) < scheduled_for - CLAIM_RETENTION))
        await session.commit()
    log.info("pruned %d scheduled run claim(s)", result.rowcount)


def register_jobs(scheduler: Scheduler, services: Services) -> None:
    """Every feature's scheduled jobs, added here in one place, as handlers are in
    `bot.handlers.build_dispatcher`."""
    scheduler.add_claimed_job("directory.sync", sync_on_schedule, "interval", hours=1)
    scheduler.add_claimed_job("csat.send_due", send_due_on_schedule, "interval", minutes=1)
    scheduler.add_claimed_job("csat.expire", expire_on_schedule, "interval", minutes=10)
    scheduler.add_claimed_job("complaints.check", complaints_check, "interval", minutes=5)
    scheduler.add_claimed_job("pulses.tick", pulses.tick, "interval", minutes=1)
    for name, job, recurrence in pulses.recurring_jobs(services.settings.app):
        scheduler.add_claimed_job(name, job, "cron", **recurrence)
    scheduler.add_claimed_job("scheduler.prune", prune_claims, "cron", hour=3, minute=30)
