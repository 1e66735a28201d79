"""The App Home in German: Erin's and Tom's Slack (users.info ``locale``) and Erin's Teams
client are ``de-DE`` (`tests.german`), the organisation's language stays English. Opening the
Home tab publishes Erin's summary in German (her complaint's status too: it was shown in
English) and Tom's with the IT
staff's part in German; ``home`` typed in Teams answers with the German card."""

from __future__ import annotations

import json

import pytest

from tests import german
from tests.scenarios.board import board_kit as kit
from tests.scenarios.board.board_kit import BOARD_ENV
from tests.scenarios.board.conftest import fresh_figures
from tests.scenarios.test_help_teams import card_of, message, post, seed_erin
from tests.waiting import eventually

ERIN, TOM = "U0EMPL001", "U0TECH001"
people_locale = german.people_locale


@pytest.fixture
def settings(make_settings, connector):
    def config(raw: dict) -> None:
        fresh_figures(raw)
        raw["teams"] = {"service_url": connector.url}
    return make_settings(config, env=BOARD_ENV)


async def test_the_home_tab_is_published_in_german(bot, slack, slack_sender):
    for user in (ERIN, TOM):
        # They have written to Touchpoint before: it knows their Slack is in German.
        await slack_sender.command("/touchpoint", "settings", user_id=user)
    await eventually(lambda: len(slack.responses) == 2)
    erin = await kit.person_of(bot, ERIN)
    await kit.add_complaint(bot, erin.id, "C-2026-0001", "slow laptop")

    await slack_sender.event(kit.home_opened(ERIN))
    view = await eventually(lambda: slack.homes.get(ERIN))
    text = json.dumps(view["blocks"], ensure_ascii=False)
    assert "Nichts wartet auf Ihre Antwort." in text
    assert "`C-2026-0001` (Email): neu" in text
    assert "Für IT-Mitarbeitende" not in text
    assert "Nothing is waiting" not in text

    await slack_sender.event(kit.home_opened(TOM))
    view = await eventually(lambda: slack.homes.get(TOM))
    text = json.dumps(view["blocks"], ensure_ascii=False)
    assert "Für IT-Mitarbeitende" in text
    assert "Triage-Warteschlange: 1 offene Beschwerde nicht zugewiesen, 0 zugewiesen." in text


async def test_home_on_teams_answers_with_the_german_card(bot, connector):
    seed_erin(connector)
    await post(bot.url, message(connector, "home"))
    [sent] = await connector.wait_for("send")
    card = json.dumps(card_of(sent), ensure_ascii=False)
    assert "Ihr Touchpoint" in card and "Sie haben keine offenen Beschwerden." in card
    assert "Leistungsboard öffnen" in card
    assert "Your Touchpoint" not in card
