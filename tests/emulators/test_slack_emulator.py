"""The Slack emulator answered through the real slack_sdk client."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp import WSCloseCode, WSMessage, WSMsgType
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.emulators.slack import WAIT_S, SlackEmulator, TokenBucket

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "slack"
BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Rate us*"}}]


@pytest.fixture
async def slack() -> AsyncIterator[SlackEmulator]:
    async with SlackEmulator() as emulator:
        yield emulator


@pytest.fixture
def client(slack: SlackEmulator) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-test", base_url=slack.url)


def socket_mode_client(slack: SlackEmulator, **options: Any) -> SocketModeClient:
    # A long ping interval: the monitor's own pings and reconnects stay out of the tests.
    options.setdefault("ping_interval", 30)
    return SocketModeClient(app_token="xapp-1-test", web_client=AsyncWebClient(
        token="xoxb-test", base_url=slack.url), **options)


@pytest.fixture
async def socket_client(slack: SlackEmulator) -> AsyncIterator[SocketModeClient]:
    """slack_sdk's aiohttp Socket Mode client that acks every envelope with "seen"."""
    client = socket_mode_client(slack)

    async def ack(client: SocketModeClient, request: SocketModeRequest) -> None:
        await client.send_socket_mode_response(
            SocketModeResponse(request.envelope_id, payload={"text": "seen"}))

    client.socket_mode_request_listeners.append(ack)
    yield client
    await client.close()


async def test_url_is_a_slack_sdk_base_url(slack: SlackEmulator) -> None:
    assert slack.url.startswith("http://127.0.0.1:")
    assert slack.url.endswith("/api/")
    assert slack.response_url("r1") == slack.url.replace("/api/", "/response/r1")


async def test_url_before_start_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="start"):
        _ = SlackEmulator().url


async def test_post_then_update_round_trip(slack: SlackEmulator, client: AsyncWebClient) -> None:
    posted = await client.chat_postMessage(channel="C123", text="How did we do?", blocks=BLOCKS)
    assert posted["channel"] == "C123"
    assert posted["ts"] == "1700000000.000100"
    assert posted["message"]["blocks"] == BLOCKS
    assert posted["message"]["bot_id"] == "BBOT"

    updated = await client.chat_update(channel="C123", ts=posted["ts"], text="Thanks!", blocks=[])
    assert updated["ts"] == "1700000000.000100"
    assert updated["text"] == "Thanks!"

    second = await client.chat_postMessage(channel="C123", text="next")
    assert second["ts"] == "1700000000.000300"  # the edit took .000200

    assert [c.method for c in slack.calls] == [
        "chat.postMessage",
        "chat.update",
        "chat.postMessage",
    ]
    first = slack.calls[0]
    assert first.args == {"channel": "C123", "text": "How did we do?", "blocks": BLOCKS}
    assert first.headers["Authorization"] == "Bearer xoxb-test"
    assert first.faulted is False
    assert slack.calls_to("chat.update")[0].args["ts"] == "1700000000.000100"
    message = slack.message("C123", "1700000000.000100")
    assert message is not None
    assert message["text"] == "Thanks!"
    assert message["blocks"] == []
    assert [m["text"] for m in slack.messages_in("C123")] == ["Thanks!", "next"]


