"""The scheduler: each run is claimed in the database, so every slot runs once across replicas,
and handed to the dispatcher like any other entry.

In the two-replica test the second replica is this file run as a script (see `_replica`): two
real processes, each with its own scheduler and engine, race for the same slots in one
PostgreSQL database.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import text
from sqlmodel import col, select

from bot.config import load_settings
from bot.emulators.slack import WAIT_S
from bot.handlers.routes import ScheduledTurn
from bot.handlers.scheduler import CLAIM_RETENTION, prune_claims
from bot.intents import Scheduled
from bot.scheduler import Scheduler
from bot.server import DISPATCHER, SCHEDULER, SERVICES, create_app
from storage.engine import create_engine, session_factory
from storage.models import ScheduledRun

ROOT = Path(__file__).resolve().parents[2]
PATIENCE_S = WAIT_S
"""tests.waiting's, from where that takes it: this file also runs as a script (the other
replica), where the tests package cannot be imported."""
JOB = "test.tick"
SLOTS = 4
ORGANISATION_ZONE = ZoneInfo("Europe/London")  # tests/conftest.py app_config()
FIXED_NOW = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)

on_sqlite = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
on_postgres = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)


def _soon(after: float = 0.3) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=after)


def _every_second(app: web.Application, job, first: datetime, slots: int) -> None:
    """`job` at `first` and each second after, `slots` times: an interval with a fixed start."""
    app[SCHEDULER].schedule(JOB, job, "interval", seconds=1, start_date=first,
                            end_date=first + timedelta(seconds=slots - 0.5))


def _handled(app: web.Application) -> int:
    """Runs of the test's job the dispatcher handled, by its handler metrics."""
    return int(app[SERVICES].metrics.registry.get_sample_value(
        "touchpoint_handler_seconds_count", {"intent": f"schedule:{JOB}"}) or 0)


def _runs(app: web.Application) -> dict[str, int]:
    registry = app[SERVICES].metrics.registry
    return {outcome: int(registry.get_sample_value(
                "touchpoint_scheduler_runs_total", {"job": JOB, "outcome": outcome}) or 0)
            for outcome in ("ok", "failed", "skipped")}


async def _until_runs(app: web.Application, count: int, within_s: float) -> dict[str, int]:
    async with asyncio.timeout(within_s):
        # Polled: a Prometheus counter cannot be awaited.
        while sum((runs := _runs(app)).values()) < count:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
    return runs


@asynccontextmanager
async def _started(app: web.Application) -> AsyncIterator[None]:
    """The app's start-up and shut-down hooks, without serving HTTP."""
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        yield
    finally:
        await runner.cleanup()


async def _claims(database_url: str, job: str = JOB) -> list[ScheduledRun]:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            # The app's own jobs (an every-minute one may fire meanwhile) are not under test.
            query = (select(ScheduledRun).where(col(ScheduledRun.job) == job)
                     .order_by(col(ScheduledRun.scheduled_for)))
            return list((await session.exec(query)).all())
    finally:
        await engine.dispose()


@on_sqlite
async def test_a_run_is_claimed_then_recorded_ok(settings, database_url):
    app = create_app(settings, clock=lambda: FIXED_NOW)
    seen: list[ScheduledTurn] = []

    async def tick(turn: ScheduledTurn) -> None:
        seen.append(turn)

    async with _started(app):
        # Scheduled once the app has started, however long that took on a busy machine: a
        # slot already past when the scheduler starts is not run.
        first = _soon().replace(microsecond=0) + timedelta(seconds=1)
        app[SCHEDULER].schedule(JOB, tick, "cron", second="*", start_date=first,
                                end_date=first + timedelta(seconds=1))
        runs = await _until_runs(app, 2, within_s=PATIENCE_S)

    slots = [first, first + timedelta(seconds=1)]
    assert runs == {"ok": 2, "failed": 0, "skipped": 0}
    assert [turn.run for turn in seen] == [Scheduled(JOB, slot) for slot in slots]
    assert all(turn.services is app[SERVICES] for turn in seen)
    assert all(turn.scheduled_for.tzinfo == ORGANISATION_ZONE for turn in seen)
    # Each run was a turn of the dispatcher, counted with the handlers.
    assert _handled(app) == 2
    replica = app[SCHEDULER].replica
    assert [(c.job, c.scheduled_for, c.claimed_by, c.claimed_at, c.finished_at, c.outcome)
            for c in await _claims(database_url)] == [
        (JOB, slot, replica, FIXED_NOW, FIXED_NOW, "ok") for slot in slots]


