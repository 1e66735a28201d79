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
from tests.outbox_kit import move_clock, outbox_settled
from tests.teams_activities import account, channel_message, personal_message, recorded
from tests.waiting import eventually

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
def teams_wall() -> str | None:
    """The kudos wall's Teams channel (a test parametrizes None: a wall on Slack only)."""
    return TEAMS_WALL


@pytest.fixture
def settings(make_settings, connector, teams_wall):
    def config(raw: dict[str, Any]) -> None:
        kudos_config(raw)
        raw["teams"] = {"service_url": connector.url}
        if teams_wall:
            raw["channels"]["kudos_wall"]["teams"] = teams_wall
        raw["kudos"]["approvals"] = {"teams": TEAMS_TRIAGE}
        raw["roles"]["it_lead"]["teams_users"] = [LEE["aadObjectId"]]

    return make_settings(config=config)


def activity(connector, sender: dict, text: str | None, **extra: Any) -> dict:
    """A message in the sender's chat with the bot, as Teams sends it (recorded)."""
    return personal_message(connector.url, sender, CHATS[sender["id"]], text, tenant=TENANT,
                            **extra)


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
    for person in (ERIN, TOM):
        connector.add_member(CHATS[person["id"]], id=person["id"], name=person["name"],
                             aad_object_id=person["aadObjectId"], email=EMAILS[person["id"]],
                             tenant_id=TENANT)
    # Tom has the app: his first message stores his chat, so he can be messaged later.
    assert await post(bot, activity(connector, TOM, "help")) == 201
    await connector.wait_for("send")

    return await post(bot, activity(
        connector, ERIN, "kudos <at>Tom Tech</at> got my *VPN* working from the airport",
        mentions=(TOM,)))


async def thanks_sent_in_teams(bot, connector) -> tuple[Any, Any, Any]:
    """Erin thanks Tom in Teams: the wall post, Tom's DM and Erin's answer as sent."""
    assert await erin_thanks_tom(bot, connector) == 201

    sent = await connector.wait_for("send", 4)
    [on_wall] = sent_to(sent, TEAMS_WALL)
    [_help, to_tom] = sent_to(sent, CHATS[TOM["id"]])
    [to_erin] = sent_to(sent, CHATS[ERIN["id"]])
    return on_wall, to_tom, to_erin


async def tom_redeems_coffee(bot, connector, clock) -> tuple[Any, Any]:
    """Tom, thanked by Erin on two days (20 points), redeems a coffee in Teams: the card sent
    to the approvals channel and the answer in his chat."""
    await erin_thanks_tom(bot, connector)
    await move_clock(bot.services, clock, clock.now + timedelta(days=1))  # once it is all sent
    await post(bot, activity(connector, ERIN, "kudos <at>Tom Tech</at> and again",
                             mentions=(TOM,)))
    await connector.wait_for("send", 7)
    connector.clear()

    assert await post(bot, activity(connector, TOM, "kudos redeem coffee")) == 201

    # Waited for by conversation: a send of the thanks before may still come in between.
    await eventually(lambda: sent_to(connector.calls_of("send"), TEAMS_TRIAGE)
                     and sent_to(connector.calls_of("send"), CHATS[TOM["id"]]))
    sent = connector.calls_of("send")
    [card] = sent_to(sent, TEAMS_TRIAGE)
    [answer] = [call for call in sent_to(sent, CHATS[TOM["id"]])
                if "Coffee on IT" in card_text(call)]
    return card, answer


def fulfil_button(card) -> dict:
    [fulfil] = [action for block in card.body["attachments"][0]["content"]["body"]
                if block["type"] == "ActionSet" for action in block["actions"]]
    return fulfil


async def lee_presses(bot, connector, button: dict) -> Any:
    """Lee, the IT lead, presses `button` on the card in the approvals channel; returns the
    card's update."""
    [posted] = connector.activities_in(TEAMS_TRIAGE)
    connector.add_member(TEAMS_TRIAGE, id=LEE["id"], name=LEE["name"],
                         aad_object_id=LEE["aadObjectId"], email="lee@example.com",
                         tenant_id=TENANT)
    press = activity(connector, LEE, None, value=button["data"], replyToId=posted["id"])
    press["conversation"] = {"id": TEAMS_TRIAGE, "conversationType": "channel",
                             "tenantId": TENANT}
    assert await post(bot, press) == 201
    [update] = await connector.wait_for("update")
    return update


