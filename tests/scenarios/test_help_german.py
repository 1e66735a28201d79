"""Help in German: /touchpoint help answers in German on Slack and on Teams, and a typed word
named back is still escaped. German by the platform's language: Erin's Slack (users.info
``locale``) and her Teams client (the activity's ``locale``) are ``de-DE`` (`tests.german`);
the organisation's language stays English."""

from __future__ import annotations

import pytest

from bot.chat.text import TEAMS
from tests import german
from tests.scenarios.test_help import unknown_word_answer
from tests.scenarios.test_help_teams import card_of, message, post, seed_erin

people_locale = german.people_locale


@pytest.fixture
def settings(make_settings, connector):
    def german(raw):
        raw["teams"] = {"service_url": connector.url}

    return make_settings(config=german)


async def test_help_on_slack_is_in_german(bot, slack, slack_sender):
    await slack_sender.command("/touchpoint", "help", user_id="U0EMPL001")

    [posted] = await slack.wait_for_response(1)
    assert posted.body["text"] == "Touchpoint: Wie kann die IT helfen?"
    text = posted.body["blocks"][1]["text"]["text"]
    assert text.startswith("Ich helfe Ihnen, der IT zu sagen, wie gut sie arbeitet")
    assert "• `/complain was schiefgelaufen ist`: Der IT ein Problem" in text
    assert "• `/complain status [NUMMER]`: Ihre Beschwerden ansehen" in text
    assert "`/touchpoint help`: Diese Liste meiner Möglichkeiten anzeigen." in text
    assert "Show this list" not in text


async def test_an_unknown_word_is_named_back_escaped_in_german(bot, slack, slack_sender):
    text, body = await unknown_word_answer(slack, slack_sender)

    assert "Entschuldigung, `&lt;!channel&gt;&amp;more` kenne ich nicht." in text
    assert "<!channel>" not in str(body)


async def test_help_on_teams_is_in_german(bot, connector):
    seed_erin(connector)

    status, _ = await post(bot.url, message(connector, "help"))

    assert status == 201
    [sent] = await connector.wait_for("send")
    header, text, footer = card_of(sent)["body"]
    assert header["text"] == "Touchpoint: Wie kann die IT helfen?"
    assert f"{TEAMS.code('help')}: Diese Liste meiner Möglichkeiten anzeigen." in text["text"]
    assert "Erwähnen Sie mich in einem Kanal oder Gruppenchat zuerst" in text["text"]
    assert footer["text"] == "Ihre Rückmeldung geht an das IT-Team, das Sie betreut."
    assert sent.body["summary"] == "Touchpoint: Wie kann die IT helfen?"


async def test_an_unknown_word_on_teams_is_named_back_escaped_in_german(bot, connector):
    seed_erin(connector)

    await post(bot.url, message(connector, "*bold* <at>x</at>"))

    [sent] = await connector.wait_for("send")
    text = card_of(sent)["body"][1]["text"]
    assert text.startswith("Entschuldigung, ")
    assert "kenne ich nicht. Das kann ich für Sie tun:" in text
    assert "*bold*" not in text
