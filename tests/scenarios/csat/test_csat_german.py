"""The CSAT survey in German: with app.yaml's `organisation.locale: de`, the survey DM, the
thanks after a score and the low-score alert are in German on Slack and on Teams, and a typed
comment inside a translated sentence is still escaped. German by two rules: what is posted in a
channel is in the organisation's language (``organisation.locale: de``), and what is said to a
person in the language their platform gives (their Slack and Teams clients are ``de-DE``,
`tests.german`). A person Touchpoint has not heard from yet has no platform language known, so
theirs is the organisation's too (the survey DM goes to a requester who has not written to
Touchpoint)."""

from __future__ import annotations

import pytest

from bot.flows.csat import ids
from tests import german
from tests.scenarios.csat.test_csat import ERIN, click_score, dm, survey
from tests.scenarios.csat.test_csat_teams import (
    TRIAGE,
    actions,
    ann_installed,
    card,
    score_on_card,
    texts,
)

people_locale = german.people_locale


@pytest.fixture
def settings(make_settings, connector, csat_config):
    def german(raw):
        raw.update(csat=csat_config, teams={"service_url": connector.url},
                   outbox={"poll_seconds": 0.05})
        raw["organisation"]["locale"] = "de"

    return make_settings(config=german)


async def test_the_survey_on_slack_is_in_german_invite_answer_and_thanks(bot, slack,
                                                                         slack_sender, kit):
    await kit.resolve(await kit.ticket(title="Drucker <klemmt> & piept"))

    invite = survey(slack)
    assert invite["text"] == "Wie zufrieden waren Sie mit Ticket INC-1001?"
    text = kit.text_of(invite["blocks"])
    assert "Ticket INC-1001: Drucker <klemmt> & piept" in text  # header is plain text
    assert "Ihr Ticket *INC-1001* wurde gelöst. *Wie zufrieden waren Sie?*" in text
    assert "Wählen Sie eine Bewertung von 1 (schlecht) bis 5 (ausgezeichnet)." in text
    [buttons] = [b["elements"] for b in invite["blocks"] if b["type"] == "actions"]
    assert [b["text"]["text"] for b in buttons] == [
        "1 · Schlecht", "2", "3", "4", "5 · Ausgezeichnet"]

    assert (await click_score(slack, slack_sender, 2)).status == 200

    await slack.wait_for("chat.update")
    thanks = kit.text_of(survey(slack)["blocks"])
    assert "Danke! Sie haben dieses Ticket mit *2/5* bewertet." in thanks
    assert "Kommentar hinzufügen" in thanks
    [invitation] = await kit.invitations()
    await kit.alert_stored()

    await slack_sender.submit(ids.FORM_COMMENT, {ids.FIELD_COMMENT: "<!channel> langsam & *grob*"},
                              user_id=ERIN, private_metadata=str(invitation.id))

    await slack.wait_for("chat.update", 3)  # the thanks, the comment, the alert
    shown = kit.text_of(survey(slack)["blocks"])
    assert "Ihr Kommentar: _&lt;!channel&gt; langsam &amp; *grob*_" in shown
    assert "<!channel>" not in str(slack.messages_in(dm(slack)))
    [alert] = slack.messages_in("C0TRIAGE1")
    assert alert["text"] == "Niedrige CSAT-Bewertung 2/5 zu Ticket INC-1001"
    alert_text = kit.text_of(alert["blocks"])
    assert "*Bewertung*: 2/5" in alert_text
    assert "Noch meldet sich niemand." in alert_text
    assert "&lt;!channel&gt; langsam &amp; *grob*" in alert_text


async def test_the_survey_on_teams_is_in_german_invite_answer_and_thanks(bot, connector, kit):
    await ann_installed(bot, connector)

    await kit.resolve(await kit.ticket(requester_email="ann@example.com"))

    [sent] = connector.calls_of("send")
    invite = card(sent)
    assert "Ihr Ticket **INC-1001** wurde gelöst. **Wie zufrieden waren Sie?**" in texts(invite)
    assert "über den Bewertungen einen Kommentar hinzufügen" in texts(invite)
    assert sent.body["summary"] == "Wie zufrieden waren Sie mit Ticket INC-1001?"

    await score_on_card(bot, connector, kit, 2, "Drei *Tage* [hier](http://x)")

    [update] = await connector.wait_for("update")
    thanks = card(update)
    assert "Danke! Sie haben dieses Ticket mit **2/5** bewertet." in texts(thanks)
    assert r"Ihr Kommentar: _Drei \*Tage\* \[hier\](http://x)_" in texts(thanks)
    assert [a["title"] for a in actions(thanks)] == ["Kommentar senden"]
    _survey, alert = await connector.wait_for("send", 2)
    assert alert.conversation_id == TRIAGE
    assert "Niedrige CSAT-Bewertung: 2/5 zu Ticket INC-1001" in texts(card(alert))
    assert [a["title"] for a in actions(card(alert))] == [
        "Kontakt aufnehmen", "Als Beschwerde erfassen"]
