"""A broadcast resolved on Teams, read by a German-speaking subscriber: Erin's Teams client is
``de-DE`` (`tests.german`) while the organisation's language stays English. Tom opens it and
resolves it from the Teams channel card (Resolve, then the change form card); the channel card
is in the organisation's English, and Erin's DMs (the opening, the resolution and the question
how well she was kept informed, with its answer) are in German, read back from what the Bot
Connector emulator recorded."""

from __future__ import annotations

import json
from typing import Any

from bot.flows.broadcasts import ids
from tests import german
from tests.scenarios import broadcast_kit as kit
from tests.scenarios.broadcast_kit import (
    TEAMS_STATUS,
    TEAMS_TOM,
    TOM_CHAT,
    on_teams_card,
    teams_buttons,
    teams_opening,
)
from tests.scenarios.test_help_teams import PERSONAL, card_of, message, post, seed_erin
from tests.waiting import eventually

bot_options, clock = kit.bot_options, kit.clock
people_locale = german.people_locale

settings = kit.settings


def _to_erin(connector) -> list[str]:
    return [json.dumps(call.body, ensure_ascii=False) for call in connector.calls_of("send")
            if call.conversation_id == PERSONAL]


def _buttons(activity: dict[str, Any]) -> dict[str, dict]:
    return {button["action_id"]: button for button in teams_buttons(activity)}


async def test_a_german_subscriber_reads_a_broadcast_resolved_on_teams_in_german(
        bot, connector, slack):
    kit.tom_on_teams(connector)
    seed_erin(connector)
    await post(bot.url, message(connector, "subscribe vpn"))
    await eventually(lambda: any("Sie haben jetzt **Network and Wi-Fi** abonniert" in said
                                 for said in _to_erin(connector)))

    await post(bot.url, message(connector, "broadcast VPN is down", conversation=TOM_CHAT,
                                sender=TEAMS_TOM))
    await eventually(lambda: connector.activities_in(TOM_CHAT))
    await on_teams_card(bot, connector, TOM_CHAT, "1700000000701",
                        connector.activities_in(TOM_CHAT)[-1]["id"],
                        teams_opening("We are on it."))
    await eventually(lambda: len(connector.activities_in(TEAMS_STATUS)) == 1)
    await kit.settled(bot)
    [broadcast] = await kit.broadcasts(bot)
    assert any("**Status**: in Untersuchung · **Auswirkung**: Ausfall" in said
               for said in _to_erin(connector))

    # Tom resolves it from the channel card: Resolve brings the form card, he submits it.
    [card] = connector.activities_in(TEAMS_STATUS)
    assert _buttons(card)[ids.RESOLVE] == {"action_id": ids.RESOLVE, "value": str(broadcast.id)}
    await on_teams_card(bot, connector, TEAMS_STATUS, "1700000000702", card["id"],
                        _buttons(card)[ids.RESOLVE])
    await eventually(lambda: any(
        f"resolved:{broadcast.id}" in json.dumps(call.body)
        for kind in ("send", "reply") for call in connector.calls_of(kind)))
    sent_to_erin = len(_to_erin(connector))
    await on_teams_card(bot, connector, TEAMS_STATUS, "1700000000703", "form-card",
                        {"callback_id": ids.CHANGE_FORM, "metadata": f"resolved:{broadcast.id}",
                         ids.MESSAGE: "Das Zertifikat ist erneuert.", ids.NOTIFY: "no"})
    await eventually(lambda: len(_to_erin(connector)) >= sent_to_erin + 1)
    await kit.settled(bot)
    assert (await kit.broadcasts(bot))[0].status == "resolved"

    # The channel card is the organisation's English; Erin reads German.
    [card] = connector.activities_in(TEAMS_STATUS)[:1]
    assert "**Status**: resolved" in json.dumps(card, ensure_ascii=False)
    told = "\n".join(_to_erin(connector)[sent_to_erin:])
    assert "**Status**: gelöst" in told
    assert "Das Zertifikat ist erneuert." in told
    assert "Sie ist gelöst. Wie gut wurden Sie währenddessen informiert?" in told
    assert "resolved" not in told.replace(f"resolved:{broadcast.id}", "")

    # Her answer to "how well were you kept informed?" is thanked in German, in place.
    [asked] = [call for call in connector.calls_of("send") if call.conversation_id == PERSONAL
               and "Wie gut wurden Sie" in json.dumps(call.body, ensure_ascii=False)]
    [stored] = [a for a in connector.activities_in(PERSONAL)
                if "Wie gut wurden Sie" in json.dumps(a, ensure_ascii=False)]
    choices = [action["data"] for row in card_of(asked)["body"] if row["type"] == "ActionSet"
               for action in row["actions"]
               if action["data"]["action_id"].startswith(ids.INFORMED)]
    assert len(choices) == 5
    await post(bot.url, message(connector, None, id="1700000000704", replyToId=stored["id"],
                                value=choices[3]))
    assert await eventually(lambda: kit.ratings(bot)) == [(broadcast.id, 4)]
    await eventually(lambda: any(
        "Danke! Sie haben **4/5** gewählt" in json.dumps(call.body, ensure_ascii=False)
        for call in connector.calls_of("update")))
