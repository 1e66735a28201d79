"""The Bot Connector emulator answered through botframework-connector's real clients."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from botbuilder.core import MessageFactory, TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import (
    Activity,
    Attachment,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
    ErrorResponseException,
)
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import MicrosoftAppCredentials
from botframework.connector.teams import TeamsConnectorClient

from bot.emulators.teams import BotConnectorEmulator

# A channel thread id: ':' '@' ';' '=' all have to survive the URL path.
THREAD = "19:abc123@thread.tacv2;messageid=1699999999999"
PERSONAL = "a:1b2c3d4e5f"


@pytest.fixture
async def teams() -> AsyncIterator[BotConnectorEmulator]:
    async with BotConnectorEmulator() as emulator:
        yield emulator


@pytest.fixture
async def client(teams: BotConnectorEmulator) -> AsyncIterator[ConnectorClient]:
    # Empty credentials are what botbuilder uses in emulator mode (no app id): no token.
    async with ConnectorClient(MicrosoftAppCredentials.empty(), base_url=teams.url) as client:
        yield client


def message(text: str, **fields: object) -> Activity:
    return Activity(type="message", text=text, **fields)


def seed_roster(teams: BotConnectorEmulator, conversation_id: str, size: int) -> None:
    for n in range(size):
        teams.add_member(
            conversation_id,
            f"29:user{n}",
            f"User {n}",
            f"aad-{n}",
            email=f"user{n}@example.com",
        )


async def test_url_is_a_service_url(teams: BotConnectorEmulator) -> None:
    assert teams.url.startswith("http://127.0.0.1:")
    assert teams.url.endswith("/")
    assert not teams.url.endswith("//")


async def test_send_then_update(teams: BotConnectorEmulator, client: ConnectorClient) -> None:
    sent = await client.conversations.send_to_conversation(THREAD, message("Outage: mail"))
    assert sent.id == "1700000000001"
    updated = await client.conversations.update_activity(
        THREAD, sent.id, message("Resolved: mail", id=sent.id)
    )
    assert updated.id == sent.id
    second = await client.conversations.send_to_conversation(THREAD, message("next"))
    assert second.id == "1700000000002"

    assert [c.method for c in teams.calls] == ["send", "update", "send"]
    send, update, _ = teams.calls
    assert send.conversation_id == THREAD
    assert send.activity_id is None
    assert send.body == {"type": "message", "text": "Outage: mail"}
    assert send.authorization is None
    assert send.faulted is False
    assert (update.conversation_id, update.activity_id) == (THREAD, "1700000000001")
    assert [(a["id"], a["text"]) for a in teams.activities_in(THREAD)] == [
        ("1700000000001", "Resolved: mail"),
        ("1700000000002", "next"),
    ]


async def test_update_of_unknown_activity_is_404(
    teams: BotConnectorEmulator, client: ConnectorClient
) -> None:
    await client.conversations.send_to_conversation(THREAD, message("hi"))
    with pytest.raises(ErrorResponseException) as err:
        await client.conversations.update_activity(THREAD, "42", message("nope", id="42"))
    assert err.value.response.status_code == 404
    assert err.value.error.error.code == "ActivityNotFound"
    with pytest.raises(ErrorResponseException):
        # The activity exists, but in another conversation.
        await client.conversations.update_activity(
            PERSONAL, "1700000000001", message("nope", id="1700000000001")
        )
    assert [a["text"] for a in teams.activities_in(THREAD)] == ["hi"]


async def test_reply_and_delete(teams: BotConnectorEmulator, client: ConnectorClient) -> None:
    # Replies usually answer the user's activity, which the emulator never saw.
    reply = await client.conversations.reply_to_activity(
        PERSONAL, "f:inbound-1", message("Thanks for the feedback", reply_to_id="f:inbound-1")
    )
    (call,) = teams.calls_of("reply")
    assert (call.conversation_id, call.activity_id) == (PERSONAL, "f:inbound-1")
    (stored,) = teams.activities_in(PERSONAL)
    assert stored["id"] == reply.id
    assert stored["replyToId"] == "f:inbound-1"

    await client.conversations.delete_activity(PERSONAL, reply.id)
    assert teams.activities_in(PERSONAL) == []
    with pytest.raises(ErrorResponseException) as err:
        await client.conversations.delete_activity(PERSONAL, reply.id)
    assert err.value.response.status_code == 404
    assert [c.method for c in teams.calls] == ["reply", "delete", "delete"]


async def test_ids_with_slashes_and_spaces_are_decoded(
    teams: BotConnectorEmulator, client: ConnectorClient
) -> None:
    odd = "19:a/b c@thread.v2;messageid=1"
    sent = await client.conversations.send_to_conversation(odd, message("hi"))
    assert teams.calls[0].conversation_id == odd
    assert [a["id"] for a in teams.activities_in(odd)] == [sent.id]


async def test_typing_is_acknowledged_but_not_kept(
    teams: BotConnectorEmulator, client: ConnectorClient
) -> None:
    await client.conversations.send_to_conversation(PERSONAL, Activity(type="typing"))
    assert teams.activities_in(PERSONAL) == []
    assert len(teams.calls_of("send")) == 1


async def test_paged_members(teams: BotConnectorEmulator, client: ConnectorClient) -> None:
    seed_roster(teams, THREAD, 120)
    ids: list[str] = []
    tokens: list[str | None] = []
    token = None
    while True:
        page = await client.conversations.get_conversation_paged_members(
            THREAD, page_size=50, continuation_token=token
        )
        ids += [m.id for m in page.members]
        token = page.continuation_token
        tokens.append(token)
        if not token:
            break
    assert ids == [f"29:user{n}" for n in range(120)]
    assert len(tokens) == 3 and tokens[-1] is None
    calls = teams.calls_of("get_paged_members")
    assert calls[0].query == {"pageSize": "50"}
    assert calls[1].query == {"pageSize": "50", "continuationToken": tokens[0]}


async def test_paged_members_page_size_is_clamped_like_teams(
    teams: BotConnectorEmulator, client: ConnectorClient
) -> None:
    seed_roster(teams, THREAD, 60)
    small = await client.conversations.get_conversation_paged_members(THREAD, page_size=10)
    assert len(small.members) == 50  # Teams' minimum page size
    default = await client.conversations.get_conversation_paged_members(THREAD)
    assert len(default.members) == 60
    assert default.continuation_token is None


async def test_teams_paged_members_carry_teams_fields(
    teams: BotConnectorEmulator, client: ConnectorClient
) -> None:
    teams.add_member(
        THREAD, "29:ada", "Ada Lovelace", "aad-ada", email="ada@example.com", tenant_id="t-9"
    )
    page = await client.conversations.get_teams_conversation_paged_members(THREAD)
    (member,) = page.members
    assert (member.id, member.name, member.aad_object_id) == ("29:ada", "Ada Lovelace", "aad-ada")
    assert (member.given_name, member.surname) == ("Ada", "Lovelace")
    assert (member.email, member.user_principal_name) == ("ada@example.com", "ada@example.com")
    assert (member.tenant_id, member.user_role) == ("t-9", "user")


async def test_members_and_member(teams: BotConnectorEmulator, client: ConnectorClient) -> None:
    seed_roster(teams, PERSONAL, 2)
    members = await client.conversations.get_conversation_members(PERSONAL)
    assert [m.id for m in members] == ["29:user0", "29:user1"]
    member = await client.conversations.get_conversation_member(PERSONAL, "29:user1")
    assert (member.id, member.aad_object_id) == ("29:user1", "aad-1")
    with pytest.raises(ErrorResponseException) as err:
        await client.conversations.get_conversation_member(PERSONAL, "29:stranger")
    assert err.value.response.status_code == 404
    assert err.value.error.error.code == "MemberNotFoundInConversation"
    with pytest.raises(ErrorResponseException) as unknown:
        await client.conversations.get_conversation_members("a:never-seen")
    assert unknown.value.error.error.code == "ConversationNotFound"
    assert teams.calls_of("get_member")[0].query == {"memberId": "29:user1"}


async def test_create_conversation(teams: BotConnectorEmulator, client: ConnectorClient) -> None:
    params = ConversationParameters(
        is_group=False,
        bot=ChannelAccount(id="28:bot"),
        members=[ChannelAccount(id="29:ada")],
        tenant_id="tenant-1",
        activity=message("Welcome"),
    )
    created = await client.conversations.create_conversation(params)
    assert created.id.startswith("a:")
    assert created.service_url == teams.url
    assert [a["text"] for a in teams.activities_in(created.id)] == ["Welcome"]
    assert created.activity_id == teams.activities_in(created.id)[0]["id"]
    again = await client.conversations.create_conversation(
        ConversationParameters(members=[ChannelAccount(id="29:ada")], tenant_id="tenant-1")
    )
    assert again.id == created.id  # one 1:1 chat per person
    assert again.activity_id is None
    other = await client.conversations.create_conversation(
        ConversationParameters(members=[ChannelAccount(id="29:bob")], tenant_id="tenant-1")
    )
    assert other.id != created.id
    assert teams.calls_of("create_conversation")[0].body["members"] == [{"id": "29:ada"}]


async def test_create_channel_thread(teams: BotConnectorEmulator, client: ConnectorClient) -> None:
    params = ConversationParameters(
        is_group=True,
        channel_data={"channel": {"id": "19:ops@thread.tacv2"}},
        activity=message("Maintenance tonight"),
    )
    created = await client.conversations.create_conversation(params)
    assert created.activity_id == "1700000000001"
    assert created.id == "19:ops@thread.tacv2;messageid=1700000000001"
    assert [a["text"] for a in teams.activities_in(created.id)] == ["Maintenance tonight"]


async def test_rate_limited_fault(teams: BotConnectorEmulator, client: ConnectorClient) -> None:
    teams.fail_next("send", status=429, retry_after=3)
    with pytest.raises(ErrorResponseException) as err:
        await client.conversations.send_to_conversation(PERSONAL, message("hi"))
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "3"
    assert err.value.error.error.code == "TooManyRequests"
    assert teams.activities_in(PERSONAL) == []

    sent = await client.conversations.send_to_conversation(PERSONAL, message("hi"))
    assert [c.faulted for c in teams.calls_of("send")] == [True, False]
    assert [a["id"] for a in teams.activities_in(PERSONAL)] == [sent.id]


async def test_server_error_fault_on_a_send_surfaces(
    teams: BotConnectorEmulator, client: ConnectorClient
) -> None:
    teams.fail_next("send", status=503)
    with pytest.raises(ErrorResponseException) as err:
        await client.conversations.send_to_conversation(PERSONAL, message("hi"))
    assert err.value.response.status_code == 503
    assert err.value.error.error.code == "ServiceUnavailable"
    assert "Retry-After" not in err.value.response.headers
    assert [c.faulted for c in teams.calls] == [True]


async def test_server_error_fault_on_a_read_is_retried_by_the_client(
    teams: BotConnectorEmulator, client: ConnectorClient
) -> None:
    # The "aio" client sends through requests + urllib3, whose Retry retries 5xx for
    # GET/PUT/DELETE (not POST); the first retry comes without delay.
    seed_roster(teams, THREAD, 1)
    teams.fail_next("get_paged_members", status=503)
    page = await client.conversations.get_conversation_paged_members(THREAD)
    assert [m.id for m in page.members] == ["29:user0"]
    assert [c.faulted for c in teams.calls] == [True, False]


async def test_rate_limit_global(teams: BotConnectorEmulator, client: ConnectorClient) -> None:
    teams.rate_limit("*", per_second=1, burst=2)
    await client.conversations.send_to_conversation(PERSONAL, message("1"))
    await client.conversations.reply_to_activity(THREAD, "x", message("2"))
    with pytest.raises(ErrorResponseException) as err:
        await client.conversations.send_to_conversation("a:other", message("3"))
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "1"
    assert [c.faulted for c in teams.calls] == [False, False, True]


async def test_rate_limit_per_conversation(
    teams: BotConnectorEmulator, client: ConnectorClient
) -> None:
    teams.rate_limit("send", per_second=0.5, burst=1, per_conversation=True)
    await client.conversations.send_to_conversation(PERSONAL, message("1"))
    with pytest.raises(ErrorResponseException) as err:
        await client.conversations.send_to_conversation(PERSONAL, message("2"))
    assert err.value.response.headers["Retry-After"] == "2"
    await client.conversations.send_to_conversation(THREAD, message("other conversation"))
    await client.conversations.reply_to_activity(PERSONAL, "x", message("not a send"))
    assert [c.faulted for c in teams.calls] == [False, True, False, False]


async def test_authorization_header_is_recorded(
    teams: BotConnectorEmulator, client: ConnectorClient
) -> None:
    await client.conversations.send_to_conversation(
        PERSONAL, message("hi"), custom_headers={"Authorization": "Bearer abc"}
    )
    assert teams.calls[0].authorization == "Bearer abc"


async def test_proactive_message_through_cloud_adapter(teams: BotConnectorEmulator) -> None:
    class EmulatorModeConfig:
        APP_ID = ""
        APP_PASSWORD = ""
        APP_TYPE = "MultiTenant"
        APP_TENANTID = ""

    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(EmulatorModeConfig()))
    reference = ConversationReference(
        service_url=teams.url,
        channel_id="msteams",
        conversation=ConversationAccount(id=PERSONAL, conversation_type="personal"),
        bot=ChannelAccount(id="28:bot"),
        user=ChannelAccount(id="29:ada"),
    )

    async def callback(turn: TurnContext) -> None:
        sent = await turn.send_activity(MessageFactory.text("Your ticket was resolved"))
        assert sent is not None
        edited = MessageFactory.text("Your ticket was resolved. Rate us?")
        edited.id = sent.id
        await turn.update_activity(edited)

    await adapter.continue_conversation(reference, callback, "")
    # continue_conversation invents an activity to answer, so the send arrives as a reply.
    reply, update = teams.calls
    assert reply.method == "reply"
    assert reply.authorization is None
    assert reply.body["replyToId"] == reply.activity_id
    assert update.method == "update"
    (current,) = teams.activities_in(PERSONAL)
    assert current["text"] == "Your ticket was resolved. Rate us?"
    assert current["from"] == {"id": "28:bot"}


async def test_team_details_and_channels(teams: BotConnectorEmulator) -> None:
    team_id = "19:team@thread.tacv2"
    teams.add_team(team_id, "IT", aad_group_id="g-1", channels={"19:ops@thread.tacv2": "Ops"})
    client = TeamsConnectorClient(MicrosoftAppCredentials.empty(), base_url=teams.url)
    # These two operations are synchronous (requests) in 4.17.1: on the event loop they
    # would block the very server they call, so they run in a thread.
    details = await asyncio.to_thread(client.teams.get_team_details, team_id)
    channels = await asyncio.to_thread(client.teams.get_teams_channels, team_id)
    assert (details.id, details.name, details.aad_group_id) == (team_id, "IT", "g-1")
    assert details.channel_count == 2
    assert [(c.id, c.name) for c in channels.conversations] == [
        (team_id, None),
        ("19:ops@thread.tacv2", "Ops"),
    ]
    assert [c.conversation_id for c in teams.calls] == [team_id, team_id]


async def test_wait_for(teams: BotConnectorEmulator, client: ConnectorClient) -> None:
    async def later() -> None:
        await asyncio.sleep(0.05)
        await client.conversations.send_to_conversation(PERSONAL, message("late"))

    task = asyncio.create_task(later())
    (call,) = await teams.wait_for("send", timeout=2)
    assert call.body["text"] == "late"
    await task
    with pytest.raises(AssertionError, match=r"'update'.*got 0.*send x1"):
        await teams.wait_for("update", timeout=0.05)
    teams.clear()
    assert teams.calls == []
    assert teams.calls_of("send") == []
    assert len(teams.activities_in(PERSONAL)) == 1  # state survives clear()


# --------------------------------------------------------------------------- what Teams refuses

def card(*body: dict) -> Activity:
    return Activity(type="message", attachments=[Attachment(
        content_type="application/vnd.microsoft.card.adaptive",
        content={"type": "AdaptiveCard", "version": "1.5", "body": list(body)})])


async def test_a_message_over_28_kb_is_refused_as_too_big(teams: BotConnectorEmulator,
                                                          client: ConnectorClient) -> None:
    # A 22 KB PNG as a data URI: more than the whole message may carry.
    data_uri = "data:image/png;base64," + "A" * (22_000 * 4 // 3)
    with pytest.raises(ErrorResponseException) as refused:
        await client.conversations.send_to_conversation(
            THREAD, card({"type": "Image", "url": data_uri, "altText": "a chart"}))

    assert refused.value.response.status_code == 413
    assert refused.value.error.error.code == "MessageSizeTooBig"
    [call] = teams.calls_of("send")
    assert call.faulted is False and call.size > teams.max_message_bytes
    assert teams.activities_in(THREAD) == []

    sent = await client.conversations.send_to_conversation(THREAD, card(
        {"type": "Image", "url": "https://touchpoint.example.com/images/x", "altText": "c"}))
    with pytest.raises(ErrorResponseException) as refused:
        await client.conversations.update_activity(THREAD, sent.id, card(
            {"type": "TextBlock", "text": "x" * 30_000}))
    assert refused.value.response.status_code == 413
    assert teams.activities_in(THREAD)[0]["attachments"][0]["content"]["body"][0]["type"] == (
        "Image")


@pytest.mark.parametrize("image", [
    {"type": "Image", "altText": "a chart"},
    {"type": "Image", "url": "", "altText": "a chart"},
    {"type": "Container", "items": [{"type": "ColumnSet", "columns": [
        {"type": "Column", "items": [{"type": "Image", "altText": "deep"}]}]}]},
])
async def test_a_card_image_without_a_url_is_refused(teams: BotConnectorEmulator,
                                                     client: ConnectorClient,
                                                     image: dict) -> None:
    with pytest.raises(ErrorResponseException) as refused:
        await client.conversations.send_to_conversation(THREAD, card(image))

    assert refused.value.response.status_code == 400
    assert teams.activities_in(THREAD) == []
