"""The reader's language, end to end: a German Slack user and an English Teams user in one app
each read Touchpoint in their own language, whatever the organisation's; a choice in
``settings`` beats what the platform says; a DM waiting in the outbox keeps its language
across a restart. Signed Slack requests and Teams activities into the running bot, what the
Slack and Bot Connector emulators recorded checked."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from bot.chat.message import Message
from bot.emulators.slack import SlackEmulator
from bot.flows.settings.ids import LANGUAGE_ACTION
from bot.server import SERVICES, create_app
from storage.models import Person
from tests.conftest import start_bot
from tests.outbox_kit import outbox_all_sent, outbox_rows
from tests.scenarios.pulse_kit import sync
from tests.scenarios.test_help_teams import PERSONAL, card_of, message, post, seed_erin
from tests.waiting import eventually

DIETER = "U0DIET001"
SORRY_DE = "Entschuldigung, ich komme gerade nicht"
SORRY_EN = "Sorry, I cannot reach my records"


@pytest.fixture(params=["en", "de"])
def organisation_locale(request) -> str:
    return request.param


@pytest.fixture
def settings(make_settings, connector, slack, organisation_locale):
    slack.add_user(id=DIETER, name="dieter", email="dieter@example.com", tz="Europe/Berlin",
                   locale="de-DE")

    def configure(raw: dict) -> None:
        raw["teams"] = {"service_url": connector.url}
        raw["organisation"]["locale"] = organisation_locale
    return make_settings(config=configure)


def shown(body: dict) -> str:
    return json.dumps(body, ensure_ascii=False)


async def person(bot, **where) -> Person | None:
    async with bot.services.sessions() as session:
        column, value = next(iter(where.items()))
        found = (await session.exec(select(Person).where(getattr(Person, column) == value))
                 ).one_or_none()
        await session.commit()
    return found


async def dm(bot, who: Person, key: str) -> None:
    """A direct message through the outbox, tied to nothing the person did."""
    async with bot.services.sessions() as session:
        await bot.services.outbox.send_dm(session, who, Message("errors/try_again"), key=key)
        await session.commit()


def slack_dms(slack, user_id: str) -> list[str]:
    return [call.args.get("text") or "" for call in slack.calls_to("chat.postMessage")
            if call.args.get("channel") in (user_id, SlackEmulator.dm_channel(user_id))]


async def test_a_german_slack_user_and_an_english_teams_user_each_read_their_own(
        bot, slack, connector, slack_sender):
    # Dieter's Slack is in German: he is answered in German, his typed text still escaped.
    await slack_sender.command("/touchpoint", "settings <!channel>", user_id=DIETER)
    [answer] = await eventually(lambda: slack.responses)
    text = shown(answer.body)
    assert "Ihre Touchpoint-Einstellungen" in text
    assert "Entschuldigung, `&lt;!channel&gt;` kenne ich hier nicht" in text
    assert "<!channel>" not in text
    assert "*Sprache meiner Nachrichten:* automatisch" in text and "(derzeit Deutsch)" in text

    # Erin's Teams client is in English.
    seed_erin(connector)
    await post(bot.url, message(connector, "settings"))
    [call] = await connector.wait_for("send", 1)
    card = shown(card_of(call))
    assert "Your Touchpoint settings" in card and "(now English)" in card
    assert "Einstellungen" not in card

    dieter = await person(bot, slack_user_id=DIETER)
    erin = await person(bot, last_platform="teams")
    assert dieter is not None and dieter.platform_locale == "de-DE"
    assert erin is not None and erin.platform_locale == "en-US"

    # What the outbox sends them unasked is in their language too.
    await dm(bot, dieter, "test:lang:dieter")
    await dm(bot, erin, "test:lang:erin")
    await outbox_all_sent(bot.services, "test:lang:", 2)
    assert [t[:len(SORRY_DE)] for t in slack_dms(slack, DIETER)] == [SORRY_DE]
    [teams_dm] = [c for c in connector.calls_of("send")
                  if c.conversation_id == PERSONAL and SORRY_EN in shown(c.body)]
    assert SORRY_DE not in shown(teams_dm.body)


async def test_a_language_chosen_in_settings_beats_the_platforms(bot, slack, slack_sender):
    await slack_sender.command("/touchpoint", "settings language en", user_id=DIETER)
    [chosen] = await eventually(lambda: slack.responses)
    assert "Done. *Language of my messages:* English." in shown(chosen.body)
    dieter = await eventually(lambda: _chose(bot, "en"))

    await dm(bot, dieter, "test:lang:chosen")
    await outbox_all_sent(bot.services, "test:lang:chosen", 1)
    assert slack_dms(slack, DIETER)[-1].startswith(SORRY_EN)

    # Back to automatic with the button: his Slack's German again, said in German.
    await slack_sender.click(f"{LANGUAGE_ACTION}automatic", "automatic", user_id=DIETER)
    await eventually(lambda: len(slack.responses) == 2)
    assert "Erledigt. *Sprache meiner Nachrichten:* automatisch" in shown(
        slack.responses[-1].body)
    assert await eventually(lambda: _chose(bot, None))

    # A language with no catalogue: said kindly, in his language, nothing changed.
    await slack_sender.command("/touchpoint", "settings language fr", user_id=DIETER)
    await eventually(lambda: len(slack.responses) == 3)
    refused = shown(slack.responses[-1].body)
    assert "Entschuldigung, in `fr` habe ich keine Nachrichten" in refused
    assert "en, de" in refused
    assert await _chose(bot, None)


async def _chose(bot, locale: str | None) -> Person | None:
    found = await person(bot, slack_user_id=DIETER)
    return found if found is not None and found.locale == locale else None


async def test_a_dm_waiting_in_the_outbox_keeps_its_language_across_a_restart(
        make_settings, slack, connector):
    """Recorded by one process that stops before sending it, sent by the next: in German, the
    reader's language when it was recorded, in an English organisation."""
    slack.add_user(id=DIETER, name="dieter", email="dieter@example.com", locale="de-DE")
    settings = make_settings(config=lambda raw: raw["organisation"].update(locale="en"))
    first = create_app(settings, scheduler=False)[SERVICES]
    # The directory sync reads each person's Slack language (users.list with include_locale).
    await sync(first)
    async with first.sessions() as session:
        dieter = (await session.exec(select(Person).where(Person.slack_user_id == DIETER))
                  ).one()
        assert dieter.platform_locale == "de-DE"
        await first.outbox.send_dm(session, dieter, Message("errors/try_again"),
                                   key="test:lang:restart")
        await session.commit()
    [row] = await outbox_rows(first, "test:lang:restart")
    assert row.status == "pending" and row.payload["locale"] == "de-DE"
    assert slack_dms(slack, DIETER) == []
    await first.engine.dispose()

    runner, restarted = await start_bot(create_app(settings))
    try:
        await outbox_all_sent(restarted.services, "test:lang:restart", 1)
    finally:
        await runner.cleanup()
    [sent] = slack_dms(slack, DIETER)
    assert sent.startswith(SORRY_DE)


