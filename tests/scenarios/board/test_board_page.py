"""The board's page as each role sees it, decided on the server: employees see the
organisation's figures and their own complaints only, IT leads the breakdowns too; the page
is accessible (language, headings, charts with titles beside tables) and escapes typed text."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from bot.emulators.requests import SlackSender
from bot.flows.board.figures import WEEKS, _sla, utc_week_start
from bot.server import create_app
from storage.pulses import CLOSED, PulseAnswer, PulseCampaign
from storage.tickets import Ticket
from tests.conftest import SIGNING_SECRET, start_bot
from tests.scenarios.board import board_kit as kit

ERIN, LEE = "U0EMPL001", "U0LEAD001"


async def _page(bot, slack, sender, user: str) -> kit.Page:
    link = await kit.ask_link(sender, slack, user)
    async with kit.browser() as http:
        await kit.sign_in(http, kit.local(link, bot))
        async with http.get(bot.url + "/board") as response:
            assert response.status == 200
            return kit.Page(await response.text())


async def _complaints(bot, slack, sender) -> None:
    """Erin's own complaint, with markup typed into it, and somebody else's."""
    await kit.ask_link(sender, slack, ERIN)
    erin = await kit.person_of(bot, ERIN)
    other = await kit.add_person(bot, "oscar.other")
    await kit.add_complaint(bot, erin.id, "C-2026-0001", "<script>alert(1)</script> & more")
    await kit.add_complaint(bot, other.id, "C-2026-0002", "Oscar's private grievance",
                            category="attitude")


async def test_an_employee_sees_their_own_complaint_and_nobody_elses(bot, slack,
                                                                     slack_sender):
    await _complaints(bot, slack, slack_sender)
    async with kit.browser() as http:
        link = await kit.ask_link(slack_sender, slack, ERIN)
        await kit.sign_in(http, kit.local(link, bot))
        async with http.get(bot.url + "/board") as response:
            html = await response.text()
    page = kit.Page(html)

    assert "C-2026-0001" in page.visible
    assert "C-2026-0002" not in html and "Oscar" not in html and "oscar" not in html
    # Typed text is escaped, never markup.
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    # Organisation-wide complaint figures name categories and root causes, never people.
    assert "attitude" in page.visible and "training" in page.visible
    assert "For IT leads" not in page.visible and "Per assignee" not in page.visible


async def test_an_it_lead_sees_breakdowns_per_assignee_and_team(bot, slack, slack_sender):
    await _complaints(bot, slack, slack_sender)
    page = await _page(bot, slack, slack_sender, LEE)

    assert ("h2", "For IT leads: per assignee and per team") in page.headings
    assert "Per assignee" in page.visible and "Kudos received per department" in page.visible
    # A lead has filed nothing: other people's complaints are not listed for them either.
    assert "C-2026-0001" not in page.visible and "C-2026-0002" not in page.visible
    assert "You have not filed any complaints." in page.visible


async def test_the_page_is_accessible_without_javascript(bot, slack, slack_sender):
    page = await _page(bot, slack, slack_sender, ERIN)

    assert page.lang == "en"
    assert [level for level, _ in page.headings][:1] == ["h1"]
    assert {text for _, text in page.headings} >= {
        "How IT is performing", "Headlines", "Service levels (SLA)",
        "Customer satisfaction (CSAT)", "Net Promoter Score (NPS)", "Complaints", "Winners",
        "Your complaints"}
    assert page.charts == page.chart_titles == 2
    assert page.tables >= page.charts + 3
    assert page.images_without_alt == 0
    assert "<script" not in page.html


async def test_nps_is_hidden_below_the_pulse_minimum_group(bot, slack, slack_sender):
    async with bot.services.sessions() as session:
        campaign = PulseCampaign(
            name="Spring pulse", audience={}, anonymity="anonymous", min_group=3,
            reminders=[], send_time="10:00", opens_at=kit.NOW - timedelta(days=10),
            closes_at=kit.NOW - timedelta(days=3), status=CLOSED)
        session.add(campaign)
        await session.commit()
        for n, score in enumerate((10, 9)):
            session.add(PulseAnswer(campaign_id=campaign.id, score=score,
                                    respondent_key=f"key-{n}"))
        await session.commit()
    page = await _page(bot, slack, slack_sender, ERIN)
    assert "fewer than 3 answers" in page.visible and "NPS 100" not in page.visible

    async with bot.services.sessions() as session:
        session.add(PulseAnswer(campaign_id=campaign.id, score=3, respondent_key="key-3"))
        await session.commit()
    page = await _page(bot, slack, slack_sender, ERIN)
    assert "Spring pulse: NPS 33 from 3 answers" in page.visible


async def test_signed_out_readers_see_how_to_sign_in_only(bot):
    async with kit.browser() as http, http.get(bot.url + "/board") as response:
        page = kit.Page(await response.text())
    assert response.status == 200
    assert "How to sign in" in page.visible and "Service levels" not in page.visible
    assert "Headlines" not in page.visible


async def test_the_public_view_shows_headlines_when_switched_on(make_settings, clock):
    def public(raw):
        raw["board"] = {"public": True}

    runner, bot = await start_bot(create_app(make_settings(public, env=kit.BOARD_ENV),
                                             clock=clock, scheduler=False))
    try:
        async with kit.browser() as http, http.get(bot.url + "/board") as response:
            page = kit.Page(await response.text())
    finally:
        await runner.cleanup()
    assert ("h1", "IT headlines") in page.headings and ("h2", "Headlines") in page.headings
    assert "Service levels" not in page.visible and "Complaints" not in page.visible


async def test_sla_figures_per_priority_and_per_week_are_drawn_and_tabled(bot, slack,
                                                                          slack_sender):
    """Two P1 tickets last week: one answered in time, one late; the lead sees them per
    assignee, everyone per priority and in the week's row of the trend."""
    opened = kit.NOW - timedelta(days=7)
    async with bot.services.sessions() as session:
        for n, answered in enumerate((timedelta(hours=1), timedelta(hours=5))):
            session.add(Ticket(
                source="generic", external_id=f"T-{n}", priority="P1",
                assignee_email="tom@example.com", opened_at=opened,
                first_response_at=opened + answered, resolved_at=opened + answered,
                response_due_at=opened + timedelta(hours=2),
                resolution_due_at=opened + timedelta(hours=8), last_event_at=opened))
        await session.commit()
    page = await _page(bot, slack, slack_sender, LEE)

    assert "P1 2 50.0%" in page.visible  # priority, tickets, first response met
    assert "tom@example.com 2 50.0% 100.0%" in page.visible
    assert 'd="M' in page.html  # the trend line has a point to draw
    # The trend's table (all 12 weeks counted in one statement): last week's row, the
    # current week's with nothing decided.
    assert "02 Mar 50.0% 100.0%" in page.visible and "09 Mar \u2013 \u2013" in page.visible


