"""Slack's App Home lists the services a person follows, with a Follow or Stop following
button per catalogue service that goes to the broadcasts' subscription flow; the Home tab is
published again after a toggle, a ``/touchpoint subscribe`` and a complaint filed."""

from __future__ import annotations

import json

from sqlmodel import select

from bot.flows.board.ids import BOARD_LINK, HOME_FOLLOW, HOME_UNFOLLOW
from storage.broadcasts import BroadcastSubscription
from tests.scenarios import complaints_kit
from tests.scenarios.board import board_kit as kit
from tests.waiting import eventually

ERIN = "U0EMPL001"
EMAIL = "Email and calendar"


def _buttons(view: dict) -> dict[str, tuple[str, str]]:
    """Button text -> (routed action id, value)."""
    [actions] = [b for b in view["blocks"] if b["type"] == "actions"]
    return {e["text"]["text"]: (e["action_id"].split("#")[0], e["value"])
            for e in actions["elements"]}


async def _published(slack, count: int) -> dict:
    """The Home tab after its `count`th views.publish."""
    await slack.wait_for("views.publish", count)
    return slack.homes[ERIN]


async def _following(bot) -> list[str]:
    async with bot.services.sessions() as session:
        return list((await session.exec(select(BroadcastSubscription.service))).all())


async def test_the_home_toggles_a_subscription_and_is_published_again(bot, slack,
                                                                     slack_sender):
    await kit.ask_link(slack_sender, slack, ERIN)
    await slack_sender.event(kit.home_opened(ERIN))
    view = await _published(slack, 1)
    assert "you follow no service yet" in json.dumps(view["blocks"])
    buttons = _buttons(view)
    assert buttons["Open the performance board"] == (BOARD_LINK, "")
    assert buttons[f"Follow {EMAIL}"] == (HOME_FOLLOW, EMAIL)
    assert len(buttons) == 1 + 6  # the board, and each catalogue service

    assert await kit.press_in_home(slack_sender, ERIN, HOME_FOLLOW, EMAIL) == 200
    view = await _published(slack, 2)
    assert await _following(bot) == [EMAIL]
    assert f"you follow {EMAIL};" in json.dumps(view["blocks"])
    assert _buttons(view)[f"Stop following {EMAIL}"] == (HOME_UNFOLLOW, EMAIL)
    assert f"Follow {EMAIL}" not in _buttons(view)
    ephemeral = await eventually(lambda: (slack.calls_to("chat.postEphemeral") or [None])[0])
    assert ephemeral.args["user"] == ERIN and EMAIL in json.dumps(ephemeral.args["blocks"])

    assert await kit.press_in_home(slack_sender, ERIN, HOME_UNFOLLOW, EMAIL) == 200
    view = await _published(slack, 3)
    assert await _following(bot) == []
    assert _buttons(view)[f"Follow {EMAIL}"] == (HOME_FOLLOW, EMAIL)


async def test_a_tampered_toggle_gets_a_kind_answer_and_changes_nothing(bot, slack,
                                                                       slack_sender):
    await kit.ask_link(slack_sender, slack, ERIN)
    slack.clear()
    assert await kit.press_in_home(slack_sender, ERIN, HOME_FOLLOW, "<!channel> Mainframe") == 200
    ephemeral = await eventually(lambda: (slack.calls_to("chat.postEphemeral") or [None])[0])
    text = json.dumps(ephemeral.args["blocks"])
    assert "<!channel>" not in text and "&lt;!channel&gt; Mainframe" in text
    assert await _following(bot) == []


async def test_subscribing_by_command_republishes_the_home(bot, slack, slack_sender):
    await kit.ask_link(slack_sender, slack, ERIN)
    slack.clear()
    await slack_sender.command("/touchpoint", "subscribe network and wi-fi", user_id=ERIN)
    view = await _published(slack, 1)
    assert "you follow Network and Wi-Fi;" in json.dumps(view["blocks"])


async def test_filing_a_complaint_republishes_the_home(bot, slack, slack_sender):
    await kit.ask_link(slack_sender, slack, ERIN)
    slack.clear()
    assert (await complaints_kit.submit_complaint(slack_sender, ERIN)).status == 200
    view = await _published(slack, 1)
    [complaint] = await complaints_kit.complaints(bot)
    assert complaint.number in json.dumps(view["blocks"])
