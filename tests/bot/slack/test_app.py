"""The Bolt app (bot/slack/app.py): its requests carry the app's own client, not a copy,
and its answers do not wait on Bolt's poll for the listener's acknowledgement."""

from __future__ import annotations

import asyncio

import pytest
from slack_bolt.async_app import AsyncAck, AsyncBoltRequest
from slack_bolt.listener import asyncio_runner
from slack_sdk.web.async_client import AsyncWebClient

from bot.emulators.requests import SlackSender
from bot.emulators.slack import SlackEmulator
from bot.slack.app import SharedClientApp

SECRET = "app-test-signing-secret"


async def test_listeners_get_the_apps_own_client_and_context():
    async with SlackEmulator() as slack:
        app = SharedClientApp(client=AsyncWebClient(token="xoxb-app-test", base_url=slack.url),
                              signing_secret=SECRET)
        seen = await _command_seen_by_listener(app)
    assert seen == [(app.client, "xoxb-app-test", "T1", "help")]


async def _command_seen_by_listener(app: SharedClientApp) -> list[tuple]:
    seen = []

    @app.command("/touchpoint")
    async def listener(ack: AsyncAck, client, context, body) -> None:
        await ack()
        seen.append((client, context.token, context.team_id, body["text"]))

    sender = SlackSender("http://unused", SECRET)
    body = b"command=%2Ftouchpoint&text=help&team_id=T1&user_id=U1"
    headers = sender.signed_headers(body, "application/x-www-form-urlencoded")
    response = await app.async_dispatch(AsyncBoltRequest(body=body.decode(), headers=headers))
    assert response.status == 200
    return seen


class _PollSpy:
    """Bolt's listener runner's `asyncio`, recording the sleeps of its poll for an ack."""

    def __init__(self) -> None:
        self.polls: list[float] = []

    def __getattr__(self, name: str):
        return getattr(asyncio, name)

    async def sleep(self, delay: float, *args):
        self.polls.append(delay)
        return await asyncio.sleep(delay, *args)


async def test_a_command_is_answered_without_bolt_polling_for_its_ack(
        bot, slack, slack_sender, monkeypatch: pytest.MonkeyPatch):
    # Without `process_before_response` Bolt runs the listener in a task and checks every
    # 10 ms whether it acknowledged, holding every answer 10 ms at least (Bolt 1.30's
    # `AsyncioListenerRunner.run`; should Bolt move that, this fails to say so).
    spy = _PollSpy()
    monkeypatch.setattr(asyncio_runner, "asyncio", spy)
    for _ in range(3):
        reply = await slack_sender.command("/touchpoint", "help", user_id="U0EMPL001")
        assert reply.status == 200
    await slack.wait_for_response(3)
    assert spy.polls == []
    # And the spy sees the poll where there is one: a plain Bolt app's.
    await _command_seen_by_listener(SharedClientApp(
        client=AsyncWebClient(token="xoxb-app-test", base_url=slack.url),
        signing_secret=SECRET))
    assert spy.polls
