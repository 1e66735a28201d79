"""A low CSAT score told to the department's ambassador in German (app.yaml
``organisation.locale: de``), over Slack: the DM as the Slack emulator recorded it, with the
ticket's typed title still escaped. German by the organisation's language
(``organisation.locale: de``): Amber has never written to Touchpoint, so no platform language
of hers is known."""

from __future__ import annotations

import pytest

from tests.scenarios.csat import ambassador_kit
from tests.scenarios.csat.ambassador_kit import low_score_told
from tests.scenarios.csat.test_csat import ERIN


@pytest.fixture
def settings(make_settings, connector, csat_config):
    return make_settings(config=ambassador_kit.configure(connector, csat_config, locale="de"))


async def test_the_ambassador_is_told_of_a_low_score_in_german(bot, slack, slack_sender, kit):
    notice, text = await low_score_told(slack, slack_sender, kit)

    assert "Niedrige CSAT-Bewertung aus Finance: 1/5" in text
    assert f"<@{ERIN}> hat Ticket *INC-1001* (VPN &lt;drops&gt;) mit *1/5* bewertet." in text
    assert "*Service*: VPN" in text and "*Kommentar*: noch keiner" in text
    assert "Sie werden als IT-Botschafter/in von Finance informiert." in text
    assert notice["text"] == "Niedrige CSAT-Bewertung 1/5 aus Finance"
