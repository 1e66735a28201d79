"""JSON nested past any real payload is refused with a 400 and a reason before anything parses
it, on every route that reads JSON: Teams' (even before authentication), the ticket webhook's
and Slack's (whose own cases are in tests/bot/test_server.py)."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.server import create_app
from bot.web.json_limits import MAX_DEPTH, TooDeep, UnreadableJson, loads, too_deep

APP_ID = "0b5e1a6c-0000-4000-8000-00000000d33p"
DEEP = b"[" * 5000 + b"]" * 5000
JUST_TOO_DEEP = b'{"a":' * (MAX_DEPTH + 1) + b"1" + b"}" * (MAX_DEPTH + 1)


@pytest.mark.parametrize(("text", "deep"), [
    ("[" * MAX_DEPTH + "]" * MAX_DEPTH, False),
    ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), True),
    # Brackets inside strings are text, escaped quotes included.
    ('{"a": "' + "[" * 500 + '\\"' + "{" * 500 + '"}', False),
    ("[" + "[]," * 10000 + "[]]", False),
])
def test_depth_counts_nesting_not_brackets_in_strings(text, deep):
    assert too_deep(text) is deep


def test_loads_says_which_problem():
    with pytest.raises(TooDeep):
        loads(JUST_TOO_DEEP)
    with pytest.raises(UnreadableJson):
        loads(b"\xff")
    assert loads(b'{"a": [1]}') == {"a": [1]}


@pytest.fixture
async def secured_teams(make_settings):
    settings = make_settings(env={"MICROSOFT_APP_ID": APP_ID,
                                  "MICROSOFT_APP_PASSWORD": "app-password",
                                  "TOUCHPOINT_TEAMS_DEV_MODE": None})
    async with TestServer(create_app(settings, scheduler=False, outbox_sender=False)) as server:
        yield server


@pytest.mark.parametrize("body", [DEEP, JUST_TOO_DEEP])
async def test_teams_refuses_deep_json_before_authentication(secured_teams, body):
    async with aiohttp.ClientSession() as http, http.post(
            secured_teams.make_url("/api/messages"), data=body,
            headers={"Content-Type": "application/json",
                     "Authorization": "Bearer not-even-a-jwt"}) as response:
        assert response.status == 400
        assert await response.text() == f"body is JSON nested deeper than {MAX_DEPTH} levels\n"


@pytest.fixture
def settings(make_settings):
    return make_settings(env={"TOUCHPOINT_WEBHOOK_TOKEN": "token"})


@pytest.mark.parametrize("body", [DEEP, JUST_TOO_DEEP])
async def test_the_ticket_webhook_refuses_deep_json(bot, body):
    async with aiohttp.ClientSession() as http, http.post(
            f"{bot.url}/webhooks/tickets", data=body,
            headers={"Content-Type": "application/json",
                     "Authorization": "Bearer token"}) as response:
        assert response.status == 400
        assert await response.json() == {
            "error": f"body: JSON nested deeper than {MAX_DEPTH} levels"}
