"""``home`` and ``board`` typed to Touchpoint in Teams: the same summary as Slack's App Home
as a card, and a private sign-in link, through the Bot Connector emulator."""

from __future__ import annotations

import json

import pytest

from tests.scenarios.board.board_kit import BOARD_ENV
from tests.scenarios.test_help_teams import card_of, message, post, seed_erin


@pytest.fixture
def settings(make_settings, connector):
    return make_settings(config=lambda raw: raw.update(teams={"service_url": connector.url}),
                         env=BOARD_ENV)


async def test_home_answers_with_the_summary_card(bot, connector):
    seed_erin(connector)
    status, _ = await post(bot.url, message(connector, "home"))
    assert status == 201
    [sent] = await connector.wait_for("send")
    card = json.dumps(card_of(sent))
    assert "Your Touchpoint" in card and "You have no open complaints." in card
    assert "Open the performance board" in card


async def test_board_answers_with_a_personal_sign_in_link(bot, connector):
    seed_erin(connector)
    await post(bot.url, message(connector, "board"))
    [sent] = await connector.wait_for("send")
    assert "/board/signin?token=" in json.dumps(card_of(sent))
