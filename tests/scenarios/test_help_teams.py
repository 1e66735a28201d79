"""Help over Teams, end to end: Bot Framework activities into ``/api/messages``, Adaptive
Cards out through the Bot Connector emulator, conversation references kept in the database so
any replica can message people later."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import text
from sqlmodel import select

from bot.chat.message import Message
from bot.chat.port import Undeliverable
from bot.chat.text import ECHO_LIMIT, TEAMS
from bot.config import ChannelTarget
from bot.server import SERVICES, create_app
from storage.models import ConversationRef, Person
from tests.teams_activities import account, recorded

TENANT = "8c2f1a9e-0000-4000-8000-0000000000aa"
BOT = {"id": "28:0b5e1a6c-touchpoint", "name": "Touchpoint"}
ERIN = {"id": "29:1erin-teams-id", "name": "Erin Employee",
        "aadObjectId": "6F2A1C3B-4D5E-4F60-8A7B-9C0D1E2F3A4B"}
ERIN_AAD = ERIN["aadObjectId"].lower()
PERSONAL = "a:1erin-personal-chat"
CHANNEL = "19:general0123@thread.tacv2"
CARD = "application/vnd.microsoft.card.adaptive"


@pytest.fixture
def settings(make_settings, connector):
    """The test settings, with app.yaml's Teams service URL at the connector emulator."""
    return make_settings(config=lambda raw: raw.update(teams={"service_url": connector.url}))


def message(connector, text: str | None = "help", *, conversation: str = PERSONAL,
            kind: str = "personal", sender: dict | None = None, **extra: Any) -> dict:
    """A message activity as Teams posts it to the bot: the recorded one
    (tests/fixtures/teams) for the kind of conversation, or the recorded card submit when
    it carries a `value`, with this test's people, conversation and tenant; `extra` replaces
    top-level fields (entities, channelData, ids)."""
    if "value" in extra:
        name = "card_submit"
    else:
        name = "message_mention_channel" if kind == "channel" else "message_mention_personal"
    activity = recorded(name, serviceUrl=connector.url, **extra)
    activity["from"] = account(sender or ERIN)
    activity["recipient"] = BOT
    activity["conversation"].update(id=conversation, conversationType=kind, tenantId=TENANT)
    if "channelData" not in extra:
        activity["channelData"] = {"tenant": {"id": TENANT}}
    if "entities" not in extra:
        activity["entities"] = [e for e in activity["entities"] if e["type"] != "mention"]
    if "replyToId" not in extra:
        activity.pop("replyToId", None)
    activity["text"] = text
    return activity


async def post(url: str, body: bytes | str | dict | list, headers: dict | None = None
               ) -> tuple[int, str]:
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    if headers is None:
        headers = {"Content-Type": "application/json"}
    async with aiohttp.ClientSession() as http, http.post(
            url.rstrip("/") + "/api/messages", data=data, headers=headers) as response:
        return response.status, await response.text()


def seed_erin(connector, conversation: str = PERSONAL) -> None:
    connector.add_member(conversation, id=ERIN["id"], name=ERIN["name"],
                         aad_object_id=ERIN["aadObjectId"], email="erin@example.com",
                         tenant_id=TENANT)


def card_of(call) -> dict:
    [attachment] = call.body["attachments"]
    assert attachment["contentType"] == CARD
    return attachment["content"]


def outbound(services, method: str, result: str) -> float:
    return services.metrics.registry.get_sample_value(
        "touchpoint_outbound_calls_total",
        {"platform": "teams", "method": method, "result": result}) or 0.0


async def test_help_in_a_personal_chat_answers_with_the_help_card(bot, connector):
    seed_erin(connector)

    status, _ = await post(bot.url, message(connector, "help"))

    assert status == 201
    [sent] = await connector.wait_for("send")
    assert sent.conversation_id == PERSONAL
    assert sent.authorization is None  # emulator mode: no token
    card = card_of(sent)
    assert card["version"] == "1.5"
    header, text, footer = card["body"]
    # The same template as Slack's /touchpoint help, in the Teams dialect.
    assert header == {"type": "TextBlock", "text": "Touchpoint: how can IT help?",
                      "weight": "Bolder", "size": "Medium", "wrap": True}
    assert "I help you tell IT how we are doing" in text["text"]
    # The usage is marked up as the Teams dialect marks typed commands.
    assert f"{TEAMS.code('help')}: Show this list of what I can do." in text["text"]
    assert footer["text"] == "Your feedback goes to the IT team that serves you."
    assert footer["isSubtle"] is True
    assert sent.body["summary"] == "Touchpoint: how can IT help?"


