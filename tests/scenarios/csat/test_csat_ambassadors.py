"""A low CSAT score reaches the requester's department's ambassador along with triage, end to
end: over Slack, the DM with what triage sees (ticket, score, requester), brought up to date
when the comment follows, escaped; and a Teams requester's score and comment reaching a Slack
ambassador."""

from __future__ import annotations

import pytest

from bot.flows.csat import ids
from tests.outbox_kit import outbox_rows
from tests.scenarios.csat import ambassador_kit
from tests.scenarios.csat.ambassador_kit import AMBER, amber_on_staff, low_score_told
from tests.scenarios.csat.test_csat import ERIN, dm, survey
from tests.scenarios.csat.test_csat_teams import activity, ann_installed, post


@pytest.fixture
def settings(make_settings, connector, csat_config):
    return make_settings(config=ambassador_kit.configure(connector, csat_config))


async def test_the_ambassador_is_told_of_a_low_score_with_triage(bot, slack, slack_sender,
                                                                 kit):
    notice, text = await low_score_told(slack, slack_sender, kit)

    assert "Low CSAT score from Finance: 1/5" in text
    assert f"<@{ERIN}> gave ticket *INC-1001* (VPN &lt;drops&gt;) a score of *1/5*." in text
    assert "*Service*: VPN" in text and "*Comment*: none yet" in text
    assert notice["text"] == "Low CSAT score 1/5 from Finance"
    assert not [b for b in notice["blocks"] if b["type"] == "actions"]

    [invitation] = await kit.invitations()
    thanks = survey(slack)
    [actions] = [b for b in thanks["blocks"] if b["type"] == "actions"]
    await slack_sender.click(ids.ACTION_COMMENT, actions["elements"][0]["value"],
                             user_id=ERIN, channel_id=dm(slack), message_ts=thanks["ts"])
    await slack.wait_for("views.open")
    await slack_sender.submit(ids.FORM_COMMENT, {ids.FIELD_COMMENT: "<!channel> slow & *rude*"},
                              user_id=ERIN, private_metadata=str(invitation.id))
    updates = await slack.wait_for("chat.update", 4)  # the thank-you twice, the alert
    assert dm(slack, AMBER) in {call.args["channel"] for call in updates}

    [notice] = slack.messages_in(dm(slack, AMBER))
    text = kit.text_of(notice["blocks"])
    assert "*Comment*: _&lt;!channel&gt; slow &amp; *rude*_" in text
    assert "<!channel>" not in str(notice)
    [row] = await outbox_rows(bot.services, "ambassador:")
    assert row.key.endswith(":low_score:" + str(row.person_id))


async def test_a_teams_requesters_low_score_reaches_a_slack_ambassador(bot, connector, slack,
                                                                       kit):
    await amber_on_staff(kit)
    await ann_installed(bot, connector)
    await kit.resolve(await kit.ticket(requester_email="ann@example.com"))
    [invitation] = await kit.invitations()
    survey_id = connector.activities_in(connector.calls_of("send")[0].conversation_id)[-1]["id"]

    assert await post(bot, activity(connector, replyToId=survey_id, value={
        "action_id": ids.ACTION_SCORE, "value": f"{invitation.id}:2",
        ids.FIELD_COMMENT: "Took <three> days & *more*"})) == 201
    await kit.alert_stored()
    await slack.wait_for("chat.postMessage", 2)  # the alert's Slack side, and Amber's DM

    [notice] = slack.messages_in(dm(slack, AMBER))
    text = kit.text_of(notice["blocks"])
    assert "Low CSAT score from Finance: 2/5" in text
    assert "Ann Teams gave ticket *INC-1001*" in text
    assert "*Comment*: _Took &lt;three&gt; days &amp; *more*_" in text
