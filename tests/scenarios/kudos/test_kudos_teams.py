"""Kudos typed to the bot in Teams: ``kudos <at>Tom Tech</at> story`` with its mention entity
into ``/api/messages``; the answers through the Bot Connector emulator, the wall post
through the Slack emulator (the wall is a Slack channel here)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from sqlmodel import select

from bot.flows.kudos.ids import FULFIL, RECIPIENTS, STORY, VISIBILITY
from storage.kudos import KudosReaction, KudosVoucher
from tests.outbox_kit import outbox_settled

from .conftest import WALL, kudos_config, text_of

TENANT = "8c2f1a9e-0000-4000-8000-0000000000aa"
BOT = {"id": "28:0b5e1a6c-touchpoint", "name": "Touchpoint"}
ERIN = {"id": "29:1erin-teams-id", "name": "Erin Employee",
        "aadObjectId": "6F2A1C3B-4D5E-4F60-8A7B-9C0D1E2F3A4B"}
TOM = {"id": "29:1tom-teams-id", "name": "Tom Tech",
       "aadObjectId": "0A1B2C3D-4E5F-4061-8273-94A5B6C7D8E9"}
LEE = {"id": "29:1lee-teams-id", "name": "Lee Lead",
       "aadObjectId": "5E6F7A8B-9C0D-4E1F-8A2B-3C4D5E6F7A8B"}
CHATS = {ERIN["id"]: "a:1erin-personal-chat", TOM["id"]: "a:1tom-personal-chat",
         LEE["id"]: "a:1lee-personal-chat"}
EMAILS = {ERIN["id"]: "erin@example.com", TOM["id"]: "tech1@example.com"}


TEAMS_WALL = "19:kudos0123@thread.tacv2"
TEAMS_TRIAGE = "19:triage0123@thread.tacv2"


@pytest.fixture
def settings(make_settings, connector):
    def config(raw: dict[str, Any]) -> None:
        kudos_config(raw)
        raw["teams"] = {"service_url": connector.url}
        raw["channels"]["kudos_wall"]["teams"] = TEAMS_WALL
        raw["kudos"]["approvals"] = {"teams": TEAMS_TRIAGE}
        raw["roles"]["it_lead"]["teams_users"] = [LEE["aadObjectId"]]

    return make_settings(config=config)


def activity(connector, sender: dict, text: str, **extra: Any) -> dict:
    return {
        "type": "message", "id": "1700000000123", "timestamp": "2026-03-04T12:00:00.000Z",
        "serviceUrl": connector.url, "channelId": "msteams", "from": sender,
        "conversation": {"id": CHATS[sender["id"]], "conversationType": "personal",
                         "tenantId": TENANT},
        "recipient": BOT, "text": text, "textFormat": "xml", "locale": "en-GB",
        "channelData": {"tenant": {"id": TENANT}}, **extra,
    }


async def post(bot, body: dict) -> int:
    async with aiohttp.ClientSession() as http, http.post(
            bot.url + "/api/messages", data=json.dumps(body),
            headers={"Content-Type": "application/json"}) as response:
        return response.status


def card_text(call) -> str:
    [attachment] = call.body["attachments"]
    return "\n".join(block.get("text", "") for block in attachment["content"]["body"])


def sent_to(calls: list, conversation_id: str) -> list:
    """The sends into one conversation, oldest first (the outbox's and the direct answers
    arrive in no fixed order between conversations)."""
    return [call for call in calls if call.conversation_id == conversation_id]


async def erin_thanks_tom(bot, connector) -> int:
    for account in (ERIN, TOM):
        connector.add_member(CHATS[account["id"]], id=account["id"], name=account["name"],
                             aad_object_id=account["aadObjectId"], email=EMAILS[account["id"]],
                             tenant_id=TENANT)
    # Tom has the app: his first message stores his chat, so he can be messaged later.
    assert await post(bot, activity(connector, TOM, "help")) == 201
    await connector.wait_for("send")

    return await post(bot, activity(
        connector, ERIN, "kudos <at>Tom Tech</at> got my *VPN* working from the airport",
        entities=[{"type": "mention", "text": "<at>Tom Tech</at>", "mentioned": TOM}]))


async def test_kudos_typed_in_teams_with_a_mention_reaches_the_technician(bot, connector,
                                                                          slack):
    status = await erin_thanks_tom(bot, connector)

    assert status == 201
    sent = await connector.wait_for("send", 4)
    [on_wall] = sent_to(sent, TEAMS_WALL)
    assert "Erin Employee thanked Tom Tech:" in card_text(on_wall)
    [_help, to_tom] = sent_to(sent, CHATS[TOM["id"]])
    assert "Erin Employee says thank you:" in card_text(to_tom)
    # Typed Markdown is shown as typed, not as bold.
    assert "“got my \\*VPN\\* working from the airport”" in card_text(to_tom)
    [to_erin] = sent_to(sent, CHATS[ERIN["id"]])
    assert "is on its way to Tom Tech, and on the kudos wall." in card_text(to_erin)
    await slack.wait_for("chat.postMessage")
    [wall] = [c for c in slack.calls_to("chat.postMessage") if c.args["channel"] == WALL]
    assert "Erin Employee thanked Tom Tech:" in text_of(wall.args)
    async with bot.services.sessions() as session:
        [voucher] = (await session.exec(select(KudosVoucher))).all()
    assert voucher.story == "got my *VPN* working from the airport"


async def test_a_teams_mention_of_someone_unknown_is_refused_kindly(bot, connector, slack):
    connector.add_member(CHATS[ERIN["id"]], id=ERIN["id"], name=ERIN["name"],
                         aad_object_id=ERIN["aadObjectId"], email=EMAILS[ERIN["id"]],
                         tenant_id=TENANT)

    await post(bot, activity(
        connector, ERIN, "kudos <at>Tom Tech</at> thanks",
        entities=[{"type": "mention", "text": "<at>Tom Tech</at>", "mentioned": TOM}]))

    [answer] = await connector.wait_for("send")
    assert "I can't find Tom Tech in Touchpoint." in card_text(answer)
    async with bot.services.sessions() as session:
        assert (await session.exec(select(KudosVoucher))).all() == []


async def test_likes_on_the_teams_wall_post_are_counted(bot, connector, slack):
    await erin_thanks_tom(bot, connector)
    await outbox_settled(bot.services, "kudos:")
    [wall_post] = connector.activities_in(TEAMS_WALL)

    def reaction(sender: dict, **changes: Any) -> dict:
        return {"type": "messageReaction", "id": "f:1", "serviceUrl": connector.url,
                "channelId": "msteams", "from": sender, "recipient": BOT,
                "conversation": {"id": f"{TEAMS_WALL};messageid={wall_post['id']}",
                                 "conversationType": "channel", "tenantId": TENANT},
                "replyToId": wall_post["id"], "channelData": {"tenant": {"id": TENANT}},
                **changes}

    for body in (reaction(TOM, reactionsAdded=[{"type": "like"}, {"type": "heart"}]),
                 reaction(ERIN, reactionsAdded=[{"type": "like"}]),
                 reaction(TOM, reactionsRemoved=[{"type": "heart"}])):
        assert await post(bot, body) == 201

    async with bot.services.sessions() as session:
        rows = (await session.exec(select(KudosReaction))).all()
    assert sorted((row.user_id, row.reaction) for row in rows) == sorted([
        (ERIN["aadObjectId"].lower(), "like"), (TOM["aadObjectId"].lower(), "like")])


async def test_the_form_in_teams_picks_people_by_their_aad_ids(bot, connector, slack, clock):
    await erin_thanks_tom(bot, connector)
    await connector.wait_for("send", 4)
    connector.clear()
    clock.now += timedelta(days=1)  # one kudos per person a day

    assert await post(bot, activity(connector, ERIN, "kudos")) == 201
    [form] = await connector.wait_for("send")
    [attachment] = form.body["attachments"]
    [submit] = attachment["content"]["actions"]
    picker = next(element for element in attachment["content"]["body"]
                  if element.get("id") == RECIPIENTS)
    assert picker["choices.data"]["dataset"] == "graph.microsoft.com/users"

    # Teams posts the card's inputs with the submit action's data, as a message value.
    assert await post(bot, activity(connector, ERIN, None, value={
        **submit["data"], RECIPIENTS: TOM["aadObjectId"], STORY: "Sorted my printer too",
        VISIBILITY: "private"})) == 201

    sent = await connector.wait_for("send", 3)
    [_form, to_erin] = sent_to(sent, CHATS[ERIN["id"]])
    [to_tom] = sent_to(sent, CHATS[TOM["id"]])
    assert "“Sorted my printer too”" in card_text(to_tom)
    assert "Only you can see this one." in card_text(to_tom)
    assert "is on its way to Tom Tech." in card_text(to_erin)




async def test_a_lead_approves_a_redemption_on_the_teams_card(bot, connector, slack, clock):
    await erin_thanks_tom(bot, connector)
    clock.now += timedelta(days=1)
    await post(bot, activity(connector, ERIN, "kudos <at>Tom Tech</at> and again",
                             entities=[{"type": "mention", "text": "<at>Tom Tech</at>",
                                        "mentioned": TOM}]))
    await connector.wait_for("send", 7)
    connector.clear()

    assert await post(bot, activity(connector, TOM, "kudos redeem coffee")) == 201

    sent = await connector.wait_for("send", 2)
    [card] = sent_to(sent, TEAMS_TRIAGE)
    [answer] = sent_to(sent, CHATS[TOM["id"]])
    assert "Tom Tech redeemed 20 points for **Coffee on IT**." in card_text(card)
    [fulfil] = [action for block in card.body["attachments"][0]["content"]["body"]
                if block["type"] == "ActionSet" for action in block["actions"]]
    assert fulfil["data"]["action_id"] == FULFIL
    assert "You redeemed 20 points for **Coffee on IT**" in card_text(answer)
    [posted] = connector.activities_in(TEAMS_TRIAGE)

    connector.add_member(TEAMS_TRIAGE, id=LEE["id"],
                         name=LEE["name"], aad_object_id=LEE["aadObjectId"],
                         email="lee@example.com", tenant_id=TENANT)
    press = activity(connector, LEE, None, value=fulfil["data"], replyToId=posted["id"])
    press["conversation"] = {"id": TEAMS_TRIAGE, "conversationType": "channel",
                             "tenantId": TENANT}
    assert await post(bot, press) == 201

    [update] = await connector.wait_for("update")
    assert update.conversation_id == TEAMS_TRIAGE
    assert "Fulfilled by Lee Lead." in card_text(update)
    await outbox_settled(bot.services, "kudos:")
    done = [call for call in connector.calls_of("send")
            if call.conversation_id == CHATS[TOM["id"]]][-1]
    assert "has been handed over. Enjoy it!" in card_text(done)
