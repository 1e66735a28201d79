"""Broadcasts in German (app.yaml ``organisation.locale: de``): opened from the Slack form,
posted, updated in place and resolved, with the subscriber's DMs; opened and updated in place
from Teams, with a Teams subscriber's DM; read back from what the Slack and Bot Connector
emulators recorded. Typed text inside the German sentences is still escaped. German by two
rules: what is posted in a channel is in the organisation's language (``organisation.locale:
de``), and what is said to a person in the language their platform gives (their Slack and Teams
clients are ``de-DE``, `tests.german`)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.flows.broadcasts import ids
from tests import german
from tests.scenarios import broadcast_kit as kit
from tests.scenarios.broadcast_kit import (
    ERIN,
    NETSTAT,
    STATUS,
    TEAMS_STATUS,
    TEAMS_TOM,
    TOM_CHAT,
    on_teams_card,
    said_on_teams,
    teams_opening,
)
from tests.scenarios.test_help_teams import PERSONAL, card_of, message, post, seed_erin
from tests.waiting import eventually

bot_options, clock = kit.bot_options, kit.clock
people_locale = german.people_locale

@pytest.fixture
def settings(make_settings, connector):
    def config(raw: dict[str, Any]) -> None:
        kit.configure(raw, connector.url)
        raw["organisation"]["locale"] = "de"

    return make_settings(config=config)


async def _status(bot, status: str) -> bool:
    rows = await kit.broadcasts(bot)
    return bool(rows) and rows[-1].status == status


async def test_a_broadcast_on_slack_reads_in_german_from_opening_to_resolving(
        bot, slack, slack_sender):
    await slack_sender.command("/touchpoint", "subscribe vpn", user_id=ERIN)
    [followed] = await slack.wait_for_response(1)
    assert "Sie haben jetzt *Network and Wi-Fi* abonniert" in kit.blocks_text(followed.body)

    await kit.submit_opening(slack_sender, title="VPN <down> & out",
                             message="Keine Verbindung <!channel> & *kein* Zugriff.")
    await eventually(lambda: _status(bot, "investigating"))
    await kit.settled(bot)
    [broadcast] = await kit.broadcasts(bot)
    post_ = kit.post_in(slack, STATUS, broadcast.id, 0)
    text = kit.blocks_text(post_)
    assert "Störung: VPN <down> & out" in text  # the header is plain text
    assert "*Status*: in Untersuchung · *Auswirkung*: Ausfall · *Services*: Network and Wi-Fi" \
        in text
    assert "*Zuständig*: tom.tech · *Letzte Aktualisierung*:" in text
    # Typed text stays text: no channel ping, no markup from the message.
    assert "Keine Verbindung &lt;!channel&gt; &amp; *kein* Zugriff." in kit.marked_up(post_)
    [dm] = kit.dms(slack, ERIN)
    assert "*Status*: in Untersuchung · *Auswirkung*: Ausfall" in dm
    assert "Sie erhalten dies, weil Sie einen betroffenen Service abonniert haben; " \
           "`/touchpoint unsubscribe SERVICE` beendet das Abonnement." in dm

    updates_before = len(slack.calls_to("chat.update"))
    await kit.submit_change(slack_sender, "updated", broadcast.id, status="identified",
                            impact="degraded", message="Ein Zertifikat war abgelaufen.")
    await eventually(lambda: _status(bot, "identified"))
    await kit.settled(bot)
    assert len(slack.calls_to("chat.update")) > updates_before  # edited in place
    post_ = kit.post_in(slack, STATUS, broadcast.id, 0)
    assert "*Status*: Ursache gefunden · *Auswirkung*: eingeschränkt" in kit.blocks_text(post_)
    [note] = kit.thread(slack, STATUS, post_)
    assert "*Aktualisierung* · Ursache gefunden · eingeschränkt · tom.tech" in note

    await kit.submit_change(slack_sender, "resolved", broadcast.id, message="Erneuert.")
    await eventually(lambda: _status(bot, "resolved"))
    await kit.settled(bot)
    post_ = kit.post_in(slack, NETSTAT, broadcast.id, 1)
    assert "*Status*: gelöst" in kit.blocks_text(post_)
    assert "*Gelöst* · gelöst · eingeschränkt" in kit.thread(slack, NETSTAT, post_)[-1]
    dms = kit.dms(slack, ERIN)
    assert any("Sie ist gelöst. Wie gut wurden Sie währenddessen informiert?" in d
               for d in dms)


async def test_a_broadcast_from_teams_reads_in_german(bot, connector, slack):
    kit.tom_on_teams(connector)
    seed_erin(connector)
    seed_erin(connector, TEAMS_STATUS)
    await post(bot.url, message(connector, "subscribe vpn"))
    await eventually(lambda: said_on_teams(
        connector, "Sie haben jetzt **Network and Wi-Fi** abonniert"))

    status, _ = await post(bot.url, message(connector, "broadcast VPN is down",
                                            conversation=TOM_CHAT, sender=TEAMS_TOM))
    assert status == 201
    await eventually(lambda: said_on_teams(connector, "Neue Statusmeldung"))
    form = json.dumps(card_of(connector.calls_of("send")[-1]), ensure_ascii=False)
    assert "Worum geht es?" in form and "Betroffene Services" in form
    card_id = connector.activities_in(TOM_CHAT)[-1]["id"]
    await on_teams_card(bot, connector, TOM_CHAT, "1700000000601", card_id,
                        teams_opening("Wir sind *dran* - 1. Schritt"))
    await eventually(lambda: len(connector.activities_in(TEAMS_STATUS)) == 1)
    await kit.settled(bot)
    [broadcast] = await kit.broadcasts(bot)
    [card] = connector.activities_in(TEAMS_STATUS)
    shown = json.dumps(card, ensure_ascii=False)
    assert "Störung: VPN is down" in shown
    assert "**Status**: in Untersuchung · **Auswirkung**: Ausfall" in shown
    # Typed Markdown is shown as typed inside the German card.
    assert "Wir sind \\\\*dran\\\\*" in shown
    assert said_on_teams(connector, "Als gelöst markieren")
    [dm] = [c for c in connector.calls_of("send") if c.conversation_id == PERSONAL][-1:]
    assert "**Status**: in Untersuchung" in json.dumps(dm.body, ensure_ascii=False)

    # An update from the card's button: the card changes in place, in German.
    await on_teams_card(bot, connector, TEAMS_STATUS, "1700000000602", card["id"],
                        {"action_id": ids.UPDATE, "value": str(broadcast.id)})
    await eventually(lambda: said_on_teams(connector, "Statusmeldung aktualisieren"))
    updates_before = len(connector.calls_of("update"))
    change = {"callback_id": ids.CHANGE_FORM, "metadata": f"updated:{broadcast.id}",
              ids.STATUS: "monitoring", ids.IMPACT: "degraded", ids.SERVICES: kit.NETWORK,
              ids.MESSAGE: "Die Lösung wird verteilt.", ids.NOTIFY: "no"}
    await on_teams_card(bot, connector, TEAMS_STATUS, "1700000000603", "form-card", change)
    await eventually(lambda: _status(bot, "monitoring"))
    await kit.settled(bot)
    updated = [c for c in connector.calls_of("update")[updates_before:]
               if c.conversation_id == TEAMS_STATUS]
    assert updated
    assert "**Status**: unter Beobachtung · **Auswirkung**: eingeschränkt" in json.dumps(
        updated[-1].body, ensure_ascii=False)
    to_erin = [c for c in connector.calls_of("send") if c.conversation_id == PERSONAL]
    assert "Die Lösung wird verteilt." in json.dumps(to_erin[-1].body, ensure_ascii=False)
