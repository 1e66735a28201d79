"""The board's fresh part, per role: the status of every catalogue service (open broadcasts
with impact, status and last update in the organisation's zone, else operating normally),
the headlines (milestones of the last 30 days, broadcasts resolved in the last 7) and the
open improvement plans with owners, overdue flagged. The public view shows the status and
headlines only: no figures, nothing about complaints, no plans."""

from __future__ import annotations

from datetime import date, timedelta

from bot.server import create_app
from storage.broadcasts import Broadcast
from storage.milestones import Milestone
from storage.plans import PlanItem
from tests.conftest import start_bot
from tests.scenarios.board import board_kit as kit

ERIN = "U0EMPL001"
TYPED = "<b>VPN</b> & mail down"


async def _board_data(bot) -> None:
    owner = await kit.add_person(bot, "tess.tech", role="it_staff")
    now = kit.NOW
    async with bot.services.sessions() as session:
        session.add_all([
            Broadcast(submission_key="t:1", kind="incident", title=TYPED,
                      services=["Email and calendar"], impact="outage", status="identified",
                      message="Engineers <i>are</i> on it", owner_id=owner.id,
                      created_at=now - timedelta(hours=2),
                      updated_at=now - timedelta(minutes=30)),
            Broadcast(submission_key="t:2", kind="incident", title="Printers fixed",
                      services=["Laptops and devices"], impact="degraded", status="resolved",
                      is_open=False, message="done", owner_id=owner.id,
                      created_at=now - timedelta(days=3), resolved_at=now - timedelta(days=2)),
            Broadcast(submission_key="t:3", kind="incident", title="Old outage",
                      services=["Other"], impact="outage", status="resolved", is_open=False,
                      message="done", owner_id=owner.id, created_at=now - timedelta(days=20),
                      resolved_at=now - timedelta(days=10)),
            Milestone(key="csat:90", kind="csat", reached_at=now - timedelta(days=5),
                      detail={"level": 90, "csat": 91.5, "week": "2026-02-23"}),
            Milestone(key="complaints_zero:1", kind="complaints_zero",
                      reached_at=now - timedelta(days=4), detail={"resolved": 12}),
            Milestone(key="kudos:100", kind="kudos", reached_at=now - timedelta(days=40),
                      detail={"count": 100, "given": 100}),
            PlanItem(submission_key="p:1", figure="response_times",
                     change="Answer <em>chats</em> faster", owner_id=owner.id,
                     created_by_id=owner.id, due_on=date(2026, 3, 1)),
            PlanItem(submission_key="p:2", figure="csat", change="Call back every complaint",
                     owner_id=owner.id, created_by_id=owner.id, due_on=date(2026, 4, 1)),
            PlanItem(submission_key="p:3", figure="csat", change="A finished plan",
                     owner_id=owner.id, created_by_id=owner.id, due_on=date(2026, 4, 1),
                     status="done"),
        ])
        await session.commit()


async def _signed_in(bot, slack, sender) -> str:
    link = await kit.ask_link(sender, slack, ERIN)
    async with kit.browser() as http:
        await kit.sign_in(http, kit.local(link, bot))
        async with http.get(bot.url + "/board") as response:
            assert response.status == 200
            return await response.text()


def _status_of(page: kit.Page, service: str, following: str) -> str:
    """The visible text from a service's heading up to the next service's."""
    text = page.visible
    start = text.index(service)
    return text[start:text.index(following, start + len(service))]