async def test_figures_are_kept_for_a_minute_but_own_complaints_never(make_settings, slack,
                                                                      clock):
    settings = make_settings(lambda raw: raw.update(board={"cache_seconds": 60}),
                             env=kit.BOARD_ENV)
    runner, bot = await start_bot(create_app(settings, clock=clock, scheduler=False))
    try:
        async with SlackSender(bot.url, SIGNING_SECRET,
                               response_base=slack.response_url("")) as sender:
            assert "None." in (await _page(bot, slack, sender, ERIN)).visible
            erin = await kit.person_of(bot, ERIN)
            await kit.add_complaint(bot, erin.id, "C-2026-0001", "slow", category="attitude")

            page = await _page(bot, slack, sender, ERIN)
            assert "C-2026-0001" in page.visible  # their own: read for every page
            assert "attitude" not in page.visible  # the statistics: kept a minute

            clock.advance(seconds=61)
            assert "attitude" in (await _page(bot, slack, sender, ERIN)).visible
    finally:
        await runner.cleanup()


async def test_the_sla_figures_cost_two_statements_not_one_a_week(bot):
    """Per priority in one statement, the 12-week trend in another (it was 12)."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    start = utc_week_start(kit.NOW) - timedelta(weeks=WEEKS - 1)
    async with bot.services.sessions() as session:
        engine = (await session.connection()).engine.sync_engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            sla = await _sla(session, bot.services, start, kit.NOW)
        finally:
            event.remove(engine, "before_cursor_execute", record)
    assert len(sla["response"]) == len(sla["resolution"]) == WEEKS
    assert len([s for s in statements if "ticket" in s.lower()]) == 2