async def test_kudos_typed_in_teams_with_a_mention_reaches_the_technician(bot, connector,
                                                                          slack):
    on_wall, to_tom, to_erin = await thanks_sent_in_teams(bot, connector)

    assert "Erin Employee thanked Tom Tech:" in card_text(on_wall)
    assert "Erin Employee says thank you:" in card_text(to_tom)
    # Typed Markdown is shown as typed, not as bold.
    assert "“got my \\*VPN\\* working from the airport”" in card_text(to_tom)
    assert "is on its way to Tom Tech, and on the kudos wall." in card_text(to_erin)
    await slack.wait_for("chat.postMessage")
    [wall] = [c for c in slack.calls_to("chat.postMessage") if c.args["channel"] == WALL]
    assert "Erin Employee thanked Tom Tech:" in text_of(wall.args)
    async with bot.services.sessions() as session:
        [voucher] = (await session.exec(select(KudosVoucher))).all()
    assert voucher.story == "got my *VPN* working from the airport"


@pytest.mark.parametrize("teams_wall", [None])
async def test_a_teams_giver_is_not_told_of_a_wall_that_is_on_slack_only(bot, connector, slack):
    assert await erin_thanks_tom(bot, connector) == 201

    await outbox_settled(bot.services, "kudos:")
    [to_erin] = sent_to(connector.calls_of("send"), CHATS[ERIN["id"]])
    assert "is on its way to Tom Tech." in card_text(to_erin)
    assert "kudos wall" not in card_text(to_erin)
    # The wall post is made, on Slack, where the wall is.
    assert [c for c in slack.calls_to("chat.postMessage") if c.args["channel"] == WALL]


async def test_a_teams_mention_of_someone_unknown_is_refused_kindly(bot, connector, slack):
    connector.add_member(CHATS[ERIN["id"]], id=ERIN["id"], name=ERIN["name"],
                         aad_object_id=ERIN["aadObjectId"], email=EMAILS[ERIN["id"]],
                         tenant_id=TENANT)

    await post(bot, activity(
        connector, ERIN, "kudos <at>Tom Tech</at> thanks",
        mentions=(TOM,)))

    [answer] = await connector.wait_for("send")
    assert "I can't find Tom Tech in Touchpoint." in card_text(answer)
    # Teams was asked who the mention's 29: id is; its roster does not list Tom.
    assert [call.conversation_id for call in connector.calls_of("get_member")
            if call.query["memberId"] == TOM["id"]] == [CHATS[ERIN["id"]]]
    async with bot.services.sessions() as session:
        assert (await session.exec(select(KudosVoucher))).all() == []


async def test_likes_on_the_teams_wall_post_are_counted(bot, connector, slack):
    await erin_thanks_tom(bot, connector)
    await outbox_settled(bot.services, "kudos:")
    [wall_post] = connector.activities_in(TEAMS_WALL)

    def reaction(sender: dict, **changes: Any) -> dict:
        """A reaction to the wall post, as Teams sends it (recorded)."""
        added = changes.pop("reactionsAdded", None)
        body = recorded("message_reaction", serviceUrl=connector.url, recipient=BOT,
                        replyToId=wall_post["id"], reactionsAdded=added, **changes)
        body["from"] = account(sender)
        body["conversation"].update(id=f"{TEAMS_WALL};messageid={wall_post['id']}",
                                    tenantId=TENANT)
        body["channelData"].update(channel={"id": TEAMS_WALL}, tenant={"id": TENANT})
        return body

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
    await move_clock(bot.services, clock, clock.now + timedelta(days=1))  # one a person a day

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
    card, answer = await tom_redeems_coffee(bot, connector, clock)

    assert "Tom Tech redeemed 20 points for **Coffee on IT**." in card_text(card)
    fulfil = fulfil_button(card)
    assert fulfil["data"]["action_id"] == FULFIL
    assert "You redeemed 20 points for **Coffee on IT**" in card_text(answer)

    update = await lee_presses(bot, connector, fulfil)

    assert update.conversation_id == TEAMS_TRIAGE
    assert "Fulfilled by Lee Lead." in card_text(update)
    await outbox_settled(bot.services, "kudos:")
    done = [call for call in connector.calls_of("send")
            if call.conversation_id == CHATS[TOM["id"]]][-1]
    assert "has been handed over. Enjoy it!" in card_text(done)


# ------------------------------------------------- mentions as Teams sends them (29: ids)

TEAM = "19:itteam0123@thread.tacv2"
CHANNEL = "19:general0456@thread.tacv2"


def on_team_roster(connector, *people: dict) -> None:
    for person in people:
        connector.add_member(TEAM, id=person["id"], name=person["name"],
                             aad_object_id=person["aadObjectId"],
                             email=EMAILS.get(person["id"]), tenant_id=TENANT)


