"""The digest on the running bot: the scheduled run posts it with its chart to Slack (an image
block of the uploaded file) and Teams (an Adaptive Card with the image); a refused upload or a
Slack channel the bot is not in is one log line and the digest still goes where it can;
`/touchpoint digest` shows IT leads the week so far, privately, and nobody else; the digest's
"Add plan item" button, pressed in the channel by an employee, is refused kindly on both
platforms and opens the plan form for an IT lead; two schedulers on PostgreSQL post a period
once."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from bot.flows.digests import posting
from bot.flows.plans import ids as plan_ids
from bot.server import DISPATCHER, SCHEDULER, SERVICES, create_app
from storage.models import ScheduledRun
from tests.conftest import start_bot
from tests.outbox_kit import outbox_rows, outbox_settled
from tests.scenarios import digest_kit
from tests.scenarios.digest_kit import (
    IMAGE_ENV,
    TEAMS_CHANNEL,
    posted_weekly,
    seeded,
    slot,
    week_so_far,
)
from tests.scenarios.test_help_teams import ERIN, message, post, seed_erin
from tests.waiting import eventually

bot_options, clock = digest_kit.bot_options, digest_kit.clock


@pytest.fixture
def settings(make_settings, connector):
    return make_settings(digest_kit.configure(connector), env=IMAGE_ENV)


async def test_the_scheduled_digest_is_posted_with_its_chart_on_both_platforms(
        bot, slack, connector):
    posted, text = await posted_weekly(bot, slack)
    assert "First response: 66.7%" in text and "Mailbox down &lt;everyone&gt;" in text
    [image] = [block for block in posted["blocks"] if block["type"] == "image"]
    png = slack.file(image["slack_file"]["id"])["data"]
    assert png.startswith(b"\x89PNG") and len(png) < 150 * 1024
    [sent] = connector.calls_of("send")
    body = sent.body["attachments"][0]["content"]["body"]
    assert any("66.7%" in element.get("text", "") for element in body)
    [card_image] = [element for element in body if element["type"] == "Image"]
    assert card_image["url"].startswith("https://touchpoint.example.com/images/")
    assert card_image["altText"].startswith("Line chart of the 12 weeks")


async def test_a_refused_upload_posts_the_digest_without_its_chart_and_says_so_once(
        bot, slack, connector, caplog):
    await seeded(bot)
    slack.scopes = frozenset({"chat:write"})
    with caplog.at_level(logging.WARNING):
        await bot.run_job("digest.weekly", slot(bot))
        rows = await outbox_settled(bot.services, "digest:")
    assert sorted((row.platform, row.status) for row in rows) == [("slack", "sent"),
                                                                  ("teams", "sent")]
    [posted] = slack.messages_in("C0DIGEST1")
    assert not [block for block in posted["blocks"] if block["type"] == "image"]
    assert "SLA met" in str(posted["blocks"])
    refused = [r for r in caplog.records
               if "messages go out without their images" in r.getMessage()]
    assert len(refused) == 1


async def test_a_slack_channel_the_bot_is_not_in_fails_there_and_teams_still_gets_it(
        bot, slack, connector, caplog):
    await seeded(bot)
    slack.fail_next("chat.postMessage", status=200, error="not_in_channel")
    with caplog.at_level(logging.WARNING):
        await bot.run_job("digest.weekly", slot(bot))
        rows = await outbox_settled(bot.services, "digest:")
    assert sorted((row.platform, row.status) for row in rows) == [("slack", "failed"),
                                                                  ("teams", "sent")]
    lines = [r.getMessage() for r in caplog.records if "digest:weekly:2026-W48" in r.getMessage()
             and "failed" in r.getMessage()]
    assert len(lines) == 1 and "not_in_channel" in lines[0]


async def test_an_it_lead_sees_the_week_so_far_and_an_employee_does_not(
        bot, slack, slack_sender, clock):
    lead, employee = await week_so_far(bot, slack, slack_sender, clock)
    assert lead.body["response_type"] == "ephemeral"
    assert lead.body["blocks"][0]["text"]["text"] == "weekly: 2026-W48 so far"
    assert "First response:" in str(lead.body["blocks"])
    assert "Only IT leads and admins" in str(employee.body["blocks"])
    assert "SLA" not in str(employee.body["blocks"])
    # Nothing was posted: it is a look, not a post.
    assert await outbox_rows(bot.services, "digest:") == []


async def test_an_employee_pressing_the_digests_plan_button_is_refused_kindly(
        bot, slack, slack_sender, connector):
    await seeded(bot)
    await bot.run_job("digest.weekly", slot(bot))
    await outbox_settled(bot.services, "digest:")
    # Slack: the button as posted, pressed in the channel by an employee, then by a lead.
    [posted] = slack.messages_in("C0DIGEST1")
    [actions] = [block for block in posted["blocks"] if block["type"] == "actions"]
    [button] = actions["elements"]
    assert (button["action_id"], button["value"]) == (plan_ids.ADD_BUTTON, "sla")
    slack.clear()
    await slack_sender.click(button["action_id"], button["value"], user_id="U0EMPL001",
                             channel_id="C0DIGEST1", message_ts=posted["ts"])
    [refused] = await slack.wait_for_response(1)
    assert "Only IT leads and admins" in json.dumps(refused.body)
    assert refused.body.get("response_type", "ephemeral") == "ephemeral"
    assert slack.calls_to("views.open") == []
    await slack_sender.click(button["action_id"], button["value"], user_id="U0LEAD001",
                             channel_id="C0DIGEST1", message_ts=posted["ts"])
    [opened] = await slack.wait_for("views.open")
    assert "SLA compliance" in json.dumps(opened.args["view"])

    # Teams: the card's button, pressed in the channel by Erin, an employee.
    seed_erin(connector, TEAMS_CHANNEL)
    [card] = connector.activities_in(TEAMS_CHANNEL)
    [data] = [action["data"] for row in card["attachments"][0]["content"]["body"]
              if row["type"] == "ActionSet" for action in row["actions"]]
    assert data == {"action_id": plan_ids.ADD_BUTTON, "value": "sla"}
    await post(bot.url, message(connector, None, conversation=TEAMS_CHANNEL, kind="channel",
                                sender=ERIN, id="1700000000901", replyToId=card["id"],
                                value=data))

    def refused_on_teams() -> bool:
        return any("Only IT leads and admins" in json.dumps(call.body)
                   for kind in ("send", "reply") for call in connector.calls_of(kind))

    await eventually(refused_on_teams)
    # No plan form card was sent to Erin.
    assert not any("plan.form" in json.dumps(call.body)
                   for kind in ("send", "reply") for call in connector.calls_of(kind))


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)],
                         indirect=True)
async def test_two_schedulers_post_a_period_once(settings, clock, database_url):
    """Two replicas (each its own app, engine and APScheduler) fire the digest's job for the
    same slot, and each also runs the catch-up: one post per platform."""
    apps = [create_app(settings, clock=clock) for _ in range(2)]
    runners = []
    try:
        for app in apps:
            runner, running = await start_bot(app)
            runners.append(runner)
        await seeded(running)
        first = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
        for app in apps:
            [route] = [r for r in app[DISPATCHER].schedule_routes if r.job == "digest.weekly"]
            app[SCHEDULER].schedule("digest.weekly.now", route.handler, "date", run_date=first)
        await asyncio.gather(*(posting.catch_up(app[SERVICES]) for app in apps))
        await eventually(lambda: _claims_done(apps[0][SERVICES]))
        rows = await outbox_rows(apps[0][SERVICES], "digest:")
    finally:
        for runner in runners:
            await runner.cleanup()
    assert sorted((row.key, row.platform) for row in rows) == [
        ("digest:weekly:2026-W48", "slack"), ("digest:weekly:2026-W48", "teams")]


async def _claims_done(services) -> bool:
    async with services.sessions() as session:
        runs = (await session.exec(select(ScheduledRun).where(
            col(ScheduledRun.job) == "digest.weekly.now"))).all()
    return len(runs) == 1 and runs[0].outcome == "ok"
