"""Milestones without HTTP in front: each is reached from the figures, celebrated once (a
rerun, tomorrow's check and a second replica find its row), posted in the digest channel and
on the kudos wall, and not reached when the bar is not cleared (K-anonymity included)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.flows.milestones.celebrate import milestones_check
from bot.handlers.milestones import JOB
from bot.metrics import Metrics
from bot.scheduler import SKIPPED, Scheduler
from bot.server import DISPATCHER, create_app
from bot.services import Services
from storage.engine import create_engine, session_factory
from storage.milestones import Milestone, reached_between
from tests import milestones_kit as kit
from tests.clock import Clock
from tests.outbox_kit import outbox_rows

on_postgres = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)

EVERYTHING = ["csat:80", "csat:90", "sla_clean", "nps:q4-2026", "kudos:3", "kudos:5",
              "complaints_zero:1"]


def _milestones(raw, **changes) -> None:
    raw["milestones"] = {"csat_min_answers": 10, "sla_min_tickets": 5, "kudos_counts": [3, 5],
                         **changes}


@pytest.fixture
def settings(make_settings):
    return make_settings(config=_milestones)


@pytest.fixture
def clock() -> Clock:
    return Clock(kit.CHECK_AT)


async def _seed(services, *, scores=(5,) * 9 + (2,), breached=0, kudos=5,
                nps=((9,) * 6 + (7,) * 3 + (3,), (9,) * 5 + (7,) * 3 + (3,) * 2)) -> None:
    async with services.sessions() as session:
        tom, erin = await kit.person(session, "tom"), await kit.person(session, "erin")
        await kit.week_of_tickets(session, erin, list(scores), breached=breached)
        await kit.kudos(session, erin, tom, kudos)
        await kit.complaint(session, erin, resolved=True)
        latest, earlier = nps
        await kit.pulse(session, "q4-2026", datetime(2026, 12, 1, tzinfo=UTC), list(latest))
        await kit.pulse(session, "q4-2025", datetime(2025, 12, 3, tzinfo=UTC), list(earlier))
        await session.commit()


async def _check(services, now: datetime | None = None) -> list[str]:
    async with services.sessions() as session:
        keys = await milestones_check(session, services, now or services.clock())
        await session.commit()
    return keys


async def test_each_milestone_is_celebrated_once_in_both_channels(services):
    await _seed(services)

    assert sorted(await _check(services)) == sorted(EVERYTHING)
    # A rerun, and tomorrow's check, find every row and post nothing.
    assert await _check(services) == []
    assert await _check(services, kit.CHECK_AT + timedelta(days=1)) == []

    rows = await outbox_rows(services, "milestone:")
    assert sorted((row.key, row.channel) for row in rows) == sorted(
        [(f"milestone:{key}:digest", "C0DIGEST1") for key in EVERYTHING]
        + [(f"milestone:{key}:wall", "C0KUDOS01") for key in EVERYTHING])
    by_key = {row.key: row.payload["context"] for row in rows}
    assert by_key["milestone:csat:90:digest"].items() >= {
        "kind": "csat", "level": 90, "csat": 90.0, "week": "2026-11-30"}.items()
    assert by_key["milestone:nps:q4-2026:wall"].items() >= {
        "nps": 50, "previous": 30, "gain": 20}.items()
    assert by_key["milestone:sla_clean:digest"]["tickets"] == 10
    async with services.sessions() as session:
        reached = await reached_between(session, kit.CHECK_AT, kit.CHECK_AT + timedelta(1))
    assert sorted(m.key for m in reached) == sorted(EVERYTHING)


async def test_new_complaints_and_kudos_make_new_milestones_and_old_ones_stay_done(services):
    await _seed(services, kudos=3)
    assert "kudos:5" not in await _check(services)
    async with services.sessions() as session:
        tom, erin = await kit.person(session, "tom2"), await kit.person(session, "erin2")
        open_one = await kit.complaint(session, erin, resolved=False)
        await kit.kudos(session, erin, tom, 2)
        await session.commit()
    # A complaint open again: no backlog-zero milestone, however often checked.
    assert await _check(services) == ["kudos:5"]
    async with services.sessions() as session:
        open_one.status, open_one.resolved_at = "resolved", kit.CHECK_AT
        session.add(open_one)
        await session.commit()
    assert await _check(services) == ["complaints_zero:2"]


async def test_bars_not_cleared_celebrate_nothing(services):
    # CSAT 70 % (below 80), a breached ticket, no NPS gain and two kudos: only the
    # seeded complaint, resolved, clears its bar.
    await _seed(services, scores=(5,) * 7 + (1,) * 3, breached=1, kudos=2,
                nps=((9,) * 5 + (7,) * 3 + (3,) * 2, (9,) * 5 + (7,) * 3 + (3,) * 2))
    keys = await _check(services)
    assert keys == ["complaints_zero:1"]


async def test_nps_needs_k_answers_on_both_sides(services):
    # Four answers a year ago (pulses.min_group is 5): the gain says nothing about anyone.
    await _seed(services, nps=((10,) * 6, (0,) * 4))
    assert not [key for key in await _check(services) if key.startswith("nps:")]


async def test_too_few_answers_are_no_csat_milestone(services):
    await _seed(services, scores=(5,) * 9)  # nine answers; at least ten count
    assert not [key for key in await _check(services) if key.startswith("csat:")]


@pytest.fixture
def settings_again(make_settings):
    return make_settings(config=lambda raw: _milestones(raw, again_after_weeks=2))


async def test_again_after_n_weeks_celebrates_a_return_to_the_level(settings_again, chat,
                                                                    clock):
    engine = create_engine(settings_again.secrets.database_url.get_secret_value())
    services = Services(settings=settings_again, engine=engine,
                        sessions=session_factory(engine), chat=chat, metrics=Metrics(),
                        clock=clock)
    try:
        await _seed(services)
        assert {"csat:80:2026-11-30", "csat:90:2026-11-30",
                "sla_clean:2026-11-30"} <= set(await _check(services))
        # The next week at 90 % again: reached in the two weeks before, so not new.
        async with services.sessions() as session:
            erin = await kit.person(session, "erin3")
            await kit.week_of_tickets(session, erin, [5] * 9 + [2],
                                      week_start=kit.WEEK_START + timedelta(days=7))
            await session.commit()
        later = await _check(services, kit.CHECK_AT + timedelta(days=7))
        assert not [key for key in later if key.startswith(("csat:", "sla_clean"))]
    finally:
        await engine.dispose()


@on_postgres
async def test_two_replicas_celebrate_each_milestone_once(settings, services):
    await _seed(services)
    apps = [create_app(settings, clock=Clock(kit.CHECK_AT), scheduler=False,
                       outbox_sender=False) for _ in range(2)]
    schedulers = [Scheduler(app[DISPATCHER]) for app in apps]
    fire = kit.CHECK_AT
    try:
        # The same slot on both replicas: one claims it, the other skips it.
        outcomes = await asyncio.gather(*(s._claimed_run(JOB, fire) for s in schedulers))
        assert sorted(outcomes) == ["ok", SKIPPED]
        # Two different slots at once (a rerun beside the daily run): both run the check,
        # and each milestone's row lets only one of them post.
        outcomes = await asyncio.gather(schedulers[0]._claimed_run(JOB, fire + timedelta(1)),
                                        schedulers[1]._claimed_run(JOB, fire + timedelta(2)))
        assert outcomes == ["ok", "ok"]
    finally:
        for app in apps:
            await app[DISPATCHER].services.engine.dispose()
    rows = await outbox_rows(services, "milestone:")
    assert len(rows) == 2 * len(EVERYTHING)
    async with services.sessions() as session:
        assert len((await session.exec(select(Milestone))).all()) == len(EVERYTHING)
