"""An NPS pulse whose question and why-question app.yaml gives per language
(``pulses.campaigns.<name>.question`` / ``.why_question``: ``{en: ..., de: ...}``): on Slack
and on Teams, a German-speaking person reads the German words in the invite, its notification,
the reminder, the answer shown in place and the why form, and an English-speaking one the
English words; nobody is asked the shipped question. The campaign opens as its app.yaml
recurrence opens it (the job the scheduler runs)."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.flows.pulses.campaigns import recurring_jobs
from bot.services import Services
from tests.scenarios import pulse_kit, test_pulses
from tests.scenarios.pulse_kit import (
    FINANCE,
    LONDON,
    SEAL_KEY,
    at,
    dm,
    latest_in,
    move_to,
    pulse_dms,
    text_of,
    with_teams,
)
from tests.scenarios.test_help_teams import TENANT, card_of, message, post
from tests.scenarios.test_pulses import press
from tests.scenarios.test_pulses_teams import ANN, ANN_CHAT, buttons_of
from tests.waiting import eventually

bot_options, clock = pulse_kit.bot_options, pulse_kit.clock
pulse_bot, sender = test_pulses.pulse_bot, test_pulses.sender

QUESTION = {"en": "How likely are you to recommend our service desk to a colleague?",
            "de": "Wie wahrscheinlich empfehlen Sie unseren Service Desk weiter?"}
WHY = {"en": "What made the difference for you?",
       "de": "Was hat für Sie den Ausschlag gegeben?"}
DIETER, DORA = FINANCE[:2]
"""Their Slack is in German."""
slack = pulse_kit.seeded_slack(german=(DIETER, DORA))
BEN = {"id": "29:1ben-teams-id", "name": "Ben Baker",
       "aadObjectId": "7a1b2c3d-0000-4000-8000-00000000b002"}
BEN_CHAT = "a:1ben-personal-chat"


@pytest.fixture
def settings(make_settings, connector):
    return make_settings(config=with_teams(connector, lambda raw: raw.update(pulses={
        "campaigns": {"nps": {"recurrence": {"month": "12", "day": "1", "hour": "8"},
                              "question": QUESTION, "why_question": WHY}}})), env=SEAL_KEY)


async def open_recurrence(services: Services, when: datetime) -> None:
    """Run the app.yaml campaign's job as the scheduler would at `when`."""
    [job] = [job for name, job, _ in recurring_jobs(services.settings.app)
             if name == "pulses.open.nps"]
    await job(services, when)


async def test_on_slack_each_reads_the_campaigns_words_in_their_language(
        pulse_bot, sender, slack, clock):
    await open_recurrence(pulse_bot.services, clock())
    await move_to(pulse_bot.services, clock, at(1, 10))
    await eventually(lambda: len(pulse_dms(slack)) == len(LONDON))

    german, english = latest_in(slack, DIETER), latest_in(slack, "U0EMPL001")
    assert german["text"] == QUESTION["de"]
    assert (f"{QUESTION['de']} *0* bedeutet überhaupt nicht wahrscheinlich, *10* äußerst "
            "wahrscheinlich.") in text_of(german)
    assert english["text"] == QUESTION["en"]
    assert (f"{QUESTION['en']} *0* is not at all likely, *10* is extremely likely."
            in text_of(english))
    assert not any("recommend IT" in text_of(args) or "die IT weiterempfehlen" in text_of(args)
                   for _, args in pulse_dms(slack))

    await press(sender, slack, DIETER, 8)
    await eventually(lambda: f"{WHY['de']} Tippen Sie auf *Begründung angeben*" in text_of(
        slack.message(dm(DIETER), german["ts"])))
    await press(sender, slack, DIETER, "pulse.why")
    [opened] = await slack.wait_for("views.open")
    assert [b["label"]["text"] for b in opened.args["view"]["blocks"]
            if b["type"] == "input"] == [WHY["de"]]

    slack.clear()
    await press(sender, slack, "U0EMPL001", 9)
    await eventually(lambda: f"{WHY['en']} Tap *Tell us why*" in text_of(
        slack.message(dm("U0EMPL001"), english["ts"])))
    await press(sender, slack, "U0EMPL001", "pulse.why")
    [opened] = await slack.wait_for("views.open")
    assert [b["label"]["text"] for b in opened.args["view"]["blocks"]
            if b["type"] == "input"] == [WHY["en"]]

    slack.clear()
    await move_to(pulse_bot.services, clock, at(4, 10))  # day 3, 10:00 London: reminders
    await eventually(lambda: {channel for channel, _ in pulse_dms(slack)} >= {DORA, FINANCE[2]})
    assert (f"Sie können uns noch antworten: {QUESTION['de']}"
            in text_of(latest_in(slack, DORA)))
    assert latest_in(slack, DORA)["text"] == QUESTION["de"]
    assert "A reminder" in text_of(latest_in(slack, FINANCE[2]))
    assert QUESTION["en"] in text_of(latest_in(slack, FINANCE[2]))


async def test_on_teams_each_reads_the_campaigns_words_in_their_language(
        pulse_bot, connector, clock):
    chats = {ANN_CHAT: (ANN, "de-DE", "ann@example.com"),
             BEN_CHAT: (BEN, "en-US", "ben@example.com")}
    for chat, (member, locale, email) in chats.items():
        connector.add_member(chat, id=member["id"], name=member["name"],
                             aad_object_id=member["aadObjectId"], email=email,
                             tenant_id=TENANT)
        # Each has written to Touchpoint from a Teams client in their language.
        await post(pulse_bot.url, message(connector, "pulses", conversation=chat,
                                          sender=member, locale=locale))
    await connector.wait_for("send", 2)
    connector.clear()

    await open_recurrence(pulse_bot.services, clock())
    await move_to(pulse_bot.services, clock, at(1, 10))
    sent = {call.conversation_id: call for call in await connector.wait_for("send", 2)}
    assert sent[ANN_CHAT].body["summary"] == QUESTION["de"]
    assert (f"{QUESTION['de']} **0** bedeutet überhaupt nicht wahrscheinlich"
            in str(card_of(sent[ANN_CHAT])))
    assert sent[BEN_CHAT].body["summary"] == QUESTION["en"]
    assert f"{QUESTION['en']} **0** is not at all likely" in str(card_of(sent[BEN_CHAT]))

    for chat, score, why, tap, asked in (
            (ANN_CHAT, 7, WHY["de"], "Tippen Sie auf **Begründung", QUESTION["de"]),
            (BEN_CHAT, 9, WHY["en"], "Tap **Tell us why**", QUESTION["en"])):
        member = chats[chat][0]
        [stored] = [a for a in connector.activities_in(chat)
                    if asked in str(a.get("attachments"))]
        connector.clear()
        await post(pulse_bot.url, message(
            connector, None, conversation=chat, sender=member, locale=chats[chat][1],
            value=buttons_of(card_of(sent[chat]))[f"pulse.score.{score}"],
            replyToId=stored["id"]))
        [updated] = await connector.wait_for("update")
        assert f"{why} {tap}" in str(card_of(updated))

        connector.clear()
        await post(pulse_bot.url, message(
            connector, None, conversation=chat, sender=member, locale=chats[chat][1],
            id=f"17000000005{score:02d}",
            value=buttons_of(card_of(updated))["pulse.why"], replyToId=stored["id"]))
        [form] = await connector.wait_for("send")
        assert why in str(card_of(form))
        assert "main reason" not in str(card_of(form))
        assert "Hauptgrund" not in str(card_of(form))
