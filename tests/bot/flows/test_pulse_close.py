"""A campaign's close and a late answer interleaved, on SQLite and PostgreSQL, for an NPS
pulse and a satisfaction survey: an answer whose transaction checked the campaign open
before the close is counted in the tallies the close keeps (the close waits for it), and one
that comes while the close is under way is refused and leaves nothing (the invite as it
was); the kept tallies are those counted from the answers either way."""

from __future__ import annotations

import asyncio
from dataclasses import astuple
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from bot.chat.port import Origin
from bot.config import SurveyQuestion
from bot.flows.pulses.answers import form_metadata, record_score
from bot.flows.pulses.campaigns import (
    CampaignSpec,
    close_due_campaigns,
    create_campaign,
    open_due_campaigns,
)
from bot.flows.pulses.delivery import queue_due
from bot.flows.pulses.survey import record_survey
from bot.services import Services
from storage import pulse_stats, pulse_tallies, survey_stats
from storage import pulses as store
from storage.models import Person
from storage.pulse_surveys import PulseQuestionAnswer
from storage.pulses import PulseAnswer, PulseCampaign, PulseDelivery
from tests.clock import Clock

OPENS = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
CLOSES = OPENS + timedelta(days=14)
TOKEN = "t" * 20
QUESTIONS = (SurveyQuestion(aspect="service desk", text="The service desk?"),
             SurveyQuestion(aspect="availability", text="Up when needed?", kind="scale"))


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 12, 1, 10, tzinfo=UTC))


async def _open(services: Services, anonymity: str,
                questions: tuple[SurveyQuestion, ...] = ()) -> int:
    """The pulse `q4` (a satisfaction survey with `questions`) open, and Erin's invite to
    it queued."""
    async with services.sessions() as session:
        session.add(Person(slack_user_id="U0EMPL001", email="erin@example.com"))
        campaign = await create_campaign(session, services.settings.app, CampaignSpec(
            name="q4", opens_at=OPENS, open_days=14, anonymity=anonymity,
            questions=questions))
        await session.commit()
        campaign_id = campaign.id
    services.clock.now = OPENS  # type: ignore[attr-defined]
    await open_due_campaigns(services)
    services.clock.now = OPENS + timedelta(hours=2)  # type: ignore[attr-defined]
    await queue_due(services)
    return campaign_id


async def _answer(services: Services, campaign_id: int, score: int) -> None:
    async with services.sessions() as session:
        erin = (await session.exec(select(Person))).one()
        await record_score(session, services, erin,
                           Origin("slack", "U0EMPL001", channel="D1"),
                           None, f"{campaign_id}.{TOKEN}", score)


async def _survey(services: Services, campaign_id: int) -> None:
    async with services.sessions() as session:
        erin = (await session.exec(select(Person))).one()
        await record_survey(session, services, erin, Origin("slack", "U0EMPL001", channel="D1"),
                            form_metadata(f"{campaign_id}.{TOKEN}", None),
                            {"q0": "5", "q1": "9"})


async def _outcome(services: Services, campaign_id: int):
    """(status, kept tallies, the tally counted from the answers, Erin's invite answered)."""
    async with services.sessions() as session:
        campaign = await session.get(PulseCampaign, campaign_id)
        counted = (await session.exec(pulse_stats.tally_query(campaign_id))).one()
        answered = (await session.exec(select(PulseDelivery.answered).where(
            col(PulseDelivery.campaign_id) == campaign_id,
            col(PulseDelivery.kind) == "invite"))).one()
        await session.commit()
    return campaign.status, campaign.tallies, list(counted), answered


def _holding(real, held: asyncio.Event, release: asyncio.Event):
    async def hold(*args, **kwargs):
        found = await real(*args, **kwargs)
        held.set()
        await release.wait()
        return found
    return hold


async def _answer_then_close(services: Services, monkeypatch, submit) -> None:
    """`submit()` checks the campaign open (holding its row) a second before the close, and
    is held there, not yet written, while the close comes: the close must wait for it."""
    held, release = asyncio.Event(), asyncio.Event()
    monkeypatch.setattr(store, "lock_if_open", _holding(store.lock_if_open, held, release))
    services.clock.now = CLOSES - timedelta(seconds=1)  # type: ignore[attr-defined]
    answering = asyncio.create_task(submit())
    await asyncio.wait_for(held.wait(), 10)
    services.clock.now = CLOSES  # type: ignore[attr-defined]
    closing = asyncio.create_task(close_due_campaigns(services))
    await asyncio.sleep(0.5)
    assert not closing.done()  # it waits for the answer's transaction
    release.set()
    await asyncio.wait_for(answering, 10)
    await asyncio.wait_for(closing, 10)