@on_sqlite
async def test_a_failing_run_is_recorded_failed_and_the_next_still_runs(
        settings, database_url, caplog):
    app = create_app(settings)
    calls: list[datetime] = []

    async def flaky(turn: ScheduledTurn) -> None:
        calls.append(turn.scheduled_for)
        if len(calls) == 1:
            raise RuntimeError("the directory is down")

    # Two seconds out: both slots must come after the start-up, even on a busy machine (two
    # slots missed while it starts would be run once, coalesced).
    first = _soon(2.0)
    _every_second(app, flaky, first, slots=2)
    with caplog.at_level(logging.ERROR, logger="bot"):
        async with _started(app):
            runs = await _until_runs(app, 2, within_s=PATIENCE_S)

    assert runs == {"ok": 1, "failed": 1, "skipped": 0}
    claims = await _claims(database_url)
    assert [(c.scheduled_for, c.outcome) for c in claims] == [
        (first, "failed"), (first + timedelta(seconds=1), "ok")]
    assert all(c.finished_at is not None for c in claims)
    # Logged by the dispatcher, as any failing handler is.
    [logged] = [record for record in caplog.records if record.exc_info]
    assert (logged.name, logged.getMessage()) == (
        "bot.handlers.dispatcher", f"handler for schedule:{JOB} failed")
    assert logged.exc_info is not None and logged.exc_info[0] is RuntimeError
    assert _handled(app) == 2


@on_sqlite
async def test_a_slot_claimed_elsewhere_is_skipped(settings, database_url):
    app = create_app(settings)
    first = _soon(2.0)  # after the start-up, even on a busy machine (as above)
    async with app[SERVICES].sessions() as session:
        session.add(ScheduledRun(job=JOB, scheduled_for=first, claimed_by="another-replica"))
        await session.commit()
    ran: list[datetime] = []

    async def tick(turn: ScheduledTurn) -> None:
        ran.append(turn.scheduled_for)

    _every_second(app, tick, first, slots=2)
    async with _started(app):
        runs = await _until_runs(app, 2, within_s=PATIENCE_S)

    second = first + timedelta(seconds=1)
    assert runs == {"ok": 1, "failed": 0, "skipped": 1}
    assert ran == [second]
    assert [(c.scheduled_for, c.claimed_by, c.outcome) for c in await _claims(database_url)] == [
        (first, "another-replica", None), (second, app[SCHEDULER].replica, "ok")]


def _slow_job(seconds: float) -> tuple[Callable[[ScheduledTurn], Awaitable[None]],
                                       asyncio.Event, asyncio.Event]:
    """A job that says it started, takes `seconds`, then says it finished."""
    started, finished = asyncio.Event(), asyncio.Event()

    async def slow(_turn: ScheduledTurn) -> None:
        started.set()
        await asyncio.sleep(seconds)
        finished.set()

    return slow, started, finished


@asynccontextmanager
async def _once_started(app: web.Application, job, started: asyncio.Event
                        ) -> AsyncIterator[None]:
    """The app started with `job` due once, soon; inside, the job has started."""
    async with _started(app):
        _every_second(app, job, _soon(), slots=1)  # once started: see the first test
        await asyncio.wait_for(started.wait(), timeout=PATIENCE_S)
        yield


