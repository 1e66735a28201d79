"""The digest flows on a fixed data set (tests/digest_data.py), on SQLite and PostgreSQL:
the golden text on both platforms, the empty week, the chart, posting once per period and the
catch-up."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.chat.codec import decode, encode
from bot.config.digests import SECTIONS
from bot.flows.digests import posting
from bot.flows.digests.periods import parse
from bot.flows.digests.sections import BUILDERS
from bot.flows.plans import ids as plan_ids
from bot.slack.render import SlackRenderer
from bot.teams.render import TeamsRenderer
from storage import digests as store
from tests import digest_data
from tests.clock import Clock
from tests.outbox_kit import outbox_rows

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture
def settings(make_settings):
    def configure(raw: dict) -> None:
        raw["tickets"] = {"sources": {"desk": {"ticket_url": "https://desk.example.com/t/{id}"}}}
        raw["services"] = [{"name": "Email and calendar", "aliases": ["Email"]},
                           {"name": "Laptops and devices"}]
        raw["digests"] = [
            {"name": "weekly", "targets": {"sla": {"P1": 95}, "nps": 30}},
            {"name": "email", "channel": {"slack": "C0EMAIL01"},
             "schedule": {"every": "month", "day_of_month": 2, "time": "08:00"},
             "scope": {"services": ["email"]},
             "sections": ["sla", "csat", "complaints", "broadcasts"]},
        ]
    return make_settings(configure)


@pytest.fixture
def clock() -> Clock:
    return Clock(digest_data.NOW)


def _digest(services, name="weekly"):
    return next(d for d in services.settings.app.digests if d.name == name)


def _period(services, name=digest_data.WEEK):
    return parse(name, services.settings.app.organisation.zone)


def slack_text(message) -> str:
    blocks = SlackRenderer().message(message)["blocks"]
    return "\n\n".join(block["text"]["text"] for block in blocks if "text" in block)


def teams_text(message) -> str:
    card = TeamsRenderer().message_card(message)
    return "\n\n".join(item["text"] for item in card["body"] if "text" in item)


def test_every_section_has_a_builder():
    assert tuple(BUILDERS) == SECTIONS


async def _composed(services, name="weekly", period=digest_data.WEEK):
    async with services.sessions() as session:
        return await posting.compose(session, services.settings.app, _digest(services, name),
                                     _period(services, period), services.clock())


@pytest.mark.parametrize("platform", ["slack", "teams"])
async def test_golden_text_for_the_fixed_week(services, platform):
    async with services.sessions() as session:
        await digest_data.seed(session)
    # As the outbox keeps it until it is sent.
    message = decode(encode(await _composed(services)))
    text = slack_text(message) if platform == "slack" else teams_text(message)
    golden = GOLDEN / f"digest_weekly_{platform}.txt"
    if not golden.exists():  # written once, then read and checked by hand
        golden.write_text(text + "\n", encoding="utf-8")
    assert text + "\n" == golden.read_text(encoding="utf-8")
    # Printing's outage was over before the week: not listed with nothing in it.
    assert "Printing" not in text


async def test_the_chart_is_a_small_png_of_the_expected_size(services, tmp_path):
    async with services.sessions() as session:
        await digest_data.seed(session)
    message = await _composed(services)
    image = message.image
    assert image is not None
    assert image.png.startswith(b"\x89PNG\r\n\x1a\n")
    assert image.size == (800, 400)
    assert len(image.png) < 150 * 1024
    assert "CSAT: none, none" in image.alt_text and "67%" in image.alt_text
    (tmp_path / "chart.png").write_bytes(image.png)


async def test_an_empty_week_says_so_without_nan_or_a_chart(services):
    message = await _composed(services)
    for text in (slack_text(message), teams_text(message)):
        assert "No tickets this week." in text
        assert "No survey answers this week." in text
        assert "No incidents this week, and no outage." in text
        assert "No satisfaction survey has closed yet." in text
        assert "No milestone reached this week." in text and "No open plan items." in text
        assert "nan" not in text.lower() and "None" not in text and "n/a" not in text
    assert message.image is None
    # Nothing missed a target: the button opens the form with no figure chosen.
    assert [(b.action_id, b.value) for b in message.buttons] == [("plan.add", "")]


async def test_the_add_plan_button_proposes_the_figure_that_missed_its_target(services):
    async with services.sessions() as session:
        await digest_data.seed(session)
    [button] = (await _composed(services)).buttons
    assert (button.action_id, button.value) == (plan_ids.ADD_BUTTON, "sla")
    rendered = SlackRenderer().message(await _composed(services))["blocks"]
    [actions] = [block for block in rendered if block["type"] == "actions"]
    assert [(e["action_id"], e["value"], e["text"]["text"]) for e in actions["elements"]] == [
        ("plan.add", "sla", "Add plan item")]


async def test_a_satisfaction_survey_below_k_shows_no_figure_at_all(services):
    app = services.settings.app
    # pulses.min_group raised above the survey's six people: K is the higher of the two.
    raised = app.model_copy(update={"pulses": app.pulses.model_copy(update={"min_group": 7})})
    async with services.sessions() as session:
        await digest_data.seed(session)
        message = await posting.compose(session, raised, _digest(services),
                                        _period(services), services.clock())
    text = slack_text(message)
    survey = text.split("*Satisfaction survey*")[1].split("*Complaints*")[0]
    assert "67%" not in survey and survey.count("fewer than 7 people answered") == 3


async def test_a_scoped_monthly_digest_counts_only_its_services(services):
    async with services.sessions() as session:
        await digest_data.seed(session)
    message = await _composed(services, "email", "2026-11")
    text = slack_text(message)
    assert "Email and calendar" in text and "Laptops" not in text
    # Tickets 1, 3, 4 and 6 are the email ones in November; 3 and 4 are P1.
    assert "• P1: 2 tickets" in text and "• P2: 2 tickets" in text
    assert "*Kudos*" not in text and "*NPS*" not in text and "*Improvement plan*" not in text
    # Broadcasts too: Email's outages in November (the week before W48's and W48's), and its
    # two kept-informed answers; Laptops' incident is out of scope.
    assert "• Email and calendar: 2 incidents, 1h 50m in outage" in text
    assert "Kept informed: 4.5 of 5 from 2 answers" in text
    assert message.buttons == ()


async def test_a_period_is_posted_once_unless_again(services):
    async with services.sessions() as session:
        await digest_data.seed(session)
    digest, period = _digest(services), _period(services)
    for by in ("schedule", "cli"):
        async with services.sessions() as session:
            await posting.send(session, services, digest, period, by=by)
            await session.commit()
    assert [row.key for row in await outbox_rows(services, "digest:")] == [
        "digest:weekly:2026-W48"]
    async with services.sessions() as session:
        assert await posting.send(session, services, digest, period, by="cli", again=True)
        await session.commit()
        assert (await store.posted(session, "weekly", digest_data.WEEK)).sends == 2
    rows = await outbox_rows(services, "digest:")
    assert [row.key for row in rows] == ["digest:weekly:2026-W48", "digest:weekly:2026-W48:2"]
    assert {row.channel for row in rows} == {"C0DIGEST1"}
    assert rows[0].payload["image"] is not None


async def test_catch_up_posts_the_latest_missed_period_once(services, clock):
    # Down from before Monday 23 Nov until Wednesday 2 Dec: W47's and W48's slots passed.
    clock.set(datetime(2026, 12, 2, 15, 0, tzinfo=UTC))
    assert await posting.catch_up(services) == ["weekly 2026-W48", "email 2026-11"]
    clock.advance(minutes=5)
    assert await posting.catch_up(services) == []
    assert sorted(row.key for row in await outbox_rows(services, "digest:")) == [
        "digest:email:2026-11", "digest:weekly:2026-W48"]
    async with services.sessions() as session:
        assert (await store.posted(session, "weekly", digest_data.WEEK)).posted_by == "catch-up"
        assert await store.posted(session, "weekly", "2026-W47") is None


async def test_before_its_time_catch_up_posts_nothing_new(services, clock):
    # Monday 30 Nov 08:59: W48's slot (09:00) has not come; W47 was posted on time.
    clock.set(datetime(2026, 11, 30, 8, 59, tzinfo=UTC))
    async with services.sessions() as session:
        await store.claim(session, "weekly", "2026-W47", clock(), "schedule")
        await store.claim(session, "email", "2026-10", clock(), "schedule")
        await session.commit()
    assert await posting.catch_up(services) == []
    clock.advance(minutes=1)
    assert await posting.catch_up(services) == ["weekly 2026-W48"]


async def test_the_scheduled_run_posts_the_week_before_its_slot(services):
    slot = datetime(2026, 11, 30, 9, 0, tzinfo=services.settings.app.organisation.zone)
    async with services.sessions() as session:
        assert await posting.send_scheduled(session, services, "weekly", slot)
        await session.commit()
    assert [row.key for row in await outbox_rows(services, "digest:")] == [
        "digest:weekly:2026-W48"]


async def test_a_first_week_has_nothing_to_compare_with_and_says_nothing_of_it(services):
    async with services.sessions() as session:
        await digest_data.seed(session)
    text = slack_text(await _composed(services, period="2026-W47"))
    assert "First response: 100.0%\n" in text
    assert "to compare" not in text and "from 2 answers" in text
