"""The Bolt app's requests (bot/slack/app.py) carry the app's own client, not a copy."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck, AsyncBoltRequest
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