async def test_first_message_stores_the_reference_and_the_person(bot, connector):
    seed_erin(connector)

    await post(bot.url, message(connector, "help"))
    await connector.wait_for("send")

    [lookup] = connector.calls_of("get_member")
    assert lookup.query["memberId"] == ERIN["id"]
    async with bot.services.sessions() as session:
        person = (await session.exec(select(Person))).one()
        ref = (await session.exec(select(ConversationRef))).one()
    assert (person.teams_user_id, person.email, person.display_name) == (
        ERIN_AAD, "erin@example.com", "Erin Employee")
    assert person.segments == {"department": "Finance"}
    assert (ref.conversation_id, ref.kind, ref.person_id) == (PERSONAL, "personal", person.id)
    assert ref.reference["serviceUrl"] == connector.url
    assert ref.reference["conversation"]["tenantId"] == TENANT


async def test_a_later_proactive_dm_uses_the_stored_reference(bot, connector, settings):
    seed_erin(connector)
    await post(bot.url, message(connector, "help"))
    await connector.wait_for("send")
    connector.clear()

    # Another replica, sharing only the database, sends the DM.
    other = create_app(settings)
    services = other[SERVICES]
    try:
        async with services.sessions() as session:
            person = (await session.exec(select(Person))).one()
        ref = await services.chat.send_dm(person, Message("help", {"usages": [],
                                                                   "unknown": None}))
    finally:
        await services.engine.dispose()

    [sent] = connector.calls_of("send")
    assert sent.conversation_id == PERSONAL
    assert card_of(sent)["body"][0]["text"] == "Touchpoint: how can IT help?"
    assert (ref.platform, ref.channel, ref.message_id) == ("teams", PERSONAL,
                                                           connector.activities_in(PERSONAL)[-1]["id"])


async def test_a_dm_to_someone_without_the_app_is_undeliverable(bot, connector):
    async with bot.services.sessions() as session:
        person = Person(teams_user_id="0000aaaa-0000-4000-8000-000000000001",
                        display_name="Never Installed")
        session.add(person)
        await session.commit()

    with pytest.raises(Undeliverable):
        await bot.services.chat.send_dm(person, Message("help", {"usages": [],
                                                                 "unknown": None}))
    assert connector.calls == []


async def test_a_429_is_retried_after_retry_after_and_succeeds(bot, connector):
    seed_erin(connector)
    connector.fail_next("send", 429, retry_after=1)

    status, _ = await post(bot.url, message(connector, "help"))

    assert status == 201
    first, second = await connector.wait_for("send", 2)
    assert first.faulted and not second.faulted
    assert second.at - first.at >= 0.95
    assert card_of(second)["body"][0]["text"] == "Touchpoint: how can IT help?"
    assert outbound(bot.services, "send_to_conversation", "429") == 1
    assert outbound(bot.services, "send_to_conversation", "ok") == 1


async def test_help_in_teams_shows_how_to_type_each_command(bot, connector):
    seed_erin(connector)

    await post(bot.url, message(connector, "help"))

    [sent] = await connector.wait_for("send")
    text = card_of(sent)["body"][1]["text"]
    assert f"• {TEAMS.code('complain what went wrong')}: Tell IT about a problem" in text
    assert f"• {TEAMS.code('kudos @name what they did')}: Thank someone in IT" in text
    assert f"• {TEAMS.code('pulses off|on')}:" in text
    assert "In a channel or group chat, mention me first" in text


async def test_help_asked_in_a_channel_is_answered_in_a_private_chat(bot, connector):
    seed_erin(connector, CHANNEL)
    activity = message(
        connector, "<at>Touchpoint</at> help", conversation=f"{CHANNEL};messageid=1700000000100",
        kind="channel", textFormat="xml",
        entities=[{"type": "mention", "text": "<at>Touchpoint</at>", "mentioned": BOT}],
        channelData={"tenant": {"id": TENANT}, "team": {"id": CHANNEL},
                     "channel": {"id": CHANNEL}})

    status, _ = await post(bot.url, activity)

    assert status == 201
    [created] = await connector.wait_for("create_conversation")
    assert [m["id"] for m in created.body["members"]] == [ERIN["id"]]
    [sent] = await connector.wait_for("send")
    assert sent.conversation_id != CHANNEL and not sent.conversation_id.startswith("19:")
    assert card_of(sent)["body"][0]["text"] == "Touchpoint: how can IT help?"
    assert connector.activities_in(CHANNEL) == []
    async with bot.services.sessions() as session:
        [ref] = (await session.exec(select(ConversationRef))).all()
    assert (ref.conversation_id, ref.kind, ref.person_id) == (CHANNEL, "channel", None)


