"""Socket Mode, end to end: Slack's envelopes over the WebSocket into the same listeners.

The bot runs with an app-level token and no signing secret, connects to the Slack emulator
the way it would connect to Slack, and answers there exactly as it answers over HTTP.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.emulators.slack import SlackEmulator
from bot.server import create_app

_triggers = itertools.count(1)


@pytest.fixture
async def socket_bot(make_settings, slack: SlackEmulator) -> AsyncIterator[TestServer]:
    """The real application in Socket Mode, connected to the emulator."""
    settings = make_settings(env={"SLACK_APP_TOKEN": "xapp-1-test", "SLACK_SIGNING_SECRET": None})
    async with TestServer(create_app(settings)) as server:
        await slack.wait_for_socket()
        yield server


def slash_command(slack: SlackEmulator, text: str, *, response: str) -> dict[str, Any]:
    """A slash_commands envelope's payload as Slack sends it: the HTTP form's fields as JSON."""
    return {
        "token": "legacy-verification-token-unused",
        "team_id": slack.TEAM_ID,
        "team_domain": "example",
        "channel_id": "C0GENERAL",
        "channel_name": "general",
        "user_id": "U0EMPL001",
        "user_name": "erin.employee",
        "command": "/touchpoint",
        "text": text,
        "api_app_id": slack.APP_ID,
        "is_enterprise_install": "false",
        "response_url": slack.response_url(response),
        "trigger_id": f"{next(_triggers)}.socket.trigger",
    }


async def test_help_is_acked_then_answered_like_over_http(
    socket_bot, bot, slack: SlackEmulator, slack_sender
) -> None:
    ack = await slack.socket_send("slash_commands", slash_command(slack, "help", response="ws"))

    # An empty ack within Slack's 3 s (socket_send's deadline); the answer goes separately.
    assert set(ack) == {"envelope_id"}
    [over_socket] = await slack.wait_for_response(name="ws")
    assert over_socket.body["response_type"] == "ephemeral"
    assert over_socket.body["text"] == "Touchpoint: how can IT help?"
    assert "`/touchpoint help`: Show this list of what I can do." in (
        over_socket.body["blocks"][1]["text"]["text"])
    # The same words, block for block, as the HTTP bot (signed requests) answers.
    await slack_sender.command("/touchpoint", "help", user_id="U0EMPL001")
    [over_http] = [post for post in await slack.wait_for_response(2) if post.name != "ws"]
    assert over_socket.body == over_http.body


async def test_slack_events_is_not_served_without_a_signing_secret(
    socket_bot: TestServer, slack: SlackEmulator
) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(socket_bot.make_url("/slack/events"),
                             data={"command": "/touchpoint", "text": "help"}) as response:
            assert response.status == 404
    assert slack.responses == []


async def test_after_a_refresh_the_bot_reconnects_and_still_answers(
    socket_bot, slack: SlackEmulator
) -> None:
    await slack.socket_disconnect("refresh_requested")
    await slack.wait_for_socket()

    assert len(slack.calls_to("apps.connections.open")) == 2
    assert slack.socket_connections == 1
    await slack.socket_send("slash_commands", slash_command(slack, "help", response="again"))
    [answer] = await slack.wait_for_response(name="again")
    assert answer.body["text"] == "Touchpoint: how can IT help?"


async def test_shutting_down_closes_the_socket(
    socket_bot: TestServer, slack: SlackEmulator
) -> None:
    assert slack.socket_connections == 1

    await socket_bot.close()

    assert slack.socket_connections == 0
    assert len(slack.calls_to("apps.connections.open")) == 1  # closed, not reconnecting
