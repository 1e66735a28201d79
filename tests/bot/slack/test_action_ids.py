"""Buttons sharing an action id (five score buttons routed to one handler) are rendered with
distinct ids, as Slack requires within a block, and read back as the routed id."""

from __future__ import annotations

from bot.chat.message import Button, Message
from bot.slack.intents import button_intent
from bot.slack.render import SlackRenderer


def test_repeated_action_ids_are_numbered_and_read_back_as_one():
    scores = [Button("csat.score", "text", f"7:{n}") for n in range(1, 4)]
    message = Message("errors/unexpected",
                      buttons=(*scores, Button("csat.comment", "text", "7")))

    [actions] = [b for b in SlackRenderer().message(message)["blocks"] if b["type"] == "actions"]

    ids = [element["action_id"] for element in actions["elements"]]
    assert ids == ["csat.score", "csat.score#2", "csat.score#3", "csat.comment"]
    pressed = button_intent({"actions": [{"action_id": "csat.score#3", "value": "7:3"}],
                             "user": {"id": "U0EMPL001"},
                             "container": {"channel_id": "D0DM", "message_ts": "1.2"}})
    assert (pressed.action_id, pressed.value) == ("csat.score", "7:3")
