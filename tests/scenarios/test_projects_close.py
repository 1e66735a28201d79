"""A project closes once whatever runs the close, on PostgreSQL: two more replicas on the same
database, each with its real scheduler firing the close job at the same two slots (each slot
claimed by one of them), while the serving replica runs the every-minute ``projects.tick``
itself, unclaimed, and the owner types ``project close``. The project is closed once, each
stakeholder and end user gets one review DM (one outbox row each, sent once), and the losers
are told kindly."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from sqlmodel import col, select

from bot.handlers.projects import tick
from bot.server import SCHEDULER, create_app
from storage.models import ScheduledRun
from storage.outbox import OutboxMessage
from storage.projects import Project
from tests.scenarios.project_kit import (
    END_USERS,
    OWNER,
    STAKEHOLDERS,
    answer_text,
    create_project,
    record_conditions,
)
from tests.scenarios.pulse_kit import bot_options, clock, sync  # noqa: F401 - fixtures
from tests.scenarios.test_projects import dms_with, settings, slack  # noqa: F401 - fixtures
from tests.waiting import eventually

JOB = "projects.close-race"


@pytest.fixture
async def sender(bot, slack_sender):
    await sync(bot.services)
    return slack_sender


async def _replica(settings, clock) -> web.AppRunner:  # noqa: F811 - the fixture's value
    """A replica without HTTP or outbox sender: its scheduler only (started by setup)."""
    app = create_app(settings, clock=clock, outbox_sender=False)
    runner = web.AppRunner(app)
    await runner.setup()
    return runner


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)],
                         indirect=True)
async def test_two_schedulers_close_a_project_once(bot, sender, slack, clock,  # noqa: F811
                                                   settings):  # noqa: F811
    await create_project(sender, slack, "erp")
    await record_conditions(sender, slack, {"s0": "Invoices nightly", "s1": "No downtime"})
    # The close date has come (real time: the schedulers below fire on the wall clock).
    now = datetime.now(UTC)
    clock.set(now)
    async with bot.services.sessions() as session:
        project = (await session.exec(select(Project))).one()
        project.closes_at = now - timedelta(minutes=1)
        session.add(project)
        await session.commit()

    replicas = [await _replica(settings, clock) for _ in range(2)]
    try:
        # From now, not from before the replicas started: a slot already past is not run.
        first = datetime.now(UTC) + timedelta(seconds=0.5)
        for runner in replicas:
            runner.app[SCHEDULER].schedule(JOB, tick, "interval", seconds=1, start_date=first,
                                           end_date=first + timedelta(seconds=1.5))
        # Meanwhile the serving replica's own tick (unclaimed) and the owner's command.
        slack.clear()
        await asyncio.gather(bot.run_job("projects.tick", first),
                             sender.command("/touchpoint", "project close erp", user_id=OWNER))
        [answer] = await slack.wait_for_response(1)
        said = answer_text(answer.body)

        async def both_slots_run() -> bool:
            async with bot.services.sessions() as session:
                runs = (await session.exec(select(ScheduledRun).where(
                    col(ScheduledRun.job) == JOB, col(ScheduledRun.outcome).is_not(None)))).all()
            return len(runs) == 2

        await eventually(both_slots_run)
    finally:
        for runner in replicas:
            await runner.cleanup()

    assert "is closed" in said or "has closed" in said
    async with bot.services.sessions() as session:
        claims = (await session.exec(select(ScheduledRun).where(
            col(ScheduledRun.job) == JOB))).all()
        rows = (await session.exec(select(OutboxMessage).where(
            col(OutboxMessage.key).like("project:%")))).all()
    # Each slot was claimed by one replica, which ran it.
    assert [c.outcome for c in claims] == ["ok", "ok"]
    assert {c.claimed_by for c in claims} <= {r.app[SCHEDULER].replica for r in replicas}
    reviews = sorted(r.key for r in rows if r.key.endswith(":review"))
    rates = sorted(r.key for r in rows if r.key.endswith(":rate"))
    assert len(reviews) == len(set(reviews)) == len(STAKEHOLDERS)
    assert len(rates) == len(set(rates)) == len(END_USERS)
    await eventually(lambda: len(dms_with(slack, "project.review")) == len(STAKEHOLDERS))
    await asyncio.sleep(0.3)
    assert dms_with(slack, "project.review") == sorted(STAKEHOLDERS)