@on_sqlite
async def test_shutdown_lets_a_running_job_finish(settings, database_url):
    app = create_app(settings)
    slow, started, finished = _slow_job(0.3)
    async with _once_started(app, slow, started):
        pass  # the app shuts down while the job runs

    assert finished.is_set()
    assert [c.outcome for c in await _claims(database_url)] == ["ok"]


@on_sqlite
async def test_shutdown_cancels_a_run_that_outlasts_the_bound(settings, database_url):
    app = create_app(settings)
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def stuck(_turn: ScheduledTurn) -> None:
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async with _once_started(app, stuck, started):
        async with asyncio.timeout(2):
            await app[SCHEDULER].shutdown(within_s=0.2)
        assert cancelled.is_set()

    [claim] = await _claims(database_url)
    assert (claim.finished_at, claim.outcome) == (None, None)


@on_sqlite
async def test_shutdown_waits_for_a_run_submitted_but_not_started(settings, database_url):
    app = create_app(settings)
    slow, started, _ = _slow_job(0.2)
    async with _once_started(app, slow, started):
        scheduler = app[SCHEDULER]
        # Another job's run, submitted on the same turn the shutdown begins: its task exists
        # but has not started.
        later = datetime.now(ORGANISATION_ZONE).replace(microsecond=0) + timedelta(hours=1)
        job = scheduler.schedule("test.later", slow, "date", run_date=later)
        scheduler._executor.submit_job(job, [later])
        async with asyncio.timeout(2):
            await scheduler.shutdown(within_s=1)

    assert [c.outcome for c in await _claims(database_url)] == ["ok"]
    assert [c.outcome for c in await _claims(database_url, "test.later")] == ["ok"]


async def test_claims_older_than_the_retention_are_pruned_daily(settings, database_url):
    app = create_app(settings)
    [route] = [r for r in app[DISPATCHER].schedule_routes if r.job == "scheduler.prune"]
    assert route.handler is prune_claims
    prune = app[SCHEDULER]._apscheduler.get_job("scheduler.prune")
    assert prune.args == ("scheduler.prune",)
    assert isinstance(prune.trigger, CronTrigger)
    assert str(prune.trigger) == "cron[hour='3', minute='30']"
    slot = datetime(2030, 1, 31, 3, 30, tzinfo=ORGANISATION_ZONE)
    oldest_kept = slot - CLAIM_RETENTION
    async with _started(app):
        async with app[SERVICES].sessions() as session:
            for when in (oldest_kept - timedelta(minutes=1), oldest_kept,
                         slot - timedelta(minutes=1)):
                session.add(ScheduledRun(job=JOB, scheduled_for=when, claimed_by="another",
                                         claimed_at=when))
            await session.commit()
        await app[DISPATCHER].run(Scheduled("scheduler.prune", slot))

    assert [c.scheduled_for for c in await _claims(database_url)] == [
        oldest_kept, slot - timedelta(minutes=1)]


@on_sqlite
async def test_interval_slots_agree_between_replicas_started_apart(settings):
    app = create_app(settings, scheduler=False)
    replicas = []
    for _ in range(2):
        replicas.append(Scheduler(app[DISPATCHER]))
        await asyncio.sleep(0.05)

    async def tick(_turn: ScheduledTurn) -> None:
        raise AssertionError("never started")

    jobs = [replica.schedule(JOB, tick, "interval", minutes=7) for replica in replicas]
    now = datetime.now(UTC)
    first, second = (job.trigger.get_next_fire_time(None, now) for job in jobs)
    assert first == second
    assert first.tzinfo == ORGANISATION_ZONE