def in_channel(connector, sender: dict, text: str, *mentioned: dict) -> dict:
    return channel_message(connector.url, sender, BOT, text, team=TEAM, channel=CHANNEL,
                           tenant=TENANT, mentions=mentioned)


def private_answers(connector) -> list[str]:
    """The cards sent to someone's 1:1 chat (a channel's sender is answered there)."""
    return [card_text(call) for call in connector.calls_of("send")
            if call.conversation_id.startswith("a:")]


async def test_a_channel_mention_is_resolved_through_the_teams_roster(bot, connector, slack):
    on_team_roster(connector, ERIN, TOM)

    assert await post(bot, in_channel(connector, ERIN, "kudos <at>Tom Tech</at> fixed the VPN",
                                      TOM)) == 201

    await outbox_settled(bot.services, "kudos:")
    asked = [call.query["memberId"] for call in connector.calls_of("get_member")
             if call.conversation_id == TEAM]
    assert TOM["id"] in asked
    assert any("is on its way to Tom Tech" in text for text in private_answers(connector))
    async with bot.services.sessions() as session:
        [voucher] = (await session.exec(select(KudosVoucher))).all()
    assert voucher.story == "fixed the VPN"


async def test_the_roster_is_asked_once_then_again_after_the_member_left(bot, connector,
                                                                          slack, clock):
    on_team_roster(connector, ERIN, TOM)
    await post(bot, in_channel(connector, ERIN, "kudos <at>Tom Tech</at> first", TOM))
    await outbox_settled(bot.services, "kudos:")
    await move_clock(bot.services, clock, clock.now + timedelta(days=1))
    await post(bot, in_channel(connector, ERIN, "kudos <at>Tom Tech</at> second", TOM))
    await outbox_settled(bot.services, "kudos:")

    def asked_for_tom() -> int:
        return sum(call.query["memberId"] == TOM["id"]
                   for call in connector.calls_of("get_member"))

    assert asked_for_tom() == 1
    removed = recorded("conversation_update_members_removed", serviceUrl=connector.url,
                       recipient=BOT, membersRemoved=[{"id": TOM["id"]}])
    removed["conversation"]["id"] = TEAM
    removed["channelData"]["team"]["id"] = TEAM
    assert await post(bot, removed) == 201
    await move_clock(bot.services, clock, clock.now + timedelta(days=1))
    await post(bot, in_channel(connector, ERIN, "kudos <at>Tom Tech</at> third", TOM))
    await outbox_settled(bot.services, "kudos:")

    assert asked_for_tom() == 2


async def test_kudos_to_yourself_in_teams_is_refused_as_self_kudos(bot, connector, slack):
    connector.add_member(CHATS[ERIN["id"]], id=ERIN["id"], name=ERIN["name"],
                         aad_object_id=ERIN["aadObjectId"], email=EMAILS[ERIN["id"]],
                         tenant_id=TENANT)

    await post(bot, activity(connector, ERIN, "kudos <at>Erin Employee</at> I am great",
                             mentions=(ERIN,)))

    [answer] = await connector.wait_for("send")
    assert "You can't give kudos to yourself" in card_text(answer)
    assert "can't find" not in card_text(answer)


async def test_someone_with_the_app_is_found_from_a_personal_chat_without_a_roster(
        bot, connector, slack):
    """Tom is on no roster Erin's chat can ask, and the cache forgot him: his own 1:1 chat
    with the bot says who he is."""
    for person in (ERIN, TOM):
        connector.add_member(CHATS[person["id"]], id=person["id"], name=person["name"],
                             aad_object_id=person["aadObjectId"],
                             email=EMAILS[person["id"]], tenant_id=TENANT)
    assert await post(bot, activity(connector, TOM, "help")) == 201
    removed = recorded("conversation_update_members_removed", serviceUrl=connector.url,
                       recipient=BOT, membersRemoved=[{"id": TOM["id"]}])
    assert await post(bot, removed) == 201

    await post(bot, activity(connector, ERIN, "kudos <at>Tom Tech</at> thanks",
                             mentions=(TOM,)))

    await outbox_settled(bot.services, "kudos:")
    [to_erin] = sent_to(connector.calls_of("send"), CHATS[ERIN["id"]])
    assert "is on its way to Tom Tech" in card_text(to_erin)
    # The roster was asked first, and does not list him.
    assert TOM["id"] in [call.query["memberId"] for call in connector.calls_of("get_member")
                         if call.conversation_id == CHATS[ERIN["id"]]]
