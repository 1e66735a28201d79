"""Pulse flows without a chat platform in the way: local send times, audiences, the fatigue
cooldown, and what the tick does with deliveries for people it must not or cannot reach."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlmodel import col, select

from bot.chat.templates import templates_for
from bot.config import PeopleSelector, PulseAudience
from bot.flows.pulses.campaigns import (
    CampaignSpec,
    create_campaign,
    in_audience,
    local_send_times,
    open_due_campaigns,
    recurring_jobs,
    tick,
)
from bot.flows.pulses.delivery import cooldown_end, queue_due
from bot.flows.pulses.results import Group, campaign_results, suppress_lone_group
from bot.server import SCHEDULER, SERVICES, create_app
from bot.services import Services
from storage.csat import SurveyInvitation
from storage.models import Person
from storage.pulse_stats import Tally
from storage.pulses import PulseAnswer, PulseCampaign, PulseDelivery
from storage.tickets import Ticket
from tests.clock import Clock
from tests.outbox_kit import outbox_rows

OPENS = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # a Tuesday, 08:00 in London


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_each_person_gets_the_first_send_time_on_their_clock_after_the_opening():
    ten = time(10, 0)
    assert local_send_times(OPENS, ten, "Europe/London", [3, 5]) == [
        utc(2026, 12, 1, 10), utc(2026, 12, 4, 10), utc(2026, 12, 6, 10)]
    assert local_send_times(OPENS, ten, "America/New_York", []) == [utc(2026, 12, 1, 15)]
    # 17:00 in Tokyo at the opening: their 10:00 is the next morning.
    assert local_send_times(OPENS, ten, "Asia/Tokyo", [3]) == [
        utc(2026, 12, 2, 1), utc(2026, 12, 5, 1)]
    # An unknown zone is read as UTC rather than refusing the person.
    assert local_send_times(OPENS, ten, "Mars/Olympus", []) == [utc(2026, 12, 1, 10)]


def test_reminders_keep_the_local_time_across_a_clock_change():
    # London moves to summer time on Sunday 28 March 2027.
    opens = utc(2027, 3, 26, 6)
    assert local_send_times(opens, time(10, 0), "Europe/London", [3, 5]) == [
        utc(2027, 3, 26, 10), utc(2027, 3, 29, 9), utc(2027, 3, 31, 9)]


def test_audiences():
    erin = Person(id=1, slack_user_id="U0EMPL001", email="erin@example.com",
                  segments={"department": "Finance"})
    assert in_audience(PulseAudience(everyone=True), erin)
    assert in_audience(PulseAudience(segments={"department": ["Sales", "Finance"]}), erin)
    assert not in_audience(PulseAudience(segments={"department": ["Sales"]}), erin)
    assert in_audience(PulseAudience(people=PeopleSelector(emails=["erin@example.com"])), erin)
    assert not in_audience(PulseAudience(people=PeopleSelector(slack_users=["U0OTHER01"])),
                           erin)


def test_the_fatigue_cooldown():
    surveyed = utc(2026, 11, 25, 12)
    assert cooldown_end(None, 14) is None
    assert cooldown_end(surveyed, 0) is None
    assert cooldown_end(surveyed, 14) == utc(2026, 12, 9, 12)


@pytest.fixture
def settings(make_settings):
    return make_settings(config=lambda raw: raw.update(pulses={"fatigue_days": 14}))


@pytest.fixture
def clock() -> Clock:
    return Clock(utc(2026, 12, 1, 10))


@pytest.fixture
async def services(services: Services) -> Services:
    """tests/conftest.py's services, with Erin and Tom, and the pulse `q4` opened at 08:00
    (nothing due yet); the clock then shows 10:00, when their pulse is due."""
    async with services.sessions() as session:
        session.add_all([Person(slack_user_id="U0EMPL001", email="erin@example.com"),
                         Person(slack_user_id="U0TECH001", email="tech1@example.com")])
        await session.commit()
    async with services.sessions() as session:
        await create_campaign(session, services.settings.app, CampaignSpec(
            name="q4", opens_at=OPENS, open_days=14))
        await session.commit()
    services.clock.now = OPENS  # type: ignore[attr-defined]
    await open_due_campaigns(services)
    services.clock.now = utc(2026, 12, 1, 10)  # type: ignore[attr-defined]
    return services


async def rows(services: Services) -> dict[tuple[int, str], PulseDelivery]:
    async with services.sessions() as session:
        found = (await session.exec(select(PulseDelivery)
                                    .order_by(col(PulseDelivery.id)))).all()
        await session.commit()
    return {(r.person_id, r.kind): r for r in found}


async def surveyed(services: Services, person_id: int, *sent: datetime) -> None:
    """CSAT surveys sent to `person_id` at the times `sent` (one ticket each)."""
    async with services.sessions() as session:
        for at in sent:
            ticket = Ticket(source="desk", external_id=f"INC-{person_id}-{at:%d%H}",
                            opened_at=at, last_event_at=at, status="resolved", resolved_at=at)
            session.add(ticket)
            await session.flush()
            session.add(SurveyInvitation(ticket_id=ticket.id, person_id=person_id,
                                         status="answered", sent_at=at))
        await session.commit()


async def test_someone_surveyed_lately_gets_the_pulse_when_the_cooldown_ends(services):
    await surveyed(services, 1, utc(2026, 11, 2, 12), utc(2026, 11, 25, 12))
    await surveyed(services, 2, utc(2026, 11, 29, 12))
    assert await queue_due(services) == 0

    found = await rows(services)
    # Erin's cooldown ends 9 December, before the close: her pulse and reminders move.
    assert (found[1, "invite"].status, found[1, "invite"].reason) == (
        "pending", "recently surveyed")
    assert found[1, "invite"].due_at == utc(2026, 12, 9, 12)
    shift = utc(2026, 12, 9, 12) - utc(2026, 12, 1, 10)
    assert found[1, "reminder-1"].due_at == utc(2026, 12, 4, 10) + shift
    assert found[1, "reminder-2"].due_at == utc(2026, 12, 6, 10) + shift
    # Tom's ends 13 December, and the pulse closes on the 15th: moved as well.
    assert found[2, "invite"].due_at == utc(2026, 12, 13, 12)


async def test_a_cooldown_past_the_close_drops_the_pulse(services):
    async with services.sessions() as session:
        people = (await session.exec(select(Person.id))).all()
    for person_id in people:
        await surveyed(services, person_id, utc(2026, 12, 1, 9))
    await queue_due(services)
    found = await rows(services)
    assert {(r.status, r.reason) for (_p, kind), r in found.items() if kind == "invite"} == {
        ("skipped", "recently surveyed")}
    # Nothing was handed to the outbox.
    assert await outbox_rows(services) == []


async def test_someone_who_left_is_marked_failed_not_retried(services):
    async with services.sessions() as session:
        erin = (await session.exec(select(Person).where(col(Person.id) == 1))).one()
        erin.active = False
        session.add(erin)
        await session.commit()
    services.clock.now = utc(2026, 12, 1, 10) + timedelta(seconds=1)  # type: ignore[attr-defined]
    assert await queue_due(services) == 1  # Tom's
    found = await rows(services)
    assert (found[1, "invite"].status, found[1, "invite"].reason) == ("failed", "left")
    assert found[2, "invite"].status == "queued"
    assert [row.key for row in await outbox_rows(services)] == ["pulse:1:2:invite"]
    assert await queue_due(services) == 0


def test_a_lone_withheld_group_takes_the_next_smallest_with_it():
    k = 5
    tallies = {"Finance": Tally(9, 5, 1), "Sales": Tally(6, 1, 4), "Legal": Tally(2, 0, 2)}
    groups = suppress_lone_group([Group.of(label, tally, k) for label, tally in tallies.items()])
    # Legal alone would be overall minus the others: Sales, the smallest shown, goes too.
    assert [(g.label, g.withheld) for g in groups] == [
        ("Finance", False), ("Sales", True), ("Legal", True)]
    assert groups[1].nps is None and groups[1].answers is None
    two_small = {"Finance": Tally(9, 5, 1), "Sales": Tally(3, 1, 1), "Legal": Tally(2, 0, 2)}
    groups = suppress_lone_group([Group.of(label, tally, k) for label, tally in two_small.items()])
    assert [g.withheld for g in groups] == [False, True, True]
    assert groups[0].nps == 44


async def test_a_recurring_pulse_opens_once_per_recurrence_on_its_cron(make_settings):
    def configure(raw):
        raw["pulses"] = {"campaigns": {"quarterly": {
            "recurrence": {"month": "1,4,7,10", "day": "1st tue"}, "open_days": 10,
            "anonymity": "anonymous", "audience": {"segments": {"department": ["Finance"]}}}}}

    app = create_app(make_settings(config=configure), clock=Clock(utc(2027, 1, 5, 0)))
    services = app[SERVICES]
    jobs = {job.id: job for job in app[SCHEDULER]._apscheduler.get_jobs()}
    assert {"pulses.tick", "pulses.open.quarterly"} <= set(jobs)
    fire = jobs["pulses.open.quarterly"].trigger.get_next_fire_time(
        None, datetime(2026, 12, 1, tzinfo=UTC))
    assert fire.isoformat() == "2027-01-05T00:00:00+00:00"  # London is on UTC in January
    async with services.sessions() as session:
        session.add_all([Person(slack_user_id="U0EMPL001", segments={"department": "Finance"}),
                         Person(slack_user_id="U0TECH001")])
        await session.commit()

    [(name, job, _cron)] = list(recurring_jobs(services.settings.app))
    assert name == "pulses.open.quarterly"
    await job(services, fire)
    await job(services, fire)  # a second replica, or a retried run: nothing more
    async with services.sessions() as session:
        [campaign] = (await session.exec(select(PulseCampaign))).all()
        await session.commit()
    assert (campaign.name, campaign.status, campaign.anonymity, campaign.definition) == (
        "quarterly-2027-01-05", "open", "anonymous", "quarterly")
    assert campaign.closes_at == utc(2027, 1, 15, 0)
    found = await rows(services)
    assert sorted(found) == [(1, "invite"), (1, "reminder-1"), (1, "reminder-2")]
    await services.engine.dispose()


async def test_a_pulse_created_ahead_opens_when_its_time_comes(services):
    async with services.sessions() as session:
        await create_campaign(session, services.settings.app, CampaignSpec(
            name="later", opens_at=utc(2026, 12, 3, 9), open_days=7))
        await session.commit()
    await tick(services, services.clock())
    async with services.sessions() as session:
        later = (await session.exec(select(PulseCampaign)
                                    .where(col(PulseCampaign.name) == "later"))).one()
        await session.commit()
    assert later.status == "scheduled"

    services.clock.now = utc(2026, 12, 3, 9)  # type: ignore[attr-defined]
    await tick(services, services.clock())
    async with services.sessions() as session:
        later = (await session.exec(select(PulseCampaign)
                                    .where(col(PulseCampaign.name) == "later"))).one()
        queued = (await session.exec(select(PulseDelivery).where(
            col(PulseDelivery.campaign_id) == later.id))).all()
        await session.commit()
    assert later.status == "open" and len(queued) == 2 * 3


async def test_results_show_the_trend_of_a_recurring_pulse(services):
    async with services.sessions() as session:
        for n, opens in enumerate((utc(2026, 4, 7, 0), utc(2026, 7, 7, 0), utc(2026, 10, 6, 0))):
            await create_campaign(session, services.settings.app, CampaignSpec(
                name=f"quarterly-{n}", opens_at=opens, open_days=14, definition="quarterly"))
        campaigns = {c.name: c.id for c in (await session.exec(select(PulseCampaign))).all()}
        scores = {"quarterly-0": [10] * 3 + [2] * 3, "quarterly-1": [9, 9, 9, 9, 8, 3],
                  "quarterly-2": [10, 10]}
        for name, given in scores.items():
            session.add_all(PulseAnswer(campaign_id=campaigns[name], respondent_key=f"{name}{i}",
                                        score=score) for i, score in enumerate(given))
        await session.commit()
        results = await campaign_results(session, campaigns["quarterly-2"])
        await session.commit()
    # Oldest first, up to this one; a campaign under K shows no figure.
    assert results.trend == [("quarterly-0", 0), ("quarterly-1", 50), ("quarterly-2", None)]
    assert results.overall.withheld and results.distribution is None


async def _campaign_with(services, answers: list[PulseAnswer], *, k: int) -> int:
    async with services.sessions() as session:
        campaign = await create_campaign(session, services.settings.app, CampaignSpec(
            name="reasons", opens_at=utc(2026, 12, 1, 9), open_days=7))
        campaign.min_group = k
        for answer in answers:
            answer.campaign_id = campaign.id
            session.add(answer)
            # One at a time, so the ids follow the order of answering.
            await session.flush()
        await session.commit()
        return campaign.id


def _key(first: str) -> str:
    return (first * 64)[:64]


async def test_reasons_are_listed_in_an_order_that_tells_nothing_of_who_answered_first(
        services):
    # Answered in this order; their keys (hashes of random tokens) in another.
    keys = [_key("c"), _key("1"), _key("e"), _key("4")]
    campaign_id = await _campaign_with(services, [
        PulseAnswer(respondent_key=key, score=n, comment=f"reason {n}")
        for n, key in enumerate(keys)], k=2)
    async with services.sessions() as session:
        results = await campaign_results(session, campaign_id, with_comments=True)
        ids = [a.id for a in (await session.exec(select(PulseAnswer))).all()]
        await session.commit()

    assert [c.text for c in results.comments] == ["reason 1", "reason 3", "reason 0",
                                                  "reason 2"]
    assert [c.ref for c in results.comments] == ["11111111", "44444444", "cccccccc",
                                                 "eeeeeeee"]
    text = templates_for("slack").render_block("pulses/results", "comments",
                                               results.context("UTC"))
    assert "`#11111111` *1*: _reason 1_" in text
    # No answer's id, which counts answers in the order they came, is shown.
    assert not any(f"#{answer_id}`" in text for answer_id in ids)


async def test_a_group_hidden_to_protect_a_smaller_one_is_not_said_to_lack_answers(services):
    # K = 2: Legal (1 answer) is withheld, and Sales (3), the smallest shown, with it.
    sizes = {"Finance": 5, "Sales": 3, "Legal": 1}
    campaign_id = await _campaign_with(services, [
        PulseAnswer(respondent_key=f"{team}{n}", score=9, segments={"department": team})
        for team, size in sizes.items() for n in range(size)], k=2)
    async with services.sessions() as session:
        results = await campaign_results(session, campaign_id, by=["department"])
        await session.commit()
    templates = templates_for("slack")

    segments = templates.render_block("pulses/results", "segments", results.context("UTC"))
    footer = templates.render_block("pulses/results", "footer", results.context("UTC"))

    assert "• Finance: NPS +100 (5 answers)" in segments
    assert "• Legal: not enough answers" in segments
    assert ("• Sales: hidden, so that a smaller group's answers cannot be worked out"
            in segments)
    assert "Sales: not enough answers" not in segments
    assert ("Figures are shown only for groups of at least 2 answers; when a single group "
            "has fewer, one more group is hidden with it") in footer


async def test_results_pool_the_languages_and_say_how_many_answered_in_each(services):
    campaign_id = await _campaign_with(services, [
        PulseAnswer(respondent_key=_key(str(n)), score=score, locale=language)
        for n, (score, language) in enumerate([(10, "de"), (9, "de"), (0, "en"), (10, "de"),
                                                (6, "en")])], k=2)
    async with services.sessions() as session:
        results = await campaign_results(session, campaign_id)
        await session.commit()

    # One NPS over everyone: 3 promoters, 2 detractors of 5.
    assert (results.overall.nps, results.answered) == (20, 5)
    assert results.languages == {"de": 3, "en": 2}
    text = templates_for("slack").render_block("pulses/results", "text",
                                               results.context("UTC"))
    assert "Answered in: Deutsch 3, English 2 (the figures count every language together)" \
        in text
    german = templates_for("slack", "de").render_block("pulses/results", "text",
                                                       results.context("UTC"))
    assert "Beantwortet auf: Deutsch 3, English 2" in german


async def test_results_in_one_language_say_nothing_of_languages(services):
    campaign_id = await _campaign_with(services, [
        PulseAnswer(respondent_key=_key(str(n)), score=9, locale="en") for n in range(3)], k=2)
    async with services.sessions() as session:
        results = await campaign_results(session, campaign_id)
        await session.commit()
    text = templates_for("slack").render_block("pulses/results", "text",
                                               results.context("UTC"))
    assert results.languages == {"en": 3} and "Answered in" not in text