@on_sqlite
async def test_triggers_replicas_would_disagree_on_are_refused(settings):
    app = create_app(settings)
    scheduler = app[SCHEDULER]

    async def tick(_turn: ScheduledTurn) -> None:
        raise AssertionError("never started")

    with pytest.raises(ValueError, match="interval"):
        scheduler.schedule(JOB, tick, IntervalTrigger(minutes=5))
    with pytest.raises(ValueError, match="jitter"):
        scheduler.schedule(JOB, tick, "cron", minute="*/5", jitter=30)
    assert JOB not in {route.job for route in app[DISPATCHER].schedule_routes}


@on_sqlite
async def test_an_app_can_leave_the_scheduler_out(settings):
    assert SCHEDULER in create_app(settings)
    app = create_app(settings, scheduler=False)
    async with _started(app):
        assert SCHEDULER not in app


@on_postgres
async def test_two_replicas_run_each_slot_exactly_once(settings, database_url, cli_env):
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.execute(text(
            "CREATE TABLE scheduler_tick (slot timestamptz NOT NULL, pid integer NOT NULL)"))
    env = cli_env(TOUCHPOINT_CONFIG=str(settings.config_path), DATABASE_URL=database_url,
                  TOUCHPOINT_TEAMS_DEV_MODE="1")
    other = await asyncio.create_subprocess_exec(
        sys.executable, __file__, cwd=ROOT, env=env, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    app = create_app(settings)
    try:
        async with _started(app):
            assert other.stdout is not None and other.stderr is not None
            ready = await asyncio.wait_for(other.stdout.readline(), timeout=30)
            assert ready == b"ready\n", (await other.stderr.read()).decode()
            # Time for the other process to read it and schedule it, even on a busy machine.
            first = _soon(2.0)
            _every_second(app, _tick, first, slots=SLOTS)
            out, err = await asyncio.wait_for(
                other.communicate(f"{first.isoformat()}\n".encode()), timeout=SLOTS + 20)
            here = await _until_runs(app, SLOTS, within_s=PATIENCE_S)
    finally:
        if other.returncode is None:
            other.kill()
            await other.wait()
    assert other.returncode == 0, err.decode()
    there = json.loads(out)

    async with engine.connect() as connection:
        ticks = (await connection.execute(
            text("SELECT slot, pid FROM scheduler_tick ORDER BY slot"))).all()
    await engine.dispose()
    claims = await _claims(database_url)

    slots = [first + timedelta(seconds=n) for n in range(SLOTS)]
    # Every slot ran exactly once, in the process that claimed it.
    assert [slot for slot, _pid in ticks] == slots
    assert [(c.scheduled_for, c.outcome) for c in claims] == [(slot, "ok") for slot in slots]
    assert [str(pid) for _slot, pid in ticks] == [
        c.claimed_by.rsplit(":", 1)[1] for c in claims]
    assert {pid for _slot, pid in ticks} <= {os.getpid(), other.pid}
    # Both replicas saw every slot: the one that lost the claim counted it as skipped.
    assert [runs["ok"] + runs["skipped"] for runs in (here, there)] == [SLOTS, SLOTS]
    assert here["ok"] + there["ok"] == SLOTS
    assert [runs["failed"] for runs in (here, there)] == [0, 0]


async def _tick(turn: ScheduledTurn) -> None:
    connection = await turn.session.connection()
    await connection.execute(text("INSERT INTO scheduler_tick (slot, pid) VALUES (:slot, :pid)"),
                             {"slot": turn.scheduled_for, "pid": os.getpid()})


async def _replica() -> dict[str, int]:
    """The other replica of the two-replica test: settings from the environment, the first
    slot from stdin once its scheduler is running, its run counts once it has seen them all."""
    app = create_app(load_settings())
    async with _started(app):
        print("ready", flush=True)
        first = datetime.fromisoformat((await asyncio.to_thread(sys.stdin.readline)).strip())
        _every_second(app, _tick, first, slots=SLOTS)
        return await _until_runs(app, SLOTS, within_s=SLOTS + 10)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    print(json.dumps(asyncio.run(_replica())), flush=True)
