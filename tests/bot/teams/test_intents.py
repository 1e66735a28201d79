"""Teams activities (as Teams posts them) to neutral intents."""

from __future__ import annotations

from typing import Any

import pytest
from botbuilder.schema import Activity

from bot.chat.port import MessageRef
from bot.handlers import handler_routes
from bot.intents import ButtonPress, Command, FormSubmit
from bot.teams.intents import intent_of
from tests.teams_activities import recorded

ROUTED = handler_routes().commands

BOT = {"id": "28:bot-app-id", "name": "Touchpoint"}
SENDER = {"id": "29:1sender", "name": "Ann Lee",
          "aadObjectId": "AB12CD34-0000-4000-8000-0000000000FF"}


def activity(text: str | None = None, *, entities: list | None = None, value: Any = None,
             **extra: Any) -> Activity:
    """The recorded personal message (a card submit with a `value`), from SENDER to BOT."""
    raw = recorded("card_submit" if value is not None else "message_mention_personal",
                   **extra)
    raw.update({"from": SENDER, "recipient": BOT, **extra})
    raw["conversation"].update(id="a:1personal", tenantId="tenant-1")
    raw["channelData"]["tenant"] = {"id": "tenant-1"}
    if "replyToId" not in extra:
        raw.pop("replyToId", None)
    for key, given in (("text", text), ("entities", entities), ("value", value)):
        if given is None:
            raw.pop(key, None)
        else:
            raw[key] = given
    return Activity().deserialize(raw)


def parse(activity: Activity):
    """The intent, with the commands the bot's handlers answer."""
    return intent_of(activity, ROUTED)


def bot_mention(name: str = "Touchpoint") -> dict:
    return {"type": "mention", "text": f"<at>{name}</at>", "mentioned": BOT}


@pytest.mark.parametrize(("text", "command", "rest"), [
    ("help", "touchpoint", "help"),
    ("Help", "touchpoint", "Help"),
    ("<p>help</p>", "touchpoint", "help"),
    ("complain the wifi drops every hour", "complain", "the wifi drops every hour"),
    ("Kudos Ann fixed my laptop", "kudos", "Ann fixed my laptop"),
    ("/kudos Ann fixed it", "kudos", "Ann fixed it"),
    ("/broadcast outage: VPN", "broadcast", "outage: VPN"),
    ("broadcast outage: VPN", "broadcast", "outage: VPN"),
    # No handler answers digest (yet): it is a word the general command does not know.
    ("digest this week", "touchpoint", "digest this week"),
    ("touchpoint help", "touchpoint", "help"),
    ("what can you do", "touchpoint", "what can you do"),
    ("", "touchpoint", ""),
])
def test_the_first_word_picks_the_command(text, command, rest):
    intent = parse(activity(text))

    assert isinstance(intent, Command)
    assert (intent.command, intent.text) == (command, rest)


def test_help_typed_to_the_bot_is_touchpoint_help():
    intent = parse(activity("help"))

    assert isinstance(intent, Command)
    assert (intent.command, intent.word) == ("touchpoint", "help")


def test_the_bots_mention_is_dropped_and_other_mentions_keep_their_names():
    intent = parse(activity(
        "<at>Touchpoint</at> kudos <at>Bo Chen</at> fixed it &amp; more&nbsp;<b>fast</b>",
        entities=[bot_mention(),
                  {"type": "mention", "text": "<at>Bo Chen</at>",
                   "mentioned": {"id": "29:1bo", "name": "Bo Chen"}}]))

    assert isinstance(intent, Command)
    assert (intent.command, intent.text) == ("kudos", "Bo Chen fixed it & more fast")


def test_a_leading_mention_without_entities_is_taken_as_the_bot():
    intent = parse(activity("<at>Touchpoint Bot</at> help"))

    assert isinstance(intent, Command)
    assert (intent.command, intent.text) == ("touchpoint", "help")


def test_typed_markup_comes_through_as_text():
    intent = parse(activity("complain &lt;b&gt;rude&lt;/b&gt; <div>line two</div>"))

    assert isinstance(intent, Command)
    assert intent.text == "<b>rude</b> line two"


def test_the_origin_and_profile_name_the_sender_by_aad_object_id():
    intent = parse(activity("help", **{"from": {**SENDER, "email": "Ann@Example.com"}}))

    assert isinstance(intent, Command)
    origin = intent.origin
    assert (origin.platform, origin.user_id, origin.channel) == (
        "teams", "ab12cd34-0000-4000-8000-0000000000ff", "a:1personal")
    assert origin.reference is not None
    assert origin.reference["serviceUrl"] == "https://smba.trafficmanager.net/amer/"
    assert origin.reference["conversation"] == {
        "id": "a:1personal", "conversationType": "personal", "tenantId": "tenant-1"}
    assert origin.reference["user"]["id"] == "29:1sender"
    assert origin.reference["bot"]["id"] == "28:bot-app-id"
    assert intent.profile is not None
    assert (intent.profile.display_name, intent.profile.email) == ("Ann Lee", "Ann@Example.com")


def test_an_action_submit_is_a_button_press_on_the_card_it_came_from():
    intent = parse(activity(value={"action_id": "csat.rate", "value": "5"},
                                replyToId="1700000000400"))

    assert isinstance(intent, ButtonPress)
    assert (intent.action_id, intent.value) == ("csat.rate", "5")
    assert intent.message == MessageRef("teams", "a:1personal", "1700000000400")
    assert intent.origin.user_id == "ab12cd34-0000-4000-8000-0000000000ff"


def test_a_button_press_carries_the_cards_inputs_beside_its_own_data():
    intent = parse(activity(value={"action_id": "csat.score", "value": "7:2",
                                       "comment": "  slow  ", "other": None},
                                replyToId="1700000000400"))

    assert isinstance(intent, ButtonPress)
    assert (intent.action_id, intent.value) == ("csat.score", "7:2")
    assert dict(intent.inputs) == {"comment": "slow", "other": ""}
    assert dict(parse(activity(value={"action_id": "x", "value": ""})).inputs) == {}


def test_a_submitted_form_card_is_a_form_submit_with_its_fields():
    intent = parse(activity(value={"callback_id": "complaint.new", "metadata": "{\"n\": 1}",
                                       "summary": "  Wifi drops  ", "category": "network",
                                       "optional": None}))

    assert isinstance(intent, FormSubmit)
    assert intent.callback_id == "complaint.new"
    assert intent.metadata == "{\"n\": 1}"
    assert dict(intent.values) == {"summary": "Wifi drops", "category": "network",
                                   "optional": ""}
    assert intent.origin is not None and intent.origin.platform == "teams"


def test_card_data_it_does_not_know_is_no_intent():
    assert parse(activity(value={"something": "else"})) is None


def test_an_activity_without_a_sender_is_no_intent():
    raw = activity("help").serialize()
    del raw["from"]

    assert parse(Activity().deserialize(raw)) is None