async def test_an_employee_sees_status_headlines_and_plans(bot, slack, slack_sender):
    await _board_data(bot)
    html = await _signed_in(bot, slack, slack_sender)
    page = kit.Page(html)

    assert ("h2", "Service status") in page.headings
    email = _status_of(page, "Email and calendar", "Network and Wi-Fi")
    # Typed text escaped; the last update in the organisation's zone (GMT in March), named.
    assert "<b>VPN</b>" not in html and "&lt;b&gt;VPN&lt;/b&gt; &amp; mail down" in html
    assert "Engineers &lt;i&gt;are&lt;/i&gt; on it" in html
    assert ("Incident: <b>VPN</b> & mail down . Impact: outage. Status: identified. "
            "Last update: 10 Mar 2026, 09:30 (Europe/London).") in email
    assert "Operating normally." not in email
    assert "Operating normally." in _status_of(page, "Service desk", "Laptops and devices")
    # Every catalogue service is listed, resolved broadcasts are not current status.
    assert [h for level, h in page.headings if level == "h3"] == [
        "Service desk", "Laptops and devices", "Email and calendar", "Network and Wi-Fi",
        "Business applications", "Other"]

    # Headlines: milestones of the last 30 days and broadcasts resolved in the last 7.
    assert "Satisfaction reached 90% in the week of 2026-02-23." in page.visible
    assert "Every complaint is put right" in page.visible
    assert "thanked IT 100 times" not in page.visible  # 40 days ago
    assert "Resolved: Printers fixed (Laptops and devices)." in page.visible
    assert "Old outage" not in page.visible  # resolved 10 days ago

    # Plans: open ones only, owners named, the late one first and flagged.
    assert ("h2", "What we are improving") in page.headings
    assert "&lt;em&gt;chats&lt;/em&gt;" in html
    assert ("Answer <em>chats</em> faster response times tess.tech 01 Mar 2026 (overdue) "
            "Call back every complaint csat tess.tech 01 Apr 2026") in page.visible
    assert "A finished plan" not in page.visible


async def test_with_no_broadcast_every_service_operates_normally(bot, slack, slack_sender):
    page = kit.Page(await _signed_in(bot, slack, slack_sender))
    assert page.visible.count("Operating normally.") == 6
    assert "No open improvement plans." in page.visible


async def test_the_public_view_shows_status_and_headlines_without_figures(make_settings,
                                                                         clock):
    def public(raw):
        raw["board"] = {"public": True, "cache_seconds": 0}

    runner, bot = await start_bot(create_app(make_settings(public, env=kit.BOARD_ENV),
                                             clock=clock, scheduler=False))
    try:
        await _board_data(bot)
        async with kit.browser() as http, http.get(bot.url + "/board") as response:
            html = await response.text()
    finally:
        await runner.cleanup()
    page = kit.Page(html)
    assert response.status == 200
    assert ("h2", "Service status") in page.headings and ("h2", "Headlines") in page.headings
    assert "&lt;b&gt;VPN&lt;/b&gt; &amp; mail down" in html and "<b>VPN" not in html
    assert "Impact: outage. Status: identified." in page.visible
    assert "Operating normally." in page.visible
    assert "Resolved: Printers fixed" in page.visible
    # Milestones without their figures, none about complaints; no plans, no dashboards.
    assert "Satisfaction reached a new level." in page.visible
    assert "90%" not in page.visible and "91.5" not in page.visible
    assert "complaint" not in page.visible.lower()
    assert "What we are improving" not in page.visible and "tess.tech" not in page.visible
    assert "Service levels" not in page.visible


async def test_the_status_is_kept_seconds_not_the_figures_minute(make_settings, clock):
    def kept(raw):
        raw["board"] = {"public": True, "cache_seconds": 60}

    runner, bot = await start_bot(create_app(make_settings(kept, env=kit.BOARD_ENV),
                                             clock=clock, scheduler=False))
    try:
        async def page() -> str:
            async with kit.browser() as http, http.get(bot.url + "/board") as response:
                return kit.Page(await response.text()).visible

        assert "Incident" not in await page()
        await _board_data(bot)
        assert "Incident" not in await page()  # kept from the page before
        clock.advance(seconds=11)
        assert "Impact: outage. Status: identified." in await page()
    finally:
        await runner.cleanup()
