"""The digest read from its hourly roll-ups gives the same figures as counted from the raw rows,
on SQLite and PostgreSQL: the fixed data set (tests/digest_data.py) with 13 weeks of tickets
and surveys around it, weekly and monthly, whole and scoped; and after a late answer, a
reopening and a desk's correction to hours already rolled up, which the database's triggers
mark stale until the ``digests.roll_up`` job computes them again."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from aiohttp import web
from apscheduler.triggers.interval import IntervalTrigger
from sqlmodel import col, select, update

from bot.flows.digests import posting
from bot.flows.digests.periods import parse
from bot.flows.digests.rollups import HOURS_PER_RUN, ROLL_UP_JOB, roll_up
from bot.intents import Scheduled
from bot.server import DISPATCHER, SCHEDULER, SERVICES, create_app
from storage import digest_stats
from storage.csat import SurveyAnswer, SurveyInvitation, mark_answered
from storage.csat_stats import csat_figures
from storage.digest_rollup_reads import backlog, csat_by_service, weeks
from storage.digest_rollups import DigestHour, DigestHourFigures, hour_of
from storage.digest_stats import Scope
from storage.tickets import Ticket
from tests import digest_data
from tests.clock import Clock

NOW = digest_data.NOW
H = timedelta(hours=1)
EMAIL = "Email and calendar"
WHOLE = Scope()


@pytest.fixture
def settings(make_settings):
    def configure(raw: dict) -> None:
        raw["services"] = [{"name": EMAIL, "aliases": ["Email"]},
                           {"name": "Laptops and devices"}]
        raw["digests"] = [
            {"name": "weekly", "targets": {"sla": {"P1": 95}, "nps": 30}},
            {"name": "email", "channel": {"slack": "C0EMAIL01"},
             "schedule": {"every": "month", "day_of_month": 2, "time": "08:00"},
             "scope": {"services": ["email"]}, "sections": ["sla", "csat"]},
        ]
    return make_settings(configure)


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


async def _seed(services) -> None:
    """The fixed data set, and 300 tickets over the 13 weeks before it: all SLA outcomes,
    some reopened, most surveyed, some answered."""
    rng = random.Random(17)
    async with services.sessions() as session:
        await digest_data.seed(session)
        start = digest_data.MONDAY - timedelta(weeks=13)
        for n in range(300):
            opened = start + timedelta(minutes=rng.randrange(13 * 7 * 24 * 60))
            resolved = opened + rng.choice([1, 5, 30]) * H if rng.random() < 0.9 else None
            ticket = Ticket(
                source="bulk", external_id=f"B{n}", priority=f"P{rng.randint(1, 4)}",
                service=rng.choice([EMAIL, "Laptops and devices", None]), opened_at=opened,
                first_response_at=opened + rng.choice([0.2, 3]) * H if rng.random() < 0.8
                else None, resolved_at=resolved, reopen_count=int(rng.random() < 0.1),
                response_due_at=opened + H, resolution_due_at=opened + 8 * H,
                status="resolved" if resolved else "open", last_event_at=opened)
            session.add(ticket)
            await session.flush()
            if resolved is None or rng.random() < 0.2:
                continue
            status = rng.choice(["sent", "answered", "answered", "expired", "void"])
            invitation = SurveyInvitation(ticket_id=ticket.id, status=status,
                                          sent_at=resolved + 0.5 * H, created_at=resolved)
            session.add(invitation)
            await session.flush()
            if status == "answered":
                session.add(SurveyAnswer(invitation_id=invitation.id, score=rng.randint(1, 5),
                                         answered_at=resolved + 2 * H))
        await session.commit()


def _digest(services, name):
    return next(d for d in services.settings.app.digests if d.name == name)


async def _composed(services) -> list:
    """The context of every digest this test compares, weekly and monthly."""
    app = services.settings.app
    found = []
    async with services.sessions() as session:
        for name, period in (("weekly", digest_data.WEEK), ("weekly", "2026-W44"),
                             ("email", "2026-11"), ("email", "2026-10")):
            message = await posting.compose(session, app, _digest(services, name),
                                            parse(period, app.organisation.zone), NOW)
            found.append(message.context)
    return found


async def _raw_and_rolled(services, edges, scope=WHOLE):
    """The weeks between `edges` counted raw and read from the roll-ups, the same for the
    backlog at each edge and at a moment inside an hour, and CSAT per service in the last
    week, in all the weeks and from a moment inside an hour to another."""
    ats = [*edges, edges[-1] - timedelta(minutes=90, seconds=17)]
    spans = [(edges[-2], edges[-1]), (edges[0], edges[-1]),
             (edges[-2] + timedelta(minutes=17), edges[-1] - timedelta(minutes=43))]
    async with services.sessions() as session:
        raw = (await digest_stats.ticket_weeks(session, edges, NOW, scope),
               await digest_stats.csat_weeks(session, edges, scope),
               [await digest_stats.backlog(session, at, scope) for at in ats],
               [_per_service(await csat_figures(session, start, end, by="service",
                                                where=scope.tickets()))
                for start, end in spans])
        rolled = (*await weeks(session, edges, NOW, scope),
                  [await backlog(session, at, scope) for at in ats],
                  [_per_service(await csat_by_service(session, start, end, scope))
                   for start, end in spans])
    return raw, rolled


def _per_service(rows) -> list[tuple]:
    """Comparable rows: the mean as the database's average and the sum over the count may
    differ in the last bit."""
    return sorted((row.group, row.sent, row.answered, row.satisfied,
                   None if row.average is None else round(row.average, 9)) for row in rows)


async def _hour(services, at):
    async with services.sessions() as session:
        return await session.get(DigestHour, hour_of(at))


async def _job(services) -> int:
    """Runs of the job (as its slots would come) until it has nothing left to compute: the
    first adds the hours, the next compute them, a bounded number each."""
    assert await roll_up(services, NOW) == 0
    computed = []
    while done := await roll_up(services, NOW):
        computed.append(done)
    assert len(computed) > 1 and max(computed) <= HOURS_PER_RUN
    return sum(computed)


async def test_the_roll_up_gives_the_raw_figures_also_after_late_writes(services):
    await _seed(services)
    before = await _composed(services)  # no roll-up yet: all raw
    computed = await _job(services)
    assert computed > 13 * 7 * 24
    assert await _composed(services) == before
    period = parse(digest_data.WEEK, services.settings.app.organisation.zone)
    edges = period.week_edges()
    for scope in (WHOLE, Scope(services=(EMAIL,))):
        raw, rolled = await _raw_and_rolled(services, edges, scope)
        assert rolled == raw
    # Ticket 8 is still within its resolution deadline at NOW: its hour is read raw.
    async with services.sessions() as session:
        eight = (await session.exec(select(Ticket).where(Ticket.external_id == "INC0008"))).one()
    pending = await _hour(services, eight.opened_at)
    assert pending is not None and pending.settles_at is not None
    assert pending.settles_at > NOW

    # The figures are read from the roll-up: a row changed by hand shows in the digest.
    async with services.sessions() as session:
        await session.exec(update(DigestHourFigures).where(
            col(DigestHourFigures.starts_at) == hour_of(digest_data.MONDAY + 9 * H))
            .values(opened=DigestHourFigures.opened + 100, sent=DigestHourFigures.sent + 7))
        await session.commit()
    raw, rolled = await _raw_and_rolled(services, edges)
    assert rolled[0][-1].opened == raw[0][-1].opened + 100
    assert rolled[2][-1] == raw[2][-1] + 100  # the backlog too
    for week_or_all in (0, 1):  # and CSAT per service
        assert (sum(row[1] for row in rolled[3][week_or_all])
                == sum(row[1] for row in raw[3][week_or_all]) + 7)
    await _mark_stale_and_recompute(services, digest_data.MONDAY + 9 * H)

    # A late answer to a survey sent in a closed, rolled-up hour (ticket 6's, unanswered).
    async with services.sessions() as session:
        six = (await session.exec(select(Ticket).where(Ticket.external_id == "INC0006"))).one()
        invitation = (await session.exec(select(SurveyInvitation).where(
            SurveyInvitation.ticket_id == six.id))).one()
        sent_at = invitation.sent_at
        session.add(SurveyAnswer(invitation_id=invitation.id, score=5, answered_at=NOW))
        await session.flush()
        assert await mark_answered(session, invitation.id, NOW)
        await session.commit()
    sent_hour = await _hour(services, sent_at)
    assert sent_hour.stale and sent_hour.computed_at is not None
    raw, rolled = await _raw_and_rolled(services, edges)
    assert rolled == raw and raw[1][-1].answered == 4  # the answer counts at once
    # A reopening of last week's ticket 1, and a desk moving ticket 2 to another service.
    async with services.sessions() as session:
        one = (await session.exec(select(Ticket).where(Ticket.external_id == "INC0001"))).one()
        one.reopen_count = 1
        two = (await session.exec(select(Ticket).where(Ticket.external_id == "INC0002"))).one()
        two.service = EMAIL
        touched = (one.opened_at, two.opened_at, two.resolved_at)
        await session.commit()
    for at in touched:
        assert (await _hour(services, at)).stale
    for scope in (WHOLE, Scope(services=(EMAIL,))):
        raw, rolled = await _raw_and_rolled(services, edges, scope)
        assert rolled == raw
    changed = await _composed(services)
    assert changed != before

    assert await roll_up(services, NOW) >= 4  # the stale hours, computed again
    assert not (await _hour(services, sent_at)).stale
    async with services.sessions() as session:
        figures = await session.get(DigestHourFigures, (hour_of(sent_at), EMAIL))
    assert figures is not None and figures.answered == 1 and figures.score_sum == 5
    assert await _composed(services) == changed
    for scope in (WHOLE, Scope(services=(EMAIL,))):
        raw, rolled = await _raw_and_rolled(services, edges, scope)
        assert rolled == raw


async def _mark_stale_and_recompute(services, at) -> None:
    async with services.sessions() as session:
        await session.exec(update(DigestHour).where(col(DigestHour.starts_at) == hour_of(at))
                           .values(stale=True))
        await session.commit()
    assert await roll_up(services, NOW) == 1


async def test_the_job_is_scheduled_every_15_minutes_and_adds_the_closed_hours(settings):
    app = create_app(settings)
    job = app[SCHEDULER]._apscheduler.get_job(ROLL_UP_JOB)
    assert isinstance(job.trigger, IntervalTrigger)
    assert job.trigger.interval == timedelta(minutes=15)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        await _seed(app[SERVICES])
        await app[DISPATCHER].run(Scheduled(ROLL_UP_JOB, NOW))
        async with app[SERVICES].sessions() as session:
            hours = (await session.exec(select(DigestHour.starts_at)
                                        .order_by(col(DigestHour.starts_at)))).all()
    finally:
        await runner.cleanup()
    # From the first ticket's hour to the last that closed an hour before the run.
    assert hours[-1] == hour_of(NOW) - 2 * H
    assert len(hours) == (hours[-1] - hours[0]) / H + 1