async def test_update_of_unknown_message_is_message_not_found(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    posted = await client.chat_postMessage(channel="C1", text="hi")
    with pytest.raises(SlackApiError) as err:
        await client.chat_update(channel="C2", ts=posted["ts"], text="wrong channel")
    assert err.value.response["error"] == "message_not_found"
    assert err.value.response.status_code == 200


async def test_delete_then_update_is_message_not_found(client: AsyncWebClient) -> None:
    posted = await client.chat_postMessage(channel="C1", text="hi")
    deleted = await client.chat_delete(channel="C1", ts=posted["ts"])
    assert (deleted["channel"], deleted["ts"]) == ("C1", posted["ts"])
    with pytest.raises(SlackApiError, match="message_not_found"):
        await client.chat_update(channel="C1", ts=posted["ts"], text="gone")


async def test_post_needs_text_or_blocks(client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError, match="no_text"), pytest.warns(UserWarning, match="text"):
        await client.chat_postMessage(channel="C1")


async def test_form_body_and_query_params_are_parsed(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    # slack_sdk sends `data=` as a form body and `params=` methods in the query string.
    await client.api_call(
        "chat.postMessage",
        data={"channel": "C9", "text": "[not json]", "blocks": json.dumps(BLOCKS)},
    )
    await client.reactions_add(channel="C9", name="tada", timestamp="1700000000.000100")

    form_call, query_call = slack.calls
    assert form_call.args == {"channel": "C9", "text": "[not json]", "blocks": BLOCKS}
    assert form_call.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert query_call.args == {"channel": "C9", "name": "tada", "timestamp": "1700000000.000100"}
    message = slack.message("C9", "1700000000.000100")
    assert message is not None
    assert message["reactions"] == [{"name": "tada", "users": ["UBOT"], "count": 1}]
    with pytest.raises(SlackApiError, match="already_reacted"):
        await client.reactions_add(channel="C9", name="tada", timestamp="1700000000.000100")


async def test_token_in_form_field_is_accepted_and_not_recorded(slack: SlackEmulator) -> None:
    anonymous = AsyncWebClient(base_url=slack.url)
    response = await anonymous.api_call("auth.test", data={"token": "xoxb-form"})
    assert response["user_id"] == "UBOT"
    assert slack.calls[0].args == {}


async def test_authentication_errors() -> None:
    async with SlackEmulator(tokens={"xoxb-good"}) as slack:
        with pytest.raises(SlackApiError) as missing:
            await AsyncWebClient(base_url=slack.url).auth_test()
        assert missing.value.response["error"] == "not_authed"
        with pytest.raises(SlackApiError) as wrong:
            await AsyncWebClient(token="xoxb-bad", base_url=slack.url).auth_test()
        assert wrong.value.response["error"] == "invalid_auth"
        ok = await AsyncWebClient(token="xoxb-good", base_url=slack.url).auth_test()
        assert ok["team_id"] == "T1"
        assert len(slack.calls_to("auth.test")) == 3


async def test_default_tokens_are_bot_and_app_tokens(slack: SlackEmulator) -> None:
    assert (await AsyncWebClient(token="xapp-1", base_url=slack.url).auth_test())["ok"]
    with pytest.raises(SlackApiError, match="invalid_auth"):
        await AsyncWebClient(token="xoxp-user", base_url=slack.url).auth_test()


async def test_auth_test(client: AsyncWebClient) -> None:
    response = await client.auth_test()
    assert response.data == {
        "ok": True,
        "url": "https://touchpoint-test.slack.com/",
        "team": "Touchpoint Test",
        "user": "touchpoint",
        "team_id": "T1",
        "user_id": "UBOT",
        "bot_id": "BBOT",
        "is_enterprise_install": False,
    }


async def test_unknown_method(slack: SlackEmulator, client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as err:
        await client.api_call("touchpoint.nothing")
    assert err.value.response.status_code == 200
    assert err.value.response["error"] == "unknown_method"
    assert slack.calls[0].method == "touchpoint.nothing"


async def test_users_list_paginates_with_cursor(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    for n in range(1, 6):
        slack.add_user(f"U{n}", f"user{n}")
    pages = [[m["id"] for m in page["members"]] async for page in await client.users_list(limit=2)]
    assert pages == [["U1", "U2"], ["U3", "U4"], ["U5"]]
    calls = slack.calls_to("users.list")
    assert "cursor" not in calls[0].args
    assert calls[1].args["cursor"] and calls[2].args["cursor"]
    assert calls[1].args["cursor"] != calls[2].args["cursor"]
    assert all(c.args["limit"] == "2" for c in calls)


async def test_users_list_default_page_and_last_cursor(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    for n in range(201):
        slack.add_user(f"U{n:03d}", f"user{n}")
    first = await client.users_list()
    assert len(first["members"]) == 200
    cursor = first["response_metadata"]["next_cursor"]
    assert cursor
    last = await client.users_list(cursor=cursor)
    assert [m["id"] for m in last["members"]] == ["U200"]
    assert last["response_metadata"]["next_cursor"] == ""
    with pytest.raises(SlackApiError, match="invalid_cursor"):
        await client.users_list(cursor="not-a-cursor")


async def test_users_info_and_lookup_by_email(slack: SlackEmulator, client: AsyncWebClient) -> None:
    seeded = slack.add_user(
        "U1", "ada", email="ada@example.com", tz="America/New_York", title="IT lead"
    )
    info = await client.users_info(user="U1", include_locale=True)
    assert info["user"] == seeded
    assert info["user"]["real_name"] == "Ada"
    assert info["user"]["profile"]["email"] == "ada@example.com"
    assert info["user"]["profile"]["title"] == "IT lead"
    now = datetime.now(UTC).astimezone(ZoneInfo("America/New_York"))
    assert info["user"]["tz_offset"] == now.utcoffset().total_seconds()  # type: ignore[union-attr]

    found = await client.users_lookupByEmail(email="ADA@example.com")
    assert found["user"]["id"] == "U1"
    with pytest.raises(SlackApiError) as err:
        await client.users_lookupByEmail(email="nobody@example.com")
    assert err.value.response["error"] == "users_not_found"
    with pytest.raises(SlackApiError, match="user_not_found"):
        await client.users_info(user="U404")


async def test_usergroups(slack: SlackEmulator, client: AsyncWebClient) -> None:
    slack.add_usergroup("S1", "it-leads", ["U1", "U2"], name="IT leads")
    listed = await client.usergroups_list(include_users=True)
    assert listed["usergroups"][0]["handle"] == "it-leads"
    assert listed["usergroups"][0]["users"] == ["U1", "U2"]
    assert listed["usergroups"][0]["user_count"] == 2
    without_users = await client.usergroups_list()
    assert "users" not in without_users["usergroups"][0]
    members = await client.usergroups_users_list(usergroup="S1")
    assert members["users"] == ["U1", "U2"]
    with pytest.raises(SlackApiError, match="no_such_subteam"):
        await client.usergroups_users_list(usergroup="S404")


async def test_conversations_open_is_stable_and_matches_post_to_user(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    first = await client.conversations_open(users=["U1"])
    dm = first["channel"]["id"]
    assert dm == SlackEmulator.dm_channel("U1")
    assert dm.startswith("D")
    assert "already_open" not in first
    again = await client.conversations_open(users="U1")
    assert again["channel"]["id"] == dm
    assert again["already_open"] is True
    other = await client.conversations_open(users=["U2"])
    assert other["channel"]["id"] != dm
    assert slack.calls_to("conversations.open")[0].args == {"users": "U1"}

    posted = await client.chat_postMessage(channel="U1", text="hello")
    assert posted["channel"] == dm  # Slack answers the DM id, not the user id
    await client.chat_update(channel=dm, ts=posted["ts"], text="edited")


async def test_ephemeral_message(slack: SlackEmulator, client: AsyncWebClient) -> None:
    response = await client.chat_postEphemeral(channel="C1", user="U1", text="only you")
    assert response["message_ts"] == "1700000000.000100"
    assert slack.messages_in("C1") == []
    # A conversation, not a user: Slack finds no channel called U1.
    with pytest.raises(SlackApiError, match="channel_not_found"):
        await client.chat_postEphemeral(channel="U1", user="U1", text="only you")


async def test_views_need_a_trigger_id(slack: SlackEmulator, client: AsyncWebClient) -> None:
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Complain"}, "blocks": []}
    with pytest.raises(SlackApiError) as err:
        await client.views_open(trigger_id="", view=view)
    assert err.value.response["error"] == "invalid_arguments"
    with pytest.raises(SlackApiError, match="invalid_arguments"):
        await client.views_push(trigger_id="", view=view)

    opened = await client.views_open(trigger_id="123.456.abc", view=view)
    view_id = opened["view"]["id"]
    assert view_id.startswith("V")
    assert opened["view"]["title"]["text"] == "Complain"
    assert opened["view"]["root_view_id"] == view_id
    assert slack.calls_to("views.open")[-1].args["view"] == view

    changed = {**view, "title": {"type": "plain_text", "text": "Thanks"}}
    updated = await client.views_update(view_id=view_id, view=changed, hash=opened["view"]["hash"])
    assert updated["view"]["id"] == view_id
    assert updated["view"]["title"]["text"] == "Thanks"
    with pytest.raises(SlackApiError, match="hash_conflict"):
        await client.views_update(view_id=view_id, view=changed, hash=opened["view"]["hash"])
    with pytest.raises(SlackApiError, match="not_found"):
        await client.views_update(view_id="V404", view=changed)
    pushed = await client.views_push(trigger_id="123.456.def", view=view)
    assert pushed["view"]["id"] not in (view_id, "")


async def test_files_upload_v2(slack: SlackEmulator, client: AsyncWebClient) -> None:
    response = await client.files_upload_v2(channel="C1", content="a,b\n1,2\n", filename="x.csv")
    assert response["file"]["name"] == "x.csv"
    assert response["file"]["size"] == 8
    assert response["file"]["channels"] == ["C1"]
    complete = slack.calls_to("files.completeUploadExternal")[0]
    assert complete.args["files"] == [{"id": response["file"]["id"], "title": "x.csv"}]
    assert slack.calls_to("files.getUploadURLExternal")[0].args["length"] == "8"


async def test_rate_limited_fault_is_retried(slack: SlackEmulator, client: AsyncWebClient) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=0)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=1))
    response = await client.chat_postMessage(channel="C1", text="hi")
    assert response["ts"] == "1700000000.000100"
    attempts = slack.calls_to("chat.postMessage")
    assert [a.faulted for a in attempts] == [True, False]
    assert attempts[0].args == attempts[1].args == {"channel": "C1", "text": "hi"}


async def test_rate_limited_fault_without_retry(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    slack.fail_next("chat.postMessage", retry_after=7, count=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as err:
            await client.chat_postMessage(channel="C1", text="hi")
        assert err.value.response.status_code == 429
        assert err.value.response.headers["Retry-After"] == "7"
        assert err.value.response["error"] == "ratelimited"
    assert (await client.chat_postMessage(channel="C1", text="hi"))["ok"]
    assert [c.faulted for c in slack.calls] == [True, True, False]


async def test_server_error_fault(slack: SlackEmulator, client: AsyncWebClient) -> None:
    slack.fail_next("auth.test", status=503)
    client.retry_handlers.append(AsyncServerErrorRetryHandler(max_retry_count=1))
    assert (await client.auth_test())["ok"]
    assert [c.faulted for c in slack.calls_to("auth.test")] == [True, False]

    slack.fail_next("auth.test", status=500)
    plain = AsyncWebClient(token="xoxb-test", base_url=slack.url)
    with pytest.raises(SlackApiError) as err:
        await plain.auth_test()
    assert err.value.response.status_code == 500


async def test_slack_level_error_fault(client: AsyncWebClient, slack: SlackEmulator) -> None:
    slack.fail_next("chat.postMessage", status=200, error="channel_not_found")
    with pytest.raises(SlackApiError) as err:
        await client.chat_postMessage(channel="C1", text="hi")
    assert err.value.response.status_code == 200
    assert err.value.response["error"] == "channel_not_found"


async def test_rate_limit_per_channel(slack: SlackEmulator, client: AsyncWebClient) -> None:
    slack.rate_limit("chat.postMessage", per_second=0.5, burst=2)
    await client.chat_postMessage(channel="C1", text="1")
    await client.chat_postMessage(channel="C1", text="2")
    with pytest.raises(SlackApiError) as err:
        await client.chat_postMessage(channel="C1", text="3")
    assert err.value.response.status_code == 429
    # The bucket is empty and refills at 0.5/s: a token is ~2 s away.
    assert err.value.response.headers["Retry-After"] == "2"
    assert (await client.chat_postMessage(channel="C2", text="other channel"))["ok"]
    assert [c.faulted for c in slack.calls] == [False, False, True, False]
    assert (await client.auth_test())["ok"]  # other methods are not limited


async def test_rate_limit_global(slack: SlackEmulator, client: AsyncWebClient) -> None:
    slack.rate_limit("chat.postMessage", per_second=1, burst=1, per_channel=False)
    await client.chat_postMessage(channel="C1", text="1")
    with pytest.raises(SlackApiError) as err:
        await client.chat_postMessage(channel="C2", text="2")
    assert err.value.response.headers["Retry-After"] == "1"
    slack.clear_faults()
    assert (await client.chat_postMessage(channel="C2", text="3"))["ok"]


async def test_outages_follow_one_another_then_end(slack: SlackEmulator,
                                                   client: AsyncWebClient) -> None:
    slack.fail_for("auth.test", 0.3, 500)
    slack.fail_for("auth.test", 0.3, 429, retry_after=2)
    with pytest.raises(SlackApiError) as err:
        await client.auth_test()
    assert err.value.response.status_code == 500
    await asyncio.sleep(0.35)
    with pytest.raises(SlackApiError) as err:
        await client.auth_test()
    assert (err.value.response.status_code, err.value.response.headers["Retry-After"]) == (
        429, "2")
    await asyncio.sleep(0.35)
    assert (await client.auth_test())["ok"]
    assert [c.faulted for c in slack.calls_to("auth.test")] == [True, True, False]


async def test_a_slow_method_answers_late_but_acts_at_once(slack: SlackEmulator,
                                                           client: AsyncWebClient) -> None:
    slack.slow("chat.postMessage", 0.5)
    started = time.monotonic()
    posting = asyncio.ensure_future(client.chat_postMessage(channel="C1", text="slow"))
    [call] = await slack.wait_for("chat.postMessage")
    assert slack.messages_in("C1") and not posting.done()
    ts = (await posting)["ts"]
    assert time.monotonic() - started >= 0.5 and call.args["text"] == "slow"
    assert (await client.auth_test())["ok"]  # other methods answer at once
    assert slack.message("C1", ts)


async def test_replies_are_in_their_thread_not_the_channel_history(
        client: AsyncWebClient) -> None:
    parent = await client.chat_postMessage(channel="C1", text="card")
    for text in ("note 1", "note 2"):
        await client.chat_postMessage(channel="C1", text=text, thread_ts=parent["ts"])
    await client.chat_postMessage(channel="C1", text="after")
    history = await client.conversations_history(channel="C1")
    assert [m["text"] for m in history["messages"]] == ["after", "card"]
    thread = await client.conversations_replies(channel="C1", ts=parent["ts"], limit=2)
    assert [m["text"] for m in thread["messages"]] == ["card", "note 1"]
    assert thread["has_more"]
    with pytest.raises(SlackApiError, match="thread_not_found"):
        await client.conversations_replies(channel="C1", ts="1.000000")


def test_token_bucket_refills_at_its_rate() -> None:
    now = [100.0]
    bucket = TokenBucket(per_second=2, burst=2, clock=lambda: now[0])
    assert bucket.take() == 0.0
    assert bucket.take() == 0.0
    assert bucket.take() == pytest.approx(0.5)
    now[0] += 0.25
    assert bucket.take() == pytest.approx(0.25)
    now[0] += 0.25
    assert bucket.take() == 0.0
    now[0] += 60
    # A minute idle still holds only `burst` tokens.
    assert [bucket.take() for _ in range(3)] == [0.0, 0.0, pytest.approx(0.5)]
    assert TokenBucket.retry_after(0.01) == 1
    assert TokenBucket.retry_after(1.2) == 2
    with pytest.raises(ValueError):
        TokenBucket(per_second=0)


async def test_response_url_posts_are_recorded(slack: SlackEmulator) -> None:
    webhook = AsyncWebhookClient(slack.response_url("cmd-1"))
    sent = await webhook.send(text="Logged as C-0001", response_type="ephemeral")
    assert sent.status_code == 200
    (post,) = await slack.wait_for_response()
    assert post.name == "cmd-1"
    assert post.body == {"text": "Logged as C-0001", "response_type": "ephemeral"}
    assert slack.responses_to("cmd-1") == [post]
    assert slack.calls == []


async def test_wait_for_wakes_when_the_call_arrives(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    async def later() -> None:
        await asyncio.sleep(0.05)
        await client.chat_postMessage(channel="C1", text="late")

    task = asyncio.create_task(later())
    started = time.monotonic()
    (call,) = await slack.wait_for("chat.postMessage", timeout=2)
    assert call.args["text"] == "late"
    assert time.monotonic() - started < 1
    await task


async def test_wait_for_timeout_lists_what_was_recorded(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    await client.auth_test()
    with pytest.raises(AssertionError, match=r"'chat\.postMessage'.*got 0.*auth\.test x1"):
        await slack.wait_for("chat.postMessage", timeout=0.05)
    slack.clear()
    assert slack.calls == []
    assert slack.calls_to("auth.test") == []


async def test_apps_connections_open_needs_an_app_token(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    with pytest.raises(SlackApiError) as err:
        await client.apps_connections_open(app_token="xoxb-test")
    assert err.value.response["error"] == "not_allowed_token_type"

    first = await client.apps_connections_open(app_token="xapp-1-test")
    second = await client.apps_connections_open(app_token="xapp-1-test")
    base = slack.url.replace("http://", "ws://").replace("/api/", "/socket-mode/")
    assert first["url"].startswith(base)
    assert second["url"].startswith(base)
    assert first["url"] != second["url"]
    [refused, *opened] = slack.calls_to("apps.connections.open")
    assert refused.headers["Authorization"] == "Bearer xoxb-test"
    assert {call.headers["Authorization"] for call in opened} == {"Bearer xapp-1-test"}


async def test_socket_says_hello_answers_pings_and_connects_once(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    url = (await client.apps_connections_open(app_token="xapp-1-test"))["url"]
    async with aiohttp.ClientSession() as http:
        # autoping off, as SocketModeClient connects: it matches pongs to its own pings.
        async with http.ws_connect(url, autoping=False) as ws:
            hello = await ws.receive_json(timeout=WAIT_S)
            assert hello == {
                "type": "hello",
                "num_connections": 1,
                "debug_info": {"host": "applink-emulator", "build_number": 1,
                               "approximate_connection_time": 18060},
                "connection_info": {"app_id": "A1"},
            }
            await slack.wait_for_socket()
            assert slack.socket_connections == 1
            await ws.ping(b"sdk-ping-pong:1700000000.5")
            pong = await ws.receive(timeout=WAIT_S)
            assert (pong.type, pong.data) == (WSMsgType.PONG, b"sdk-ping-pong:1700000000.5")
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(url)
            assert refused.value.status == 404
        assert slack.socket_connections == 0


async def test_socket_mode_client_gets_envelopes_and_acks_them(
    slack: SlackEmulator, socket_client: SocketModeClient
) -> None:
    messages: list[dict[str, Any]] = []

    async def record(_client: SocketModeClient, message: dict, _raw: str | None) -> None:
        messages.append(message)

    socket_client.message_listeners.append(record)
    await socket_client.connect()
    await slack.wait_for_socket()
    assert slack.socket_connections == 1

    command = {"command": "/touchpoint", "text": "help", "user_id": "U1"}
    ack = await slack.socket_send("slash_commands", command)

    hello, envelope = messages
    assert hello["type"] == "hello"
    assert envelope == {"envelope_id": ack["envelope_id"], "type": "slash_commands",
                        "payload": command, "accepts_response_payload": True}
    assert ack == {"envelope_id": envelope["envelope_id"], "payload": {"text": "seen"}}

    await socket_client.close()
    assert slack.socket_connections == 0


@pytest.mark.parametrize(("payload_type", "payload", "answerable"), [
    ("interactive", {"type": "view_submission", "view": {}}, True),
    ("interactive", {"type": "block_actions", "actions": []}, False),
    ("events_api", {"type": "event_callback", "event": {"type": "team_join"}}, False),
])
async def test_envelopes_say_whether_the_ack_may_answer(
    slack: SlackEmulator, socket_client: SocketModeClient,
    payload_type: str, payload: dict[str, Any], answerable: bool,
) -> None:
    requests: list[SocketModeRequest] = []

    async def record(_client: SocketModeClient, request: SocketModeRequest) -> None:
        requests.append(request)

    socket_client.socket_mode_request_listeners.insert(0, record)
    await socket_client.connect()
    await slack.wait_for_socket()
    await slack.socket_send(payload_type, payload)

    [request] = requests
    assert (request.type, request.payload) == (payload_type, payload)
    assert request.accepts_response_payload is answerable
    expected_retry = (0, "") if payload_type == "events_api" else (None, None)
    assert (request.retry_attempt, request.retry_reason) == expected_retry


async def test_socket_send_fails_without_an_ack(slack: SlackEmulator) -> None:
    silent = socket_mode_client(slack)
    try:
        await silent.connect()
        await slack.wait_for_socket()
        with pytest.raises(AssertionError, match=r"no ack for the events_api envelope .* 0\.2s"):
            await slack.socket_send("events_api", {"type": "event_callback"}, timeout=0.2)
    finally:
        await silent.close()


async def test_socket_send_needs_a_client_and_a_known_type(slack: SlackEmulator) -> None:
    with pytest.raises(RuntimeError, match="wait_for_socket"):
        await slack.socket_send("slash_commands", {})
    with pytest.raises(ValueError, match="payload_type"):
        await slack.socket_send("block_actions", {})
    with pytest.raises(AssertionError, match=r"within 0\.05s.*0 time"):
        await slack.wait_for_socket(timeout=0.05)


async def test_disconnect_makes_the_client_reconnect(
    slack: SlackEmulator, socket_client: SocketModeClient
) -> None:
    await socket_client.connect()
    await slack.wait_for_socket()
    first = socket_client.current_session

    await slack.socket_disconnect()
    with pytest.raises(RuntimeError, match="wait_for_socket"):
        await slack.socket_send("slash_commands", {})  # the old connection gets no more
    await slack.wait_for_socket()

    assert len(slack.calls_to("apps.connections.open")) == 2
    assert first is not None and first.closed  # closed by the client before reconnecting
    assert slack.socket_connections == 1
    ack = await slack.socket_send("slash_commands", {"command": "/touchpoint"})
    assert ack["payload"] == {"text": "seen"}


async def test_stop_closes_open_sockets(slack: SlackEmulator) -> None:
    closed: list[WSMessage] = []
    closed_event = asyncio.Event()

    async def on_close(message: WSMessage) -> None:
        closed.append(message)
        closed_event.set()

    client = socket_mode_client(slack, auto_reconnect_enabled=False, on_close_listeners=[on_close])
    try:
        await client.connect()
        await slack.wait_for_socket()
        await slack.stop()
        await asyncio.wait_for(closed_event.wait(), 2)
        assert closed[0].data == WSCloseCode.GOING_AWAY
        assert slack.socket_connections == 0
        assert not await client.is_connected()
    finally:
        await client.close()


async def test_two_buttons_with_one_action_id_in_a_block_are_invalid_blocks(
        slack: SlackEmulator, client: AsyncWebClient) -> None:
    twins = [{"type": "actions", "elements": [
        {"type": "button", "action_id": "rate", "text": {"type": "plain_text", "text": str(n)},
         "value": str(n)} for n in (1, 2)]}]

    with pytest.raises(SlackApiError) as refused:
        await client.chat_postMessage(channel="C0GENERAL", text="Rate", blocks=twins)

    assert refused.value.response["error"] == "invalid_blocks"
    posted = await client.chat_postMessage(channel="C0GENERAL", text="Rate")
    with pytest.raises(SlackApiError) as refused_update:
        await client.chat_update(channel=posted["channel"], ts=posted["ts"], text="Rate",
                                 blocks=twins)
    assert refused_update.value.response["error"] == "invalid_blocks"


# --------------------------------------------------------------------------- files and images

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def image_blocks(file_id: str, alt_text: str = "a chart") -> list[dict[str, Any]]:
    return [{"type": "image", "slack_file": {"id": file_id}, "alt_text": alt_text}]


async def private_upload(client: AsyncWebClient, data: bytes = PNG) -> str:
    response = await client.files_upload_v2(file=data, filename="chart.png", alt_txt="a chart")
    return response["file"]["id"]


async def test_a_private_upload_keeps_the_bytes_and_shows_in_an_image_block(
        slack: SlackEmulator, client: AsyncWebClient) -> None:
    file_id = await private_upload(client)

    stored = slack.file(file_id)
    assert stored is not None
    assert (stored["data"], stored["length"], stored["alt_txt"]) == (PNG, len(PNG), "a chart")
    assert stored["completed"] and stored["channels"] == []
    complete = slack.calls_to("files.completeUploadExternal")[0]
    assert "channel_id" not in complete.args
    posted = await client.chat_postMessage(channel="C1", text="chart",
                                           blocks=image_blocks(file_id))
    assert posted["message"]["blocks"] == image_blocks(file_id)
    other = await private_upload(client, PNG + b"\x01")
    updated = await client.chat_update(channel="C1", ts=posted["ts"], text="chart",
                                       blocks=image_blocks(other))
    assert updated["message"]["blocks"][0]["slack_file"] == {"id": other}


async def test_image_blocks_must_name_a_completed_processed_image(
        slack: SlackEmulator, client: AsyncWebClient) -> None:
    started = await client.files_getUploadURLExternal(filename="chart.png", length=len(PNG))
    csv = await client.files_upload_v2(content="a,b\n", filename="x.csv")
    for blocks in (image_blocks("F99999999"), image_blocks(started["file_id"]),
                   image_blocks(csv["file"]["id"]),
                   [{"type": "image", "slack_file": {"url": "https://x", "id": "F1"},
                     "alt_text": "x"}]):
        with pytest.raises(SlackApiError) as refused:
            await client.chat_postMessage(channel="C1", text="chart", blocks=blocks)
        assert refused.value.response["error"] == "invalid_blocks"
        assert refused.value.response["errors"] == [
            "invalid slack file [json-pointer:/blocks/0/slack_file]"]

    slack.file_processing_s = 0.3
    file_id = await private_upload(client)
    with pytest.raises(SlackApiError, match="invalid_blocks"):
        await client.chat_postMessage(channel="C1", text="chart", blocks=image_blocks(file_id))
    await asyncio.sleep(0.35)
    await client.chat_postMessage(channel="C1", text="chart", blocks=image_blocks(file_id))


async def test_image_blocks_need_alt_text_and_exactly_one_source(
        client: AsyncWebClient) -> None:
    file_id = await private_upload(client)
    for block, error in (
            ({"type": "image", "slack_file": {"id": file_id}},
             "must provide alt_text [json-pointer:/blocks/0/alt_text]"),
            ({"type": "image", "slack_file": {"id": file_id}, "alt_text": "x" * 2001},
             "must be less than 2001 characters [json-pointer:/blocks/0/alt_text]"),
            ({"type": "image", "alt_text": "x"},
             "must provide exactly one of image_url or slack_file [json-pointer:/blocks/0]"),
            ({"type": "image", "alt_text": "x", "image_url": "https://x/y.png",
              "slack_file": {"id": file_id}},
             "must provide exactly one of image_url or slack_file [json-pointer:/blocks/0]")):
        with pytest.raises(SlackApiError) as refused:
            await client.chat_postMessage(channel="C1", text="chart", blocks=[block])
        assert refused.value.response["errors"] == [error]


async def test_files_methods_need_files_write(slack: SlackEmulator,
                                              client: AsyncWebClient) -> None:
    slack.scopes = frozenset({"chat:write", "commands"})

    with pytest.raises(SlackApiError) as refused:
        await private_upload(client)

    assert refused.value.response["error"] == "missing_scope"
    assert refused.value.response["needed"] == "files:write"
    assert refused.value.response["provided"] == "chat:write,commands"
    assert slack.uploaded_files == []
    slack.scopes = frozenset({"files:write"})
    assert await private_upload(client)


async def test_what_slack_refuses_of_an_upload(slack: SlackEmulator,
                                               client: AsyncWebClient) -> None:
    slack.max_upload_bytes = 1000
    for arguments, error in (({"length": 1001}, "file_upload_size_restricted"),
                             ({"length": 0}, "missing_argument"),
                             ({"length": 10, "alt_txt": "x" * 1001}, "alt_txt_too_large")):
        with pytest.raises(SlackApiError) as refused:
            await client.files_getUploadURLExternal(filename="chart.png", **arguments)
        assert refused.value.response["error"] == error
    started = await client.files_getUploadURLExternal(filename="chart.png", length=10)
    # Completed before its bytes arrived: Slack has no such file yet.
    with pytest.raises(SlackApiError, match="file_not_found"):
        await client.files_completeUploadExternal(files=[{"id": started["file_id"]}])


async def test_users_info_gives_the_locale_only_when_asked_as_slack_does(
        slack: SlackEmulator, client: AsyncWebClient) -> None:
    """Slack's users.info with include_locale=true answers the user object with an IETF
    ``locale``, as the recorded documentation example (tests/fixtures/slack) shows; without
    it, no locale. The emulator's user object has the documented fields' kinds."""
    recorded = json.loads((FIXTURES / "users_info_include_locale.json").read_text())["payload"]
    slack.add_user(id="U1", name="dieter", email="dieter@example.com", tz="Europe/Berlin",
                   locale="de-DE")

    asked = await client.users_info(user="U1", include_locale=True)
    plain = await client.users_info(user="U1")
    listed = await client.users_list(include_locale=True)

    assert asked["user"]["locale"] == "de-DE"
    assert isinstance(recorded["user"]["locale"], str) and "-" in recorded["user"]["locale"]
    assert "locale" not in plain["user"]
    assert [member["locale"] for member in listed["members"]] == ["de-DE"]
    assert "locale" not in (await client.users_list())["members"][0]
    shared = {key for key in recorded["user"] if key in asked["user"]}
    assert {"id", "team_id", "name", "deleted", "real_name", "tz", "tz_offset", "profile",
            "is_bot", "is_app_user", "updated", "locale"} <= shared
    for key in shared:
        assert type(asked["user"][key]) is type(recorded["user"][key]), key
