"""Improvement plans over Slack, end to end: who may add a plan item, the form with its errors
per field, the item stored once, its owner told and reminded once when it is overdue, the
list with overdue items flagged, ``plan done`` and the digest's "Add plan item" button."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.flows.plans import ids
from storage.models import AuditEvent
from tests.outbox_kit import move_clock, outbox_all_sent
from tests.scenarios import complaints_kit, plans_kit
from tests.scenarios.complaints_kit import ERIN, LEE, TOM, blocks_text, inputs_of, keyed
from tests.scenarios.plans_kit import VALID_NPS, answer, count, items, submit, teams_form, true
from tests.scenarios.test_help_teams import PERSONAL, card_of
from tests.waiting import eventually

bot_options, clock = plans_kit.bot_options, plans_kit.clock
teams_settings, teams_bot = plans_kit.teams_settings, plans_kit.teams_bot


async def test_a_lead_adds_a_plan_item_its_owner_is_told_and_reminded_once(
        bot, slack, slack_sender, clock):
    # Tom (IT staff) is known to the directory once he has used the bot.
    assert "No open plan items" in await answer(slack, slack_sender, TOM, "plan list")
    # Erin is an employee: refused kindly, and no form opens.
    assert "Only IT leads and admins add plan items" in await answer(
        slack, slack_sender, ERIN, "plan add csat")
    assert slack.calls_to("views.open") == []

    await slack_sender.command("/touchpoint", "plan add CSAT", user_id=LEE)
    view = await complaints_kit.opened_view(slack)
    assert view["callback_id"] == ids.FORM
    inputs = inputs_of(view)
    assert list(inputs) == [ids.FIGURE, ids.CHANGE, ids.OWNER, ids.OWNER_EMAIL, ids.DUE]
    assert inputs[ids.FIGURE]["initial_option"]["value"] == "csat"

    # Every mistake is answered in the form, under its field, and nothing is stored.
    reply = await submit(slack_sender, change="  ", owner=[], due="2026-11-30")
    assert reply.json() == {"response_action": "errors", "errors": {
        ids.CHANGE: "Please say what will change.",
        ids.OWNER: "Please pick the owner, or give their email.",
        ids.DUE: "That date has passed: please give today or a later date."}}
    reply = await submit(slack_sender, owner=[], email="nobody@example.com", due="10/12/26")
    assert reply.json()["errors"] == {
        ids.OWNER_EMAIL: "I do not know that person yet. Pick them from the list, or give "
                         "the email they use here.",
        ids.DUE: "Please give the due date as YYYY-MM-DD, like 2027-03-31."}
    assert await items(bot) == []

    slack.clear()
    assert (await submit(slack_sender)).status == 200
    await eventually(lambda: count(bot, 1))
    # The same view submitted again (a double click, a retry) is stored once.
    await submit(slack_sender)
    [item] = await items(bot)
    assert (item.figure, item.due_on, item.status) == ("csat", datetime(2026, 12, 10).date(),
                                                       "open")
    # A modal's submission is answered in the app's DM, visible to the lead alone.
    [added] = await slack.wait_for("chat.postEphemeral")
    assert f"Plan item #{item.id} added for CSAT" in str(added.args["blocks"])
    await outbox_all_sent(bot.services, "plan:", 1)
    assigned = keyed(slack, slack.dm_channel(TOM), f"plan:{item.id}:assigned")
    assert assigned is not None
    text = blocks_text(assigned)
    assert "made you its owner" in text and "&lt;!channel&gt;" in text
    assert "<!channel>" not in text
    async with bot.services.sessions() as session:
        [event] = (await session.exec(select(AuditEvent).where(
            AuditEvent.subject_type == "plan_item"))).all()
    assert (event.action, event.detail["figure"]) == ("plan_added", "csat")

    # Not overdue on its due date; overdue the day after, reminded once however often the
    # job runs.
    await move_clock(bot.services, clock, datetime(2026, 12, 10, 9, tzinfo=UTC))
    await bot.run_job("plans.remind", clock.now)
    assert "OVERDUE" not in await answer(slack, slack_sender, TOM, "plan list")
    await move_clock(bot.services, clock, datetime(2026, 12, 11, 9, tzinfo=UTC))
    await bot.run_job("plans.remind", clock.now)
    await bot.run_job("plans.remind", clock.now + timedelta(days=1))
    await outbox_all_sent(bot.services, "plan:", 2)
    overdue = keyed(slack, slack.dm_channel(TOM), f"plan:{item.id}:overdue")
    assert overdue is not None and "was due 2026-12-10" in blocks_text(overdue)
    listed = await answer(slack, slack_sender, TOM, "plan list")
    assert f"#{item.id}" in listed and "OVERDUE" in listed

    # Done: by its owner (or a lead), not by anyone else; once.
    assert "can be marked done by its owner" in await answer(
        slack, slack_sender, ERIN, f"plan done {item.id}")
    assert f"Plan item #{item.id} is done" in await answer(
        slack, slack_sender, TOM, f"plan done #{item.id}")
    assert "already done" in await answer(slack, slack_sender, LEE, f"plan done {item.id}")
    assert "could not find plan item" in await answer(slack, slack_sender, LEE, "plan done x")
    assert "No open plan items" in await answer(slack, slack_sender, LEE, "plan list")


async def test_the_digest_button_opens_the_form_with_its_figure_for_leads_only(
        bot, slack, slack_sender):
    await slack_sender.click(ids.ADD_BUTTON, "sla", user_id=ERIN, channel_id="C0DIGEST1")
    [refused] = await slack.wait_for_response(1)
    assert "Only IT leads" in blocks_text(refused.body)
    assert slack.calls_to("views.open") == []

    await slack_sender.click(ids.ADD_BUTTON, "sla", user_id=LEE, channel_id="C0DIGEST1")
    inputs = inputs_of(await complaints_kit.opened_view(slack))
    assert inputs[ids.FIGURE]["initial_option"]["value"] == "sla"


async def test_an_employee_submitting_the_form_directly_stores_nothing(bot, slack,
                                                                      slack_sender):
    # The form's id is public: a crafted submission is checked on the server too.
    await answer(slack, slack_sender, TOM, "plan list")
    slack.clear()
    await submit(slack_sender, user=ERIN, view_id="V0PLANX01")
    [refused] = await slack.wait_for("chat.postEphemeral")
    assert "Only IT leads" in str(refused.args["blocks"])
    assert await items(bot) == []


async def test_a_lead_adds_a_plan_item_from_a_teams_card(teams_bot, connector):
    bot = teams_bot
    form, submit = await teams_form(bot, connector, "nps")
    inputs = {item["id"]: item for item in form["body"] if "id" in item}
    assert inputs[ids.FIGURE]["value"] == "nps"
    assert form["actions"][0]["data"] == {"callback_id": ids.FORM, "metadata": ""}
    valid = VALID_NPS
    await submit({**valid, ids.DUE: "soon", ids.CHANGE: ""}, "1700000000301")
    [again] = await connector.wait_for("update")
    texts = [item.get("text") for item in card_of(again)["body"]]
    assert "Please say what will change." in texts
    assert "Please give the due date as YYYY-MM-DD, like 2027-03-31." in texts
    assert await items(bot) == []

    await submit(valid, "1700000000302")
    await eventually(lambda: count(bot, 1))
    [item] = await items(bot)
    assert (item.figure, item.change) == ("nps", valid[ids.CHANGE])

    def told() -> list:
        return [c for c in connector.calls_of("send") if c.conversation_id == PERSONAL
                and "You own an improvement plan item" in json.dumps(c.body)]

    await eventually(lambda: true(bool(told())))
    # Typed text is escaped for the card's Markdown.
    assert "\\\\*every\\\\*" in json.dumps(told()[0].body)
