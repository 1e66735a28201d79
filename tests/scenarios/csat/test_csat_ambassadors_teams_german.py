"""A low CSAT score told to the department's ambassador in German over Teams: Ann, Finance's
ambassador by her email, reads the card the Bot Connector emulator recorded when Erin scores
a ticket 1 on Slack, with the ticket's typed title escaped for Teams. German because Ann's
Teams client is in German (the people here speak German, `tests.german`)."""

from __future__ import annotations

import pytest

from tests import german
from tests.scenarios.csat import ambassador_kit
from tests.scenarios.csat.test_csat import click_score
from tests.scenarios.csat.test_csat_teams import PERSONAL, ann_installed, card, texts

people_locale = german.people_locale


@pytest.fixture
def settings(make_settings, connector, csat_config):
    german = ambassador_kit.configure(connector, csat_config)

    def change(raw):
        german(raw)
        raw["ambassadors"]["by_value"]["Finance"] = {"emails": ["ann@example.com"]}
    return make_settings(config=change)


async def test_a_teams_ambassador_is_told_of_a_low_score_in_german(bot, connector, slack,
                                                                    slack_sender, kit):
    await ann_installed(bot, connector)
    await kit.resolve(await kit.ticket(title="VPN <drops>", service="VPN"))
    await click_score(slack, slack_sender, 1)
    await kit.alert_stored()
    await connector.wait_for("send", 2)  # the alert's Teams side, and Ann's card
    [sent] = [call for call in connector.calls_of("send") if call.conversation_id == PERSONAL]

    text = texts(card(sent))
    assert "Niedrige CSAT-Bewertung aus Finance: 1/5" in text
    assert "(VPN \\<drops\\>)" in text  # the typed title, escaped for Teams' Markdown
    assert "Sie werden als IT-Botschafter/in von Finance informiert." in text
    assert sent.body["summary"] == "Niedrige CSAT-Bewertung 1/5 aus Finance"
