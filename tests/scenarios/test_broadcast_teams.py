"""Broadcasts over Teams, end to end through ``/api/messages`` and the Bot Connector emulator:
IT staff type "broadcast" for the form card, the status channels get a card each, a press of
Update on the Teams card brings the change form, and the cards are then updated in place
(updateActivity) with the update as a reply under each; anyone else's press is refused."""

from __future__ import annotations

import json

from bot.flows.broadcasts import ids
from tests.scenarios import broadcast_kit as kit
from tests.scenarios.broadcast_kit import NETSTAT, STATUS, TEAMS_NETSTAT, TEAMS_STATUS
from tests.scenarios.test_help_teams import ERIN, TENANT, card_of, message, post, seed_erin
from tests.waiting import eventually

bot_options, clock, settings = kit.bot_options, kit.clock, kit.settings

TOM = {"id": "29:1tom-teams", "name": "Tom Tech",
       "aadObjectId": "70a00000-0000-4000-8000-00000000000a"}
TOM_CHAT = "a:1tom-personal-chat"


def _seed(connector) -> None:
    for conversation in (TOM_CHAT, TEAMS_STATUS):
        connector.add_member(conversation, id=TOM["id"], name=TOM["name"],
                             aad_object_id=TOM["aadObjectId"], email="tech1@example.com",
                             tenant_id=TENANT)
    seed_erin(connector, TEAMS_STATUS)


def _inputs(card: dict) -> dict[str, dict]:
    return {item["id"]: item for item in card["body"] if "id" in item}


def _buttons(activity: dict) -> list[dict]:
    [attachment] = activity["attachments"]
    return [action["data"] for row in attachment["content"]["body"]
            if row["type"] == "ActionSet" for action in row["actions"]]


async def test_a_broadcast_from_teams_is_posted_and_updated_in_place(bot, connector, slack):
    _seed(connector)
    status, _ = await post(bot.url, message(connector, "broadcast VPN is down",
                                            conversation=TOM_CHAT, sender=TOM))
    assert status == 201
    [sent] = await connector.wait_for("send")
    form = _inputs(card_of(sent))
    assert form[ids.TITLE]["value"] == "VPN is down"
    assert form[ids.SERVICES]["isMultiSelect"] is True
    assert [c["title"] for c in form[ids.SERVICES]["choices"]] == kit.SERVICES
    assert (form[ids.NOTIFY]["type"], form[ids.NOTIFY]["value"]) == ("Input.Toggle", "no")

    card_id = connector.activities_in(TOM_CHAT)[-1]["id"]
    values = {"callback_id": ids.OPEN_FORM, "metadata": "", ids.KIND: "incident",
              ids.TITLE: "VPN is down", ids.SERVICES: f"0,{kit.NETWORK}", ids.IMPACT: "outage",
              ids.STATUS: "", ids.MESSAGE: "We are on it.", ids.WINDOW_START: "",
              ids.WINDOW_END: "", ids.NOTIFY: "no"}
    await post(bot.url, message(connector, None, conversation=TOM_CHAT, sender=TOM,
                                id="1700000000501", replyToId=card_id, value=values))

    async def posted() -> bool:
        return (len(connector.activities_in(TEAMS_STATUS)) == 1
                and len(connector.activities_in(TEAMS_NETSTAT)) == 1)

    await eventually(posted, within_s=5)
    await kit.settled(bot)
    [broadcast] = await kit.broadcasts(bot)
    assert broadcast.services == ["Service desk", "Network and Wi-Fi"]
    [card] = connector.activities_in(TEAMS_STATUS)
    assert _buttons(card) == [{"action_id": ids.UPDATE, "value": str(broadcast.id)},
                              {"action_id": ids.RESOLVE, "value": str(broadcast.id)}]
    assert "investigating" in json.dumps(card)
    assert len(slack.messages_in(STATUS)) == len(slack.messages_in(NETSTAT)) == 1

    # Erin presses Update on the channel card: refused, nothing changes.
    await post(bot.url, message(connector, None, conversation=TEAMS_STATUS, kind="channel",
                                sender=ERIN, id="1700000000502", replyToId=card["id"],
                                value={"action_id": ids.UPDATE, "value": str(broadcast.id)}))
    await eventually(lambda: _said(connector, "Broadcasts are posted by IT staff"), within_s=5)

    # Tom presses Update, and submits the change form it brings.
    sends = len(connector.calls_of("send")) + len(connector.calls_of("reply"))
    await post(bot.url, message(connector, None, conversation=TEAMS_STATUS, kind="channel",
                                sender=TOM, id="1700000000503", replyToId=card["id"],
                                value={"action_id": ids.UPDATE, "value": str(broadcast.id)}))
    await eventually(lambda: _said(connector, "Update broadcast"), within_s=5)
    assert len(connector.calls_of("send")) + len(connector.calls_of("reply")) > sends
    updates_before = len(connector.calls_of("update"))
    change = {"callback_id": ids.CHANGE_FORM, "metadata": f"updated:{broadcast.id}",
              ids.STATUS: "monitoring", ids.IMPACT: "degraded", ids.SERVICES: kit.NETWORK,
              ids.MESSAGE: "A fix is rolling out.", ids.NOTIFY: "no"}
    await post(bot.url, message(connector, None, conversation=TEAMS_STATUS, kind="channel",
                                sender=TOM, id="1700000000504", replyToId="form-card",
                                value=change))

    async def monitoring() -> bool:
        return (await kit.broadcasts(bot))[0].status == "monitoring"

    await eventually(monitoring, within_s=5)
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


def _said(connector, words: str) -> bool:
    return any(words in json.dumps(c.body) for kind in ("send", "reply", "update")
               for c in connector.calls_of(kind))
