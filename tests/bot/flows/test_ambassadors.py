"""The ambassadors' monthly summary on a fixed data set (tests/ambassador_data.py), on SQLite
and PostgreSQL: the golden text on Slack and Teams, the K threshold, nobody named, and one
summary per ambassador and month, also with two replicas' schedulers on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.chat.codec import decode
from bot.flows.ambassadors import low_score, summary
from bot.flows.ambassadors.ids import JOB
from bot.metrics import Metrics
from bot.scheduler import SKIPPED, Scheduler
from bot.server import DISPATCHER, create_app
from bot.services import Services
from storage import ambassadors as store
from storage.ambassadors import AmbassadorSummary
from storage.csat import SurveyInvitation
from storage.engine import create_engine, session_factory
from storage.models import Person
from storage.tickets import Ticket
from tests import ambassador_data as data
from tests.bot.flows.test_digests import slack_text, teams_text
from tests.clock import Clock
from tests.outbox_kit import outbox_rows

GOLDEN = Path(__file__).parent / "golden"
on_postgres = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)


@pytest.fixture
def settings(make_settings):
    return make_settings(data.config)


@pytest.fixture
def clock() -> Clock:
    return Clock(data.SLOT)


async def _summary(services, department: str = "Finance") -> str:
    month = summary.Month(data.SLOT, services.settings.app.organisation.zone)
    async with services.sessions() as session:
        return await summary.compose(session, services, department, month)


@pytest.mark.parametrize("platform", ["slack", "teams"])
async def test_golden_text_of_finance_in_november(services, platform):
    async with services.sessions() as session:
        await data.seed(session)
    message = await _summary(services)
    text = slack_text(message) if platform == "slack" else teams_text(message)
    golden = GOLDEN / f"ambassador_summary_{platform}.txt"
    if not golden.exists():  # written once, then read and checked by hand
        golden.write_text(text + "\n", encoding="utf-8")
    assert text + "\n" == golden.read_text(encoding="utf-8")


async def test_nobody_is_named_and_only_the_department_counts(services):
    async with services.sessions() as session:
        await data.seed(session)
    text = slack_text(await _summary(services))
    for name in ("Erin", "Fred", "Gina", "Hal", "complains", "own words"):
        assert name not in text
    # Hal's complaint and score, October's complaint and December's survey are not Finance's
    # November.
    assert "3 filed, 1 of them anonymously" in text
    assert "from 3 answers to 4 surveys" in text


async def test_below_k_a_group_shows_no_figures(services):
    async with services.sessions() as session:
        await data.seed(session, finance_pulse=[10, 0])
    finance = slack_text(await _summary(services))
    assert "Q4 pulse (closed 20 Nov 2026): not enough answers from Finance to show " \
           "(fewer than 3)" in finance
    assert "Satisfaction 2026 (closed 25 Nov 2026): not enough answers from Finance" in finance
    assert "NPS" not in finance and "% satisfied, average" not in finance.split("*Latest")[1]
    # Engineering has 4 answers to each, but shown beside a withheld Finance they would give
    # Finance's away (from the totals): withheld too, and said so.
    engineering = slack_text(await _summary(services, "Engineering"))
    assert engineering.count("withheld, so that a smaller group's answers cannot be worked "
                             "out") == 2


async def test_each_ambassador_gets_one_summary_a_month(services, clock):
    async with services.sessions() as session:
        await data.seed(session)
    for slot in (data.SLOT, data.SLOT + timedelta(hours=2)):
        async with services.sessions() as session:
            await summary.send_monthly(session, services, slot)
            await session.commit()
    rows = await outbox_rows(services, "ambassador:")
    assert sorted((row.channel, row.payload["context"]["department"]) for row in rows) == [
        (data.AMBER, "Finance"), (data.HANK, "Engineering")]
    async with services.sessions() as session:
        months = (await session.exec(select(AmbassadorSummary.month))).all()
    assert months == ["2026-11", "2026-11"]


async def test_an_ambassador_not_in_the_directory_yet_is_skipped(services):
    async with services.sessions() as session:
        assert await summary.send_monthly(session, services, data.SLOT) == 0
        await session.commit()
    assert await outbox_rows(services, "ambassador:") == []


@on_postgres
async def test_two_replicas_schedulers_send_each_summary_once(settings, services):
    async with services.sessions() as session:
        await data.seed(session)
    apps = [create_app(settings, clock=Clock(data.SLOT), scheduler=False,
                       outbox_sender=False) for _ in range(2)]
    schedulers = [Scheduler(app[DISPATCHER]) for app in apps]
    try:
        # The same slot on both replicas: one claims it, the other skips it.
        outcomes = await asyncio.gather(*(s._claimed_run(JOB, data.SLOT) for s in schedulers))
        assert sorted(outcomes) == ["ok", SKIPPED]
        # Two slots of the same month at once (the time changed and both replicas restarted):
        # both run, and the row per ambassador and month lets one of them send.
        outcomes = await asyncio.gather(
            schedulers[0]._claimed_run(JOB, data.SLOT + timedelta(hours=1)),
            schedulers[1]._claimed_run(JOB, data.SLOT + timedelta(hours=2)))
        assert outcomes == ["ok", "ok"]
    finally:
        for app in apps:
            await app[DISPATCHER].services.engine.dispose()
    rows = await outbox_rows(services, "ambassador:")
    assert sorted(row.channel for row in rows) == [data.AMBER, data.HANK]


async def _invitation_of(session, ticket: str) -> int:
    return (await session.exec(
        select(SurveyInvitation.id).join(Ticket, col(Ticket.id) == col(SurveyInvitation.ticket_id))
        .where(col(Ticket.external_id) == ticket))).one()


async def test_a_low_score_goes_to_the_requesters_departments_ambassador(services):
    async with services.sessions() as session:
        await data.seed(session)
        hal = await _invitation_of(session, "INC0007")
        erin = await _invitation_of(session, "INC0008")
        assert await low_score.tell_ambassadors(session, services, hal) == 1
        assert await low_score.tell_ambassadors(session, services, erin) == 1
        await session.commit()
    rows = await outbox_rows(services, "ambassador:")
    assert sorted((row.key.split(":")[1], row.channel) for row in rows) == sorted(
        [(str(hal), data.HANK), (str(erin), data.AMBER)])
    shown = {row.channel: slack_text(decode(row.payload)) for row in rows}
    assert "<@U0HAL0000> gave ticket *INC0007*" in shown[data.HANK]
    assert "*Comment*: _Gina's own words_" in shown[data.HANK]  # CSAT is identified


async def test_an_ambassador_of_two_departments_gets_both(make_settings, chat, clock):
    def both(raw):
        data.config(raw)
        raw["ambassadors"]["by_value"]["Engineering"] = {"slack_users": [data.AMBER]}
    settings = make_settings(both)
    engine = create_engine(settings.secrets.database_url.get_secret_value())
    services = Services(settings=settings, engine=engine, sessions=session_factory(engine),
                        chat=chat, metrics=Metrics(), clock=clock)
    try:
        async with services.sessions() as session:
            await data.seed(session)
        for _run in range(2):
            async with services.sessions() as session:
                await summary.send_monthly(session, services, data.SLOT)
                await session.commit()
        rows = await outbox_rows(services, "ambassador:")
        assert sorted((row.channel, row.payload["context"]["department"]) for row in rows) == [
            (data.AMBER, "Engineering"), (data.AMBER, "Finance")]
    finally:
        await engine.dispose()


async def test_a_quiet_month_says_so(services):
    async with services.sessions() as session:
        session.add(Person(slack_user_id=data.AMBER, email="amber@example.com"))
        await session.commit()
    text = slack_text(await _summary(services))
    assert "No survey answers in November 2026." in text
    assert "No complaints filed in November 2026." in text
    assert "No pulse or survey has closed yet." in text
    assert "None" not in text and "nan%" not in text


async def test_catch_up_sends_the_latest_due_month_once(services, clock):
    async with services.sessions() as session:
        await data.seed(session)
    # Down from before 1 December 09:00 until the 3rd: November's summaries are sent then.
    clock.set(data.SLOT + timedelta(days=2))
    assert await summary.catch_up(services) == 2
    clock.advance(minutes=15)
    assert await summary.catch_up(services) == 0
    async with services.sessions() as session:
        assert await store.summarised(session, "2026-11", "Finance") != set()
        assert await store.summarised(session, "2026-10", "Finance") == set()
    # A minute before December's slot, the latest due is November's: October is summarised.
    clock.set(datetime(2026, 12, 1, 8, 59, tzinfo=UTC))
    assert summary.Month(summary.latest_slot(services.settings.app.ambassadors, clock(),
                                             services.settings.app.organisation.zone),
                         services.settings.app.organisation.zone).name == "2026-10"
