"""Satisfaction survey results without a chat platform: per aspect and over all, % satisfied,
averages and people, against the previous survey and the yearly target, by segment with the
K threshold everywhere (a lone withheld group taking the next smallest with it)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.config import SurveyQuestion
from bot.flows.pulses.campaigns import CampaignSpec, create_campaign
from bot.flows.pulses.survey_results import band, survey_results
from bot.services import Services
from storage.pulse_surveys import PulseQuestionAnswer, PulseResponse
from tests.clock import Clock

QUESTIONS = (
    SurveyQuestion(aspect="service desk", text="The service desk?"),
    SurveyQuestion(aspect="incident response", text="Outages?"),
    SurveyQuestion(aspect="availability", text="Up when needed?", kind="scale"),
    SurveyQuestion(aspect="communication", text="Better?", kind="text"),
)
KINDS = [q.kind for q in QUESTIONS]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def settings(make_settings):
    return make_settings()


@pytest.fixture
def clock() -> Clock:
    return Clock(utc(2026, 12, 20, 10))


async def survey(services: Services, name: str, opens: datetime,
                 people: list[tuple[str | None, list[int | str | None]]]) -> int:
    """A campaign of the recurring survey `sat`, and one response per (department, answers)."""
    async with services.sessions() as session:
        campaign = await create_campaign(session, services.settings.app, CampaignSpec(
            name=name, opens_at=opens, open_days=14, definition="sat", questions=QUESTIONS))
        assert campaign is not None and campaign.id is not None
        for n, (department, answers) in enumerate(people):
            response = PulseResponse(campaign_id=campaign.id, respondent_key=f"{name}-{n}",
                                     segments={"department": department} if department else {},
                                     finished=None not in answers[:3])
            session.add(response)
            await session.flush()
            assert response.id is not None
            for q, given in enumerate(answers):
                if given is None:
                    continue
                session.add(PulseQuestionAnswer(
                    response_id=response.id, campaign_id=campaign.id, question=q,
                    aspect=QUESTIONS[q].aspect, kind=KINDS[q],
                    value=given if isinstance(given, int) else None,
                    text=given if isinstance(given, str) else None))
        await session.commit()
        return campaign.id


def test_the_bands():
    assert [band(p) for p in (None, 80, 81, 90, 91)] == [
        None, "below", "good", "good", "outstanding"]


async def test_results_per_aspect_against_the_previous_survey_and_the_target(services):
    # A year and more before: 60% satisfied, the baseline. Last quarter: 0%.
    await survey(services, "sat-2025", utc(2025, 11, 25, 8),
                 [(None, [4, None, None, None])] * 3 + [(None, [2, None, None, None])] * 2)
    await survey(services, "sat-2026-q3", utc(2026, 9, 1, 8),
                 [(None, [3, None, None, None])] * 5)
    current = await survey(services, "sat-2026-q4", utc(2026, 12, 1, 8),
                           [("Finance", [5, 5, 8, "Call <!channel> back"])] * 5
                           + [("Sales", [2, None, 6, None])] * 5
                           + [("Ops", [4, 4, None, "Zebra"])] * 2)
    async with services.sessions() as session:
        results = await survey_results(session, current, target_points=3,
                                       by=["department"], with_texts=True)
        await session.commit()

    assert (results.previous_name, results.baseline_name) == ("sat-2026-q3", "sat-2025")
    assert (results.answered, results.finished) == (12, 5)
    overall = results.overall
    # 19 ratings, 14 of them 4 or 5; 76 / 19 = 4.0.
    assert (overall.figures.answers, overall.figures.ratings, overall.figures.satisfied,
            overall.figures.average) == (12, 19, 74, 4.0)
    assert (overall.band, overall.previous, overall.change, overall.target,
            overall.on_target) == ("below", 0, 74, 63, True)
    lines = {line.figures.aspect: line for line in results.aspects}
    assert list(lines) == ["service desk", "incident response", "availability"]
    desk = lines["service desk"]
    assert (desk.figures.satisfied, desk.figures.average, desk.change, desk.target,
            desk.on_target) == (58, 3.6, 58, 63, False)
    incidents = lines["incident response"]
    # Nobody answered it last quarter: nothing to compare with, nor a target.
    assert (incidents.figures.answers, incidents.figures.satisfied, incidents.band,
            incidents.previous, incidents.change, incidents.target) == (
        7, 100, "outstanding", None, None, None)
    assert (lines["availability"].figures.satisfied,
            lines["availability"].figures.scale_average) == (None, 7.0)

    # By department: Ops (2 people) is withheld, and so is Finance, the smallest shown (5),
    # which would otherwise give Ops away by subtraction from the overall figures.
    segments = {line.label: line for line in results.by["department"]}
    assert list(segments) == ["Finance", "Ops", "Sales"]
    assert segments["Ops"].aspects[0].withheld and segments["Finance"].aspects[0].withheld
    assert (segments["Sales"].aspects[0].answers, segments["Sales"].aspects[0].satisfied) == (
        5, 0)
    # Incident response: Sales did not answer it and Ops is too small: two withheld, so
    # Finance is shown.
    assert [f.withheld for f in (segments[v].aspects[2] for v in ("Finance", "Ops", "Sales"))
            ] == [False, True, True]
    assert segments["Finance"].aspects[2].satisfied == 100
    # Words, by question and alphabetically, never in the order given.
    assert [t.text for t in results.texts] == ["Call <!channel> back"] * 5 + ["Zebra"] * 2


async def test_fewer_than_k_people_show_nothing_at_all(services):
    current = await survey(services, "small", utc(2026, 12, 1, 8),
                           [("Finance", [5, 5, 9, "Great"])] * 4)
    async with services.sessions() as session:
        results = await survey_results(session, current, target_points=3,
                                       by=["department"], with_texts=True)
        await session.commit()
    assert results.overall.figures.withheld and results.overall.band is None
    assert all(line.figures.withheld for line in results.aspects)
    assert results.by == {} and results.texts == []
    context = results.context("Europe/London")["results"]
    assert context["overall"]["figures"]["withheld"]
    assert all(value is None for line in context["aspects"]
               for key, value in line["figures"].items() if key not in ("aspect", "label",
                                                                       "withheld"))
