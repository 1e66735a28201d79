"""A pulse in Microsoft Teams, end to end on SQLite and PostgreSQL: someone who uses only
Teams gets the pulse as an Adaptive Card through the Bot Connector emulator, answers with its
Action.Submit buttons, and the card is updated in place."""

from __future__ import annotations

import pytest

from storage.pulses import PulseAnswer
from tests.scenarios import pulse_kit
from tests.scenarios.pulse_kit import (
    ANN,
    ANN_CHAT,
    ann_installed,
    answers,
    buttons_of,
    teams_config,
)
from tests.scenarios.test_help_teams import card_of, message, post
from tests.waiting import eventually

bot_options, clock = pulse_kit.bot_options, pulse_kit.clock


@pytest.fixture
def settings(make_settings, connector):
    return make_settings(config=lambda raw: raw.update(teams_config(connector)))


async def test_a_teams_only_person_answers_on_the_card(bot, connector, slack_sender):
    await ann_installed(bot, connector)

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
