"""The in-process scheduler: APScheduler's AsyncIOScheduler, with every run claimed in the
database so that N replicas run each scheduled run once, and dispatched like anything else.

Features register their jobs as routes (`Routes.on_schedule` in their handler module); every
replica claims runs of the same jobs on the same triggers. When a job fires, the replica first
inserts a `scheduled_run` row for (job name, fire time); the replica whose insert wins hands
`Scheduled(job, fire time)` to the dispatcher, whose concurrency bound, metrics, logging and
error handling apply as to any turn, and records how it ended; the others count the run as
skipped. The fire time comes from the trigger, never from the clock, so all replicas name a run
alike: cron times are fixed by their fields, and interval triggers count from a fixed anchor
rather than from start-up.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.job import Job
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.handlers.dispatcher import Dispatcher, HandlerFailed
from bot.handlers.routes import ScheduledHandler
from bot.intents import Scheduled
from bot.plurals import plural
from storage import scheduled_runs
from storage.outage import is_unavailable

log = logging.getLogger(__name__)

OK, FAILED, SKIPPED = "ok", "failed", "skipped"

# A run that starts this late (a blocked loop, a slow start) still runs; a later one is dropped
# and the job waits for its next slot. Missed slots are coalesced into one run.
MISFIRE_GRACE_S = 300

# Where every "interval" job counts from, in the organisation's zone, unless given a start_date.
INTERVAL_ANCHOR = datetime(2000, 1, 1)

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
    """Claimed runs, on an AsyncIOScheduler in the organisation's time zone, of every job
    routed on the dispatcher when it is built."""

    def __init__(self, dispatcher: Dispatcher):
        self.dispatcher = dispatcher
        self.services = dispatcher.services
        self.replica = f"{socket.gethostname()}:{os.getpid()}"
        self.timezone = self.services.settings.app.organisation.zone
        self._executor = _FireTimeExecutor()
        self._apscheduler = AsyncIOScheduler(
            timezone=self.timezone,
            executors={"default": self._executor},
            job_defaults={"coalesce": True, "max_instances": 1,
                          "misfire_grace_time": MISFIRE_GRACE_S},
        )
        for route in dispatcher.schedule_routes:
            self._claim_runs(route.job, route.trigger, dict(route.trigger_args))

    def schedule(self, job: str, handler: ScheduledHandler, trigger: Any,
                 **trigger_args: Any) -> Job:
        """Route `job` to `handler` and claim its runs, for a job decided once the routes
        are built (`touchpoint run`'s sync at start-up); features use `Routes.on_schedule`."""
        added = self._claim_runs(job, trigger, trigger_args)
        self.dispatcher.on_schedule(job, handler, trigger, **trigger_args)
        return added

    def _claim_runs(self, job: str, trigger: Any, trigger_args: dict[str, Any]) -> Job:
        """Claim and dispatch a run of `job` each time `trigger` fires.

        `trigger` and `trigger_args` are as for APScheduler's ``add_job``: ``"cron"``,
        ``"interval"`` or ``"date"`` with that trigger's arguments, in the organisation's time
        zone unless told otherwise, or a trigger object. An ``"interval"`` counts from
        `INTERVAL_ANCHOR` unless given a ``start_date``. An IntervalTrigger object is refused (its
        start defaults to the moment it was built, which differs between replicas), as is
        jitter (it gives each replica its own fire times). A ``"date"`` without ``run_date`` means
        "now" in each replica, so every replica runs it once.
        """
        if isinstance(trigger, IntervalTrigger):
            raise ValueError(f"{job}: give an interval as 'interval' and its arguments, "
                             "so that every replica counts from the same start")
        if trigger_args.get("jitter") or getattr(trigger, "jitter", None):
            raise ValueError(f"{job}: jitter would give each replica its own fire times")
        if trigger == "interval":
            trigger_args = {"start_date": INTERVAL_ANCHOR.replace(tzinfo=self.timezone),
                            **trigger_args}
        return self._apscheduler.add_job(self._run, trigger, args=(job,), id=job, name=job,
                                         **trigger_args)

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
            log.info("waiting for %s to finish", plural(len(in_flight), "scheduled run"))
            _done, late = await asyncio.wait(in_flight, timeout=within_s)
            if late:
                log.warning("%s did not finish within %.0fs; cancelling",
                            plural(len(late), "scheduled run"), within_s)
                for task in late:
                    task.cancel()
                await asyncio.wait(late)
        self._apscheduler.shutdown(wait=False)
        # AsyncIOScheduler carries out the shutdown on the loop's next turn; let it, so the
        # scheduler has stopped when this returns.
        await asyncio.sleep(0)

    async def _run(self, job: str) -> None:
        scheduled_for = _fire_time.get()
        try:
            outcome = await self._claimed_run(job, scheduled_for)
        except Exception as error:
            if is_unavailable(error):
                self.services.outage.failed(error, f"the claim of {job}")
            else:
                log.exception("scheduled run of %s for %s could not be claimed or recorded",
                              job, scheduled_for.isoformat())
            outcome = FAILED
        self.services.metrics.scheduler_runs.labels(job, outcome).inc()

    async def _claimed_run(self, job: str, scheduled_for: datetime) -> str:
        if not await self._claim(job, scheduled_for):
            log.debug("%s for %s was claimed by another replica", job, scheduled_for.isoformat())
            return SKIPPED
        try:
            await self.dispatcher.run(Scheduled(job, scheduled_for))
            outcome = OK
        except HandlerFailed:
            outcome = FAILED  # the dispatcher logged why
        await self._finish(job, scheduled_for, outcome)
        return outcome

    async def _claim(self, job: str, scheduled_for: datetime) -> bool:
        # Committed before the job starts, so the other replicas' inserts stop waiting on it.
        async with self.services.sessions() as session:
            won = await scheduled_runs.claim(session, job, scheduled_for, self.replica,
                                             self.services.clock())
            await session.commit()
        return won

    async def _finish(self, job: str, scheduled_for: datetime, outcome: str) -> None:
        async with self.services.sessions() as session:
            await scheduled_runs.finish(session, job, scheduled_for, outcome,
                                        self.services.clock())
            await session.commit()
