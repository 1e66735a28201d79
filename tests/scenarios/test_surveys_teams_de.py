"""A satisfaction survey on Teams in German: Ann's Teams client is ``de-DE`` (`tests.german`)
while the organisation's language stays English. The survey card, the form card (its labels,
app.yaml's questions in their German words, the scale's ends) and the card updated after a
partial and a full answer are German, read back from what the Bot Connector emulator
recorded; a typed answer is kept as typed."""

from __future__ import annotations

import pytest

from tests import german
from tests.scenarios import pulse_kit
from tests.scenarios.test_help_teams import TENANT, card_of, message, post
from tests.scenarios.test_pulses_teams import ANN, ANN_CHAT, buttons_of
from tests.scenarios.test_surveys import responses
from tests.scenarios.test_surveys_teams import ann_answers, inputs_of
from tests.waiting import eventually

bot_options, clock = pulse_kit.bot_options, pulse_kit.clock
people_locale = german.people_locale

QUESTIONS = [
    {"text": {"en": "How satisfied are you with the service desk?",
              "de": "Wie zufrieden sind Sie mit dem Service Desk?"},
     "aspect": "service desk"},
    {"text": {"en": "How satisfied are you with how incidents are handled?",
              "de": "Wie zufrieden sind Sie mit der Behandlung von Störungen?"},
     "aspect": "incident response"},
    {"text": {"en": "What should we do better?", "de": "Was sollen wir besser machen?"},
     "aspect": "communication", "kind": "text"},
]


@pytest.fixture
def settings(make_settings, connector):
    return make_settings(config=lambda raw: raw.update(
        teams={"service_url": connector.url}, outbox={"poll_seconds": 0.05},
        pulses={"campaigns": {"satisfaction": {"recurrence": {"month": "1"},
                                               "questions": QUESTIONS}}}))


async def test_a_survey_on_teams_reads_in_german_from_card_to_answers(bot, connector,
                                                                     slack_sender):
    connector.add_member(ANN_CHAT, id=ANN["id"], name=ANN["name"],
                         aad_object_id=ANN["aadObjectId"], email="ann@example.com",
                         tenant_id=TENANT)
    await post(bot.url, message(connector, "pulses", conversation=ANN_CHAT, sender=ANN))
    await connector.wait_for("send")
    connector.clear()

    await slack_sender.command("/touchpoint", "pulse create sat-de 7 now survey=satisfaction",
                               user_id="U0LEAD001")
    [sent] = await connector.wait_for("send")
    card = card_of(sent)
    assert "Wie zufrieden sind Sie mit der IT? 3 kurze Fragen" in str(card)
    assert "short questions" not in str(card)
    [stored] = [a for a in connector.activities_in(ANN_CHAT)
                if "kurze Fragen" in str(a.get("attachments"))]

    connector.clear()
    await post(bot.url, message(connector, None, conversation=ANN_CHAT, sender=ANN,
                                value=buttons_of(card)["pulse.survey"], id="1700000000801",
                                replyToId=stored["id"]))
    [form] = await connector.wait_for("send")
    shown = str(card_of(form))
    assert "Wie zufrieden sind Sie mit dem Service Desk?" in shown
    assert "Wie zufrieden sind Sie mit der Behandlung von Störungen?" in shown
    assert "Was sollen wir besser machen?" in shown
    assert "How satisfied" not in shown
    inputs = inputs_of(card_of(form))
    assert [c["title"] for c in inputs["q0"]["choices"]][0::4] == [
        "Sehr unzufrieden", "Sehr zufrieden"]
    data = card_of(form)["actions"][0]["data"]

    _, updated = await ann_answers(bot, connector, {**data, "q0": "4", "q1": "", "q2": ""},
                                   "1700000000802")
    assert "Sie haben 1 von 3 Fragen beantwortet" in str(card_of(updated))

    _, updated = await ann_answers(bot, connector, {**data, "q0": "4", "q1": "2",
                                                    "q2": "Schneller *antworten*"},
                                   "1700000000803")
    assert "Ihre Antworten sind gespeichert." in str(card_of(updated))
    [(kept, answers)] = await eventually(lambda: responses(bot))
    assert kept.finished and kept.locale == "de"
    assert answers[2].text == "Schneller *antworten*"
