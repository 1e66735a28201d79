"""A pulse in Microsoft Teams, end to end on SQLite and PostgreSQL: someone who uses only
Teams gets the pulse as an Adaptive Card through the Bot Connector emulator, answers with its
Action.Submit buttons, and the card is updated in place."""

from __future__ import annotations

import pytest

from storage.pulses import PulseAnswer
from tests.scenarios import pulse_kit
from tests.scenarios.pulse_kit import answers
from tests.scenarios.test_help_teams import TENANT, card_of, message, post
from tests.waiting import eventually

ANN = {"id": "29:1ann-teams-id", "name": "Ann Andersen",
       "aadObjectId": "7a1b2c3d-0000-4000-8000-00000000a001"}
ANN_CHAT = "a:1ann-personal-chat"

bot_options, clock = pulse_kit.bot_options, pulse_kit.clock


@pytest.fixture
def settings(make_settings, connector):
    return make_settings(config=lambda raw: raw.update(
        teams={"service_url": connector.url}, outbox={"poll_seconds": 0.05}))


def buttons_of(card: dict) -> dict[str, dict]:
    return {action["data"]["action_id"]: action["data"]
            for block in card["body"] if block["type"] == "ActionSet"
            for action in block["actions"]}


async def test_a_teams_only_person_answers_on_the_card(bot, connector, slack_sender):
    connector.add_member(ANN_CHAT, id=ANN["id"], name=ANN["name"],
                         aad_object_id=ANN["aadObjectId"], email="ann@example.com",
                         tenant_id=TENANT)
    # Installing the app (here: a first message) is what lets the bot message Ann later.
    status, _ = await post(bot.url, message(connector, "pulses", conversation=ANN_CHAT,
                                            sender=ANN))
    assert status == 201
    await connector.wait_for("send")
    connector.clear()

    await slack_sender.command("/touchpoint", "pulse create teams-q4 7 now", user_id="U0LEAD001")
    [sent] = await connector.wait_for("send")
    assert sent.conversation_id == ANN_CHAT
    card = card_of(sent)
    assert "How likely are you to recommend IT" in str(card)
    choices = buttons_of(card)
    assert sorted(choices) == sorted(f"pulse.score.{n}" for n in range(11))

    [stored] = [a for a in connector.activities_in(ANN_CHAT)
                if "How likely" in str(a.get("attachments"))]
    # Action.Submit arrives as a message carrying the action's data, in reply to the card.
    status, _ = await post(bot.url, message(
        connector, None, conversation=ANN_CHAT, sender=ANN, value=choices["pulse.score.7"],
        replyToId=stored["id"]))
    assert status == 201

    async def answered() -> list[PulseAnswer]:
        return await answers(bot.services)

    [kept] = await eventually(answered)
    assert kept.score == 7 and kept.person_id is not None
    [updated] = await connector.wait_for("update")
    assert updated.conversation_id == ANN_CHAT
    assert "You gave us **7**" in str(card_of(updated))