async def test_a_post_to_a_configured_channel_can_be_replied_to_and_updated(bot, connector):
    channel = "19:triage@thread.tacv2"  # app.yaml's triage channel, never seen by the bot
    chat = bot.services.chat

    [posted] = await chat.post(ChannelTarget(teams=channel),
                               Message("help", {"usages": [], "unknown": None}))
    reply = await chat.reply_in_thread(posted, Message("errors/unexpected"))
    await chat.edit(posted, Message("help", {"usages": [], "unknown": "resolved"}))

    [sent] = connector.calls_of("send")
    assert (sent.conversation_id, posted.channel) == (channel, channel)
    [replied] = connector.calls_of("reply")
    assert (replied.activity_id, reply.message_id) == (
        posted.message_id, connector.activities_in(channel)[1]["id"])
    [updated] = connector.calls_of("update")
    assert updated.activity_id == posted.message_id
    first = connector.activities_in(channel)[0]
    assert first["id"] == posted.message_id
    assert "resolved" in first["attachments"][0]["content"]["body"][1]["text"]


async def test_server_errors_are_retried_and_a_removed_bot_is_undeliverable(bot, connector):
    seed_erin(connector)
    await post(bot.url, message(connector, "help"))
    await connector.wait_for("send")
    async with bot.services.sessions() as session:
        person = (await session.exec(select(Person))).one()
    hello = Message("help", {"usages": [], "unknown": None})

    connector.fail_next("send", 503)
    await bot.services.chat.send_dm(person, hello)
    connector.fail_next("send", 403)
    with pytest.raises(Undeliverable):
        await bot.services.chat.send_dm(person, hello)

    assert [c.faulted for c in connector.calls_of("send")] == [False, True, False, True]
    assert outbound(bot.services, "send_to_conversation", "503") == 1
    assert outbound(bot.services, "send_to_conversation", "403") == 1



async def test_installing_in_a_team_adds_its_members_to_the_directory(bot, connector):
    seed_erin(connector, CHANNEL)
    connector.add_member(CHANNEL, id="29:1tom", name="Tom Tech", aad_object_id="TOM-AAD-1",
                         email="tech1@example.com", tenant_id=TENANT)
    update = recorded("conversation_update_members_added", serviceUrl=connector.url,
                      recipient=BOT, membersAdded=[{"id": BOT["id"]}])
    update["conversation"].update(id=CHANNEL, tenantId=TENANT)
    update["channelData"].update(team={"id": CHANNEL, "name": "IT"}, tenant={"id": TENANT})

    status, _ = await post(bot.url, update)

    assert status == 201
    [page] = connector.calls_of("get_paged_members")
    assert page.conversation_id == CHANNEL
    async with bot.services.sessions() as session:
        people = {p.teams_user_id: p for p in (await session.exec(select(Person)))}
        [ref] = (await session.exec(select(ConversationRef))).all()
    assert people["tom-aad-1"].role == "it_staff"  # by email, from app.yaml
    assert people[ERIN_AAD].email == "erin@example.com"
    assert (ref.conversation_id, ref.kind, ref.person_id) == (CHANNEL, "channel", None)
    assert connector.calls_of("send") == []


async def test_removing_the_bot_forgets_the_conversation(bot, connector):
    seed_erin(connector)
    await post(bot.url, message(connector, "help"))
    await connector.wait_for("send")
    update = recorded("conversation_update_members_removed", serviceUrl=connector.url,
                      recipient=BOT, membersRemoved=[{"id": BOT["id"]}], channelData={
                          "tenant": {"id": TENANT}})
    update["conversation"] = {"id": PERSONAL, "conversationType": "personal",
                              "tenantId": TENANT}

    status, _ = await post(bot.url, update)

    assert status == 201
    async with bot.services.sessions() as session:
        assert (await session.exec(select(ConversationRef))).all() == []


