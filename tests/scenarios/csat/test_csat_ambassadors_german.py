"""A low CSAT score told to the department's ambassador in German (app.yaml
``organisation.locale: de``), over Slack: the DM as the Slack emulator recorded it, with the
ticket's typed title still escaped. German by the organisation's language
(``organisation.locale: de``): Amber has never written to Touchpoint, so no platform language
of hers is known."""

from __future__ import annotations

import pytest

from tests.scenarios.csat.test_csat import ERIN, click_score, dm

AMBER = "U0AMBER01"


@pytest.fixture
def settings(make_settings, connector, csat_config):
    def configure(raw):
        raw.update(csat=csat_config, teams={"service_url": connector.url},
                   outbox={"poll_seconds": 0.05},
                   ambassadors={"segment": "department",
                                "by_value": {"Finance": {"slack_users": [AMBER]}}})
        raw["organisation"]["locale"] = "de"
    return make_settings(config=configure)


async def test_the_ambassador_is_told_of_a_low_score_in_german(bot, slack, slack_sender, kit):
    await kit.person(slack_user_id=AMBER, email="amber@example.com", display_name="Amber",
                     role="it_staff")
    await kit.resolve(await kit.ticket(title="VPN <drops>", service="VPN"))
    await click_score(slack, slack_sender, 1)
    await kit.alert_stored()
    await slack.wait_for("chat.postMessage", 3)

    [notice] = slack.messages_in(dm(slack, AMBER))
    text = kit.text_of(notice["blocks"])
    assert "Niedrige CSAT-Bewertung aus Finance: 1/5" in text
    assert f"<@{ERIN}> hat Ticket *INC-1001* (VPN &lt;drops&gt;) mit *1/5* bewertet." in text
    assert "*Service*: VPN" in text and "*Kommentar*: noch keiner" in text
    assert "Sie werden als IT-Botschafter/in von Finance informiert." in text
    assert notice["text"] == "Niedrige CSAT-Bewertung 1/5 aus Finance"
