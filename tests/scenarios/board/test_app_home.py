"""Slack's App Home: opening the Home tab publishes the person's summary (views.publish at
the Slack emulator); IT staff also see the triage queue and the week's figures; its button
answers with a sign-in link; ``/touchpoint home`` answers with the same summary."""

from __future__ import annotations

import json

from bot.flows.board.ids import BOARD_LINK
from tests.scenarios.board import board_kit as kit
from tests.waiting import eventually

ERIN, TOM = "U0EMPL001", "U0TECH001"


def _text(view: dict) -> str:
    return json.dumps(view["blocks"])


async def test_opening_the_home_tab_publishes_the_summary(bot, slack, slack_sender):
    await kit.ask_link(slack_sender, slack, ERIN)
    erin = await kit.person_of(bot, ERIN)
    await kit.add_complaint(bot, erin.id, "C-2026-0001", "slow laptop")

    reply = await slack_sender.event(kit.home_opened(ERIN))
    assert reply.status == 200
    [call] = await slack.wait_for("views.publish", 1)
    assert call.args["user_id"] == ERIN
    view = slack.homes[ERIN]
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    text = _text(view)
    assert "C-2026-0001" in text and "new" in text
    assert "Nothing is waiting for your answer." in text
    assert "you have *0* points and can give" in text
    assert "For IT staff" not in text
    [actions] = [b for b in view["blocks"] if b["type"] == "actions"]
    assert actions["elements"][0]["action_id"] == BOARD_LINK


async def test_it_staff_see_the_triage_queue_and_the_week(bot, slack, slack_sender):
    await kit.ask_link(slack_sender, slack, ERIN)
    erin = await kit.person_of(bot, ERIN)
    await kit.add_complaint(bot, erin.id, "C-2026-0001", "slow laptop")

    await slack_sender.event(kit.home_opened(TOM))
    view = await eventually(lambda: slack.homes.get(TOM))
    text = _text(view)
    assert "For IT staff" in text
    assert "Triage queue: 1 open complaint unassigned, 0 assigned.\\nThis week: " in text
    assert "C-2026-0001" not in text  # Erin's complaint is not Tom's to list


async def test_the_messages_tab_publishes_nothing(bot, slack, slack_sender):
    await slack_sender.event(kit.home_opened(ERIN, tab="messages"))
    await slack_sender.event(kit.home_opened(TOM))
    await eventually(lambda: slack.homes.get(TOM))
    assert ERIN not in slack.homes


async def test_the_home_button_answers_with_a_sign_in_link(bot, slack, slack_sender):
    assert await kit.press_in_home(slack_sender, ERIN, BOARD_LINK) == 200
    ephemeral = await eventually(lambda: (slack.calls_to("chat.postEphemeral") or [None])[0])
    assert ephemeral.args["user"] == ERIN
    assert "/board/signin?token=" in json.dumps(ephemeral.args["blocks"])


async def test_home_command_answers_with_the_summary(bot, slack, slack_sender):
    slack.clear()
    await slack_sender.command("/touchpoint", "home", user_id=ERIN)
    [posted] = await slack.wait_for_response(1)
    assert posted.body["response_type"] == "ephemeral"
    assert "Your Touchpoint" in json.dumps(posted.body["blocks"])