async def _close_then_answer(services: Services, monkeypatch, submit) -> None:
    """The close marks the campaign closed and is held before keeping its tallies (not yet
    committed) while `submit()` comes from a replica whose clock is a second behind: it
    finds the campaign open at first and reaches its write while the close is under way."""
    held, release = asyncio.Event(), asyncio.Event()
    monkeypatch.setattr(pulse_tallies, "keep", _holding(pulse_tallies.keep, held, release))
    services.clock.now = CLOSES  # type: ignore[attr-defined]
    closing = asyncio.create_task(close_due_campaigns(services))
    await asyncio.wait_for(held.wait(), 10)
    services.clock.now = CLOSES - timedelta(seconds=1)  # type: ignore[attr-defined]
    answering = asyncio.create_task(submit())
    await asyncio.sleep(0.5)
    release.set()
    await asyncio.wait_for(closing, 10)
    await asyncio.wait_for(answering, 10)


async def test_an_answer_checked_open_before_the_close_is_in_its_kept_tallies(
        services, monkeypatch):
    campaign_id = await _open(services, "confidential")
    await _answer_then_close(services, monkeypatch, lambda: _answer(services, campaign_id, 9))
    assert await _outcome(services, campaign_id) == (
        "closed", {"nps": [1, 1, 0]}, [1, 1, 0], True)
    # Read from what was kept, as the digest reads it.
    [(_name, _closed, tally)] = await _latest_closed(services)
    assert (tally.answers, tally.promoters, tally.detractors) == (1, 1, 0)


async def _latest_closed(services: Services):
    async with services.sessions() as session:
        found = await pulse_stats.latest_closed(session, CLOSES + timedelta(days=1))
        await session.commit()
    return found


@pytest.mark.parametrize("anonymity", ["anonymous", "confidential"])
async def test_an_answer_coming_while_the_close_is_under_way_is_refused(
        services, monkeypatch, anonymity):
    campaign_id = await _open(services, anonymity)
    await _close_then_answer(services, monkeypatch, lambda: _answer(services, campaign_id, 3))
    async with services.sessions() as session:
        assert (await session.exec(select(PulseAnswer))).all() == []
        await session.commit()
    assert await _outcome(services, campaign_id) == (
        "closed", {"nps": [0, 0, 0]}, [0, 0, 0], False)


@pytest.mark.parametrize("anonymity", ["anonymous", "confidential"])
async def test_a_score_changed_while_the_close_is_under_way_is_refused(
        services, monkeypatch, anonymity):
    campaign_id = await _open(services, anonymity)
    await _answer(services, campaign_id, 9)
    await _close_then_answer(services, monkeypatch, lambda: _answer(services, campaign_id, 2))
    assert await _outcome(services, campaign_id) == (
        "closed", {"nps": [1, 1, 0]}, [1, 1, 0], True)


async def _survey_outcome(services: Services, campaign_id: int):
    """(kept tallies, those counted, answers stored, Erin's invite answered)."""
    async with services.sessions() as session:
        campaign = await session.get(PulseCampaign, campaign_id)
        counted = {key: [list(astuple(t)) for t in survey_stats.read(
            (await session.exec(survey_stats.tally_query(campaign_id, by_aspect=by))).all(),
            by_aspect=by)] for key, by in (("aspects", True), ("overall", False))}
        stored = len((await session.exec(select(PulseQuestionAnswer))).all())
        answered = (await session.exec(select(PulseDelivery.answered).where(
            col(PulseDelivery.campaign_id) == campaign_id,
            col(PulseDelivery.kind) == "invite"))).one()
        await session.commit()
    return campaign.tallies, counted, stored, answered


@pytest.mark.parametrize("anonymity", ["anonymous", "confidential"])
async def test_survey_answers_checked_open_before_the_close_are_in_its_kept_tallies(
        services, monkeypatch, anonymity):
    campaign_id = await _open(services, anonymity, QUESTIONS)
    await _answer_then_close(services, monkeypatch, lambda: _survey(services, campaign_id))
    kept, counted, stored, answered = await _survey_outcome(services, campaign_id)
    assert kept == counted
    assert sorted(kept["aspects"]) == [["availability", None, 1, 0, 0, 0, 1, 9],
                                       ["service desk", None, 1, 1, 1, 5, 0, 0]]
    assert (stored, answered) == (2, True)


@pytest.mark.parametrize("anonymity", ["anonymous", "confidential"])
async def test_survey_answers_coming_while_the_close_is_under_way_are_refused(
        services, monkeypatch, anonymity):
    campaign_id = await _open(services, anonymity, QUESTIONS)
    await _close_then_answer(services, monkeypatch, lambda: _survey(services, campaign_id))
    assert await _survey_outcome(services, campaign_id) == (
        {"aspects": [], "overall": [[None, None, 0, 0, 0, 0, 0, 0]]},
        {"aspects": [], "overall": [[None, None, 0, 0, 0, 0, 0, 0]]}, 0, False)