@pytest.mark.parametrize(("body", "headers", "reason"), [
    (b"{not json", {"Content-Type": "application/json"}, "body is not valid JSON"),
    (b'{"type": "message"}', {}, "Content-Type must be application/json"),
    (b'{"type": "message"}', {"Content-Type": "text/plain"},
     "Content-Type must be application/json"),
    (b"[1, 2]", {"Content-Type": "application/json"}, "body must be a JSON object"),
    (b'{"text": "help"}', {"Content-Type": "application/json"}, "activity has no type"),
    (b'{"type": 7}', {"Content-Type": "application/json"}, "activity has no type"),
    (b'{"type": "message", "serviceUrl": "file:///etc/passwd", "conversation": {"id": "a"}}',
     {"Content-Type": "application/json"}, "activity has no serviceUrl"),
    (b'{"type": "message", "serviceUrl": "http://127.0.0.1:9/"}',
     {"Content-Type": "application/json"}, "activity has no conversation id"),
    (b"\xff\xfe", {"Content-Type": "application/json"}, "body is not valid JSON"),
])
async def test_malformed_requests_get_400_with_a_reason(bot, connector, body, headers, reason):
    status, text = await post(bot.url, body, headers)

    assert (status, text.strip().startswith(reason)) == (400, True)
    assert connector.calls == []
    async with bot.services.sessions() as session:
        assert (await session.exec(select(ConversationRef))).all() == []


async def test_an_unknown_invoke_is_501_not_500(bot, connector):
    """Touchpoint's cards use Action.Submit; an Action.Execute invoke is not for it."""
    invoke = recorded("invoke_card_action", serviceUrl=connector.url, recipient=BOT,
                      channelData={"tenant": {"id": TENANT}})
    invoke["from"] = account(ERIN)
    invoke["conversation"].update(id=PERSONAL, tenantId=TENANT)

    status, _ = await post(bot.url, invoke)

    assert status == 501


@pytest.fixture
async def secured_bot(make_settings, connector):
    """The app with a Microsoft app id configured: Bot Framework authentication on."""
    settings = make_settings(env={"MICROSOFT_APP_ID": "0b5e1a6c-0000-4000-8000-00000000b0b0",
                                  "MICROSOFT_APP_PASSWORD": "app-password",
                                  "TOUCHPOINT_TEAMS_DEV_MODE": None})
    async with TestServer(create_app(settings)) as server:
        yield server


@pytest.mark.parametrize("authorization", [
    None,
    "",
    "Basic dXNlcjpwYXNz",
    "Bearer ",
    "Bearer not-a-jwt",
    # A JWT shape whose issuer is not the Bot Framework's: refused before any key lookup.
    "Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2V2aWwuZXhhbXBsZSJ9.c2ln",
])
async def test_unauthenticated_activities_get_401_when_an_app_id_is_set(
        secured_bot, connector, authorization):
    seed_erin(connector)
    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization

    status, text = await post(str(secured_bot.make_url("/")), message(connector, "help"),
                              headers)

    assert (status, text) == (401, "")
    assert connector.calls == []
    async with secured_bot.app[SERVICES].sessions() as session:
        assert (await session.exec(select(Person))).all() == []


async def test_a_failing_turn_gets_a_kind_apology_and_no_details(bot, connector):
    seed_erin(connector)
    async with bot.services.engine.begin() as connection:
        await connection.execute(text("DROP TABLE conversation_ref"))

    status, body = await post(bot.url, message(connector, "help"))

    assert (status, body) == (201, "")
    [apology] = await connector.wait_for("reply")
    card = card_of(apology)
    assert card["body"][0]["text"].startswith("Sorry, something went wrong on our side")
    assert "conversation_ref" not in json.dumps(apology.body)
    assert connector.calls_of("send") == []  # no help: the turn stopped where it failed


async def test_an_unknown_word_is_named_back_escaped_and_cut_short(bot, connector):
    # Teams Markdown has backslash escapes: the word's markup shows as typed, in bold, cut.
    seed_erin(connector)

    await post(bot.url, message(connector, "*b*_i_~s~" + "x" * 4000))

    [sent] = await connector.wait_for("send")
    text = card_of(sent)["body"][1]["text"]
    kept = "x" * (ECHO_LIMIT - 1 - len("*b*_i_~s~"))
    assert f"Sorry, I don't know **\\*b\\*\\_i\\_\\~s\\~{kept}…**." in text
    assert sent.body["summary"] == "Touchpoint: how can IT help?"
