"""Broadcasts over Teams, end to end through ``/api/messages`` and the Bot Connector emulator:
IT staff type "broadcast" for the form card, the status channels get a card each, a press of
Update on the Teams card brings the change form, and the cards are then updated in place
(updateActivity) with the update as a reply under each; anyone else's press is refused."""

from __future__ import annotations

import json

from bot.flows.broadcasts import ids
from tests.scenarios import broadcast_kit as kit
from tests.scenarios.broadcast_kit import (
    NETSTAT,
    STATUS,
    TEAMS_NETSTAT,
    TEAMS_STATUS,
    TEAMS_TOM,
    TOM_CHAT,
    on_teams_card,
    said_on_teams,
    teams_buttons,
    teams_opening,
)
from tests.scenarios.test_help_teams import ERIN, card_of, message, post, seed_erin
from tests.waiting import eventually

bot_options, clock, settings = kit.bot_options, kit.clock, kit.settings


def _inputs(card: dict) -> dict[str, dict]:
    return {item["id"]: item for item in card["body"] if "id" in item}


async def test_a_broadcast_from_teams_is_posted_and_updated_in_place(bot, connector, slack):
    kit.tom_on_teams(connector)
    seed_erin(connector, TEAMS_STATUS)
    status, _ = await post(bot.url, message(connector, "broadcast VPN is down",
                                            conversation=TOM_CHAT, sender=TEAMS_TOM))
    assert status == 201
    [sent] = await connector.wait_for("send")
    form = _inputs(card_of(sent))
    assert form[ids.TITLE]["value"] == "VPN is down"
    assert form[ids.SERVICES]["isMultiSelect"] is True
    assert [c["title"] for c in form[ids.SERVICES]["choices"]] == kit.SERVICES
    assert (form[ids.NOTIFY]["type"], form[ids.NOTIFY]["value"]) == ("Input.Toggle", "no")

    card_id = connector.activities_in(TOM_CHAT)[-1]["id"]
    await on_teams_card(bot, connector, TOM_CHAT, "1700000000501", card_id,
                        teams_opening("We are on it.", services=f"0,{kit.NETWORK}"))

    async def posted() -> bool:
        return (len(connector.activities_in(TEAMS_STATUS)) == 1
                and len(connector.activities_in(TEAMS_NETSTAT)) == 1)

    await eventually(posted)
    await kit.settled(bot)
    [broadcast] = await kit.broadcasts(bot)
    assert broadcast.services == ["Service desk", "Network and Wi-Fi"]
    [card] = connector.activities_in(TEAMS_STATUS)
    assert teams_buttons(card) == [{"action_id": ids.UPDATE, "value": str(broadcast.id)},
                              {"action_id": ids.RESOLVE, "value": str(broadcast.id)}]
    assert "investigating" in json.dumps(card)
    assert len(slack.messages_in(STATUS)) == len(slack.messages_in(NETSTAT)) == 1

    # Erin presses Update on the channel card: refused, nothing changes.
    update = {"action_id": ids.UPDATE, "value": str(broadcast.id)}
    await on_teams_card(bot, connector, TEAMS_STATUS, "1700000000502", card["id"], update,
                        sender=ERIN)
    await eventually(lambda: said_on_teams(connector, "Broadcasts are posted by IT staff"))

    # Tom presses Update, and submits the change form it brings.
    sends = len(connector.calls_of("send")) + len(connector.calls_of("reply"))
    await on_teams_card(bot, connector, TEAMS_STATUS, "1700000000503", card["id"], update)
    await eventually(lambda: said_on_teams(connector, "Update broadcast"))
    assert len(connector.calls_of("send")) + len(connector.calls_of("reply")) > sends
    updates_before = len(connector.calls_of("update"))
    change = {"callback_id": ids.CHANGE_FORM, "metadata": f"updated:{broadcast.id}",
              ids.STATUS: "monitoring", ids.IMPACT: "degraded", ids.SERVICES: kit.NETWORK,
              ids.MESSAGE: "A fix is rolling out.", ids.NOTIFY: "no"}
    await on_teams_card(bot, connector, TEAMS_STATUS, "1700000000504", "form-card", change)

    async def monitoring() -> bool:
        return (await kit.broadcasts(bot))[0].status == "monitoring"

    await eventually(monitoring)
    await kit.settled(bot)
    updated = [c for c in connector.calls_of("update")[updates_before:]
               if c.conversation_id in (TEAMS_STATUS, TEAMS_NETSTAT)]
    assert {c.conversation_id for c in updated} == {TEAMS_STATUS, TEAMS_NETSTAT}
    [card] = connector.activities_in(TEAMS_STATUS)[:1]
    assert "monitoring" in json.dumps(card) and "A fix is rolling out." in json.dumps(card)
    replies = [c for c in connector.calls_of("reply") if c.conversation_id == TEAMS_STATUS
               and "A fix is rolling out." in json.dumps(c.body)]
    assert len(replies) == 1
    assert [e.action for e in await kit.audit_trail(bot, broadcast.id)] == ["opened", "updated"]

