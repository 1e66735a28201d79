"""An NPS pulse in German: the lead's answer, the invite, the answer shown in place, the reason
given and the reminder are in German on Slack and on Teams, and typed text inside a translated
sentence is still escaped. German by the platform's language: the people's Slack and Teams
clients are ``de-DE`` (`tests.german`) while the organisation's language stays English, so the
invite edited in place after a press must stay in the reader's language too."""

from __future__ import annotations

import pytest

from tests import german
from tests.scenarios import pulse_kit, test_pulses
from tests.scenarios.pulse_kit import (
    FINANCE,
    LONDON,
    SEAL_KEY,
    answers,
    at,
    dm,
    latest_in,
    move_to,
    pulse_dms,
    text_of,
    with_teams,
)
from tests.scenarios.test_help_teams import TENANT, card_of, message, post
from tests.scenarios.test_pulses import press, start_pulse
from tests.scenarios.test_pulses_teams import ANN, ANN_CHAT, buttons_of
from tests.waiting import eventually

bot_options, clock = pulse_kit.bot_options, pulse_kit.clock
slack, pulse_bot, sender = test_pulses.slack, test_pulses.pulse_bot, test_pulses.sender
people_locale = german.people_locale


@pytest.fixture
def settings(make_settings, connector):
    return make_settings(config=with_teams(connector), env=SEAL_KEY)


async def test_a_pulse_on_slack_in_german_invite_answer_reason_and_reminder(
        pulse_bot, sender, slack, clock):
    started = await start_pulse(sender, slack, "q4 7")
    assert started.startswith("Die Puls-Umfrage `q4` geht an alle (vertraulich), jeweils um "
                              "10:00 Uhr Ortszeit; sie endet ")

    await move_to(pulse_bot.services, clock, at(1, 10))
    await eventually(lambda: len(pulse_dms(slack)) == len(LONDON))
    invite = latest_in(slack, "U0EMPL001")
    assert invite["text"] == "Wie wahrscheinlich ist es, dass Sie die IT weiterempfehlen?"
    text = text_of(invite)
    assert "Eine kurze Frage von Example Corp IT" in text
    assert "*0* bedeutet überhaupt nicht wahrscheinlich, *10* äußerst wahrscheinlich." in text
    assert "Vertraulich: Nur die Administratoren von Touchpoint" in text
    assert "Möchten Sie diese nicht erhalten? `/touchpoint pulses off`" in text

    await press(sender, slack, "U0EMPL001", 6)
    await eventually(lambda: "Sie haben uns *6* gegeben." in text_of(
        slack.message(dm("U0EMPL001"), invite["ts"])))
    shown = slack.message(dm("U0EMPL001"), invite["ts"])
    assert "Was ist der Hauptgrund für Ihre Bewertung? Tippen Sie auf *Begründung angeben*" in (
        text_of(shown))
    await press(sender, slack, "U0EMPL001", "pulse.why")
    [opened] = await slack.wait_for("views.open")
    view = opened.args["view"]
    assert view["title"]["text"] == "Warum diese Bewertung?"
    await sender.submit("pulse.comment", {"comment": "Schnell <!channel> & *gut*"},
                        user_id="U0EMPL001", private_metadata=view["private_metadata"])
    await eventually(lambda: "Ihre Begründung: _Schnell &lt;!channel&gt; &amp; *gut*_" in (
        text_of(slack.message(dm("U0EMPL001"), invite["ts"]))))
    assert "<!channel>" not in str(slack.messages_in(dm("U0EMPL001")))

    slack.clear()
    await move_to(pulse_bot.services, clock, at(4, 10))  # day 3, 10:00 London

    await eventually(lambda: any("Eine Erinnerung von Example Corp IT" in text_of(args)
                                 for channel, args in pulse_dms(slack)
                                 if channel == FINANCE[0]))
    reminder = text_of(latest_in(slack, FINANCE[0]))
    assert "Sie können uns noch antworten: Wie wahrscheinlich ist es" in reminder
    assert all(channel != "U0EMPL001" for channel, _ in pulse_dms(slack))  # she answered


async def test_a_pulse_on_teams_in_german_invite_reminder_answer_and_reason(
        pulse_bot, connector, slack_sender, clock):
    connector.add_member(ANN_CHAT, id=ANN["id"], name=ANN["name"],
                         aad_object_id=ANN["aadObjectId"], email="ann@example.com",
                         tenant_id=TENANT)
    await post(pulse_bot.url, message(connector, "pulses", conversation=ANN_CHAT, sender=ANN))
    [hello] = await connector.wait_for("send")
    assert "Sie erhalten derzeit Puls-Umfragen" in str(card_of(hello))
    connector.clear()

    await slack_sender.command("/touchpoint", "pulse create teams-q4 7 now",
                               user_id="U0LEAD001")
    [sent] = await connector.wait_for("send")
    invite = str(card_of(sent))
    assert "Eine kurze Frage von Example Corp IT" in invite
    assert "**0** bedeutet überhaupt nicht wahrscheinlich" in invite
    assert "Möchten Sie diese nicht erhalten?" in invite
    assert sent.body["summary"] == "Wie wahrscheinlich ist es, dass Sie die IT weiterempfehlen?"
    connector.clear()

    await move_to(pulse_bot.services, clock, at(4, 10))  # day 3, 10:00 London
    [reminded] = await connector.wait_for("send")
    card = card_of(reminded)
    assert "Eine Erinnerung von Example Corp IT" in str(card)
    [stored] = [a for a in connector.activities_in(ANN_CHAT)
                if "Eine Erinnerung" in str(a.get("attachments"))]

    await post(pulse_bot.url, message(
        connector, None, conversation=ANN_CHAT, sender=ANN,
        value=buttons_of(card)["pulse.score.7"], replyToId=stored["id"]))

    [kept] = await eventually(lambda: answers(pulse_bot.services))
    assert kept.score == 7
    [updated] = await connector.wait_for("update")
    shown = str(card_of(updated))
    assert "Sie haben uns **7** gegeben." in shown
    assert "Begründung angeben" in shown

    # Why? The form card is German; the reason typed comes back escaped for the card.
    connector.clear()
    await post(pulse_bot.url, message(
        connector, None, conversation=ANN_CHAT, sender=ANN, id="1700000000401",
        value=buttons_of(card_of(updated))["pulse.why"], replyToId=stored["id"]))
    [form] = await connector.wait_for("send")
    asked = card_of(form)
    assert "Was ist der Hauptgrund für Ihre Bewertung?" in str(asked)
    connector.clear()
    await post(pulse_bot.url, message(
        connector, None, conversation=ANN_CHAT, sender=ANN, id="1700000000402",
        value={**asked["actions"][0]["data"], "comment": "Schnell *gut* [hier](http://x)"}))
    [again] = await connector.wait_for("update")
    texts = "\n".join(block.get("text", "") for block in card_of(again)["body"])
    assert r"Ihre Begründung: _Schnell \*gut\* \[hier\](http://x)_" in texts