async def test_a_teams_client_in_german_gets_german_with_typed_text_escaped(bot, connector):
    seed_erin(connector)
    await post(bot.url, message(connector, "settings **loud** [x](https://evil.example)",
                                locale="de-DE"))
    [call] = await connector.wait_for("send", 1)
    card = shown(card_of(call))

    assert "Ihre Touchpoint-Einstellungen" in card
    assert "kenne ich hier nicht" in card
    assert "**loud**" not in card and "[x](https://evil.example)" not in card
    assert "Your Touchpoint settings" not in card
    erin = await person(bot, last_platform="teams")
    assert erin is not None and erin.platform_locale == "de-DE"

    # Her client switched to English: the next answer follows it.
    connector.clear()
    await post(bot.url, message(connector, "settings", id="1700000000777", locale="en-GB"))
    [call] = await connector.wait_for("send", 1)
    assert "Your Touchpoint settings" in shown(card_of(call))


async def test_a_channel_posts_in_its_own_language_and_its_thread_too(make_settings, slack):
    """``locale`` on a channel target: its posts, and replies in their threads, are in that
    language, whatever the organisation's; another channel keeps the organisation's."""
    def configure(raw: dict) -> None:
        raw["organisation"]["locale"] = "en"
        raw["channels"]["digests"] = {"slack": "C0DIGEST1", "locale": "de-DE"}
        raw["channels"]["triage"] = {"slack": "C0TRIAGE1"}
    settings = make_settings(config=configure)
    runner, running = await start_bot(create_app(settings))
    try:
        channels = running.services.settings.app.channels
        async with running.services.sessions() as session:
            outbox = running.services.outbox
            await outbox.post(session, channels.digests, Message("errors/try_again"),
                              key="test:lang:post")
            await outbox.reply(session, "test:lang:post", Message("errors/unexpected"),
                               key="test:lang:reply")
            await outbox.post(session, channels.triage, Message("errors/try_again"),
                              key="test:lang:triage")
            await session.commit()
        await outbox_all_sent(running.services, "test:lang:", 3)
    finally:
        await runner.cleanup()

    posted = {(call.args["channel"], bool(call.args.get("thread_ts"))): call.args["text"]
              for call in slack.calls_to("chat.postMessage")}
    assert posted[("C0DIGEST1", False)].startswith(SORRY_DE)
    assert posted[("C0DIGEST1", True)].startswith("Entschuldigung")
    assert posted[("C0TRIAGE1", False)].startswith(SORRY_EN)


async def test_the_language_choice_offers_each_shipped_language_in_its_own_name(
        bot, slack, slack_sender):
    await slack_sender.command("/touchpoint", "settings language", user_id=DIETER)
    [shown_to] = await eventually(lambda: slack.responses)
    buttons = [(element["action_id"], element["text"]["text"])
               for block in shown_to.body["blocks"] if block["type"] == "actions"
               for element in block["elements"]]
    assert buttons == [(f"{LANGUAGE_ACTION}automatic", "Automatisch"),
                       (f"{LANGUAGE_ACTION}en", "English"), (f"{LANGUAGE_ACTION}de", "Deutsch")]
    assert "Sprache Ihrer Touchpoint-Nachrichten" in shown(shown_to.body)
