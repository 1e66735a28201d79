"""Property-based: no input gets a 5xx from any route the outside world can reach, and a
request refused (4xx) writes nothing. Hypothesis posts raw junk, JSON of any shape (deep
nesting included), and the shapes Slack, Teams and the service desks send with any field
dropped or replaced by junk, to the running bot: ``/slack/events`` unsigned and signed,
``/api/messages`` (Teams, emulator mode, so an activity reaches the adapter) and
``/webhooks/tickets`` (with its bearer token)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from typing import Any
from urllib.parse import quote_plus, urlencode

import aiohttp
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlmodel import SQLModel, func, select

from bot.handlers import handler_routes
from bot.slack.listeners.events import EVENT_INTENTS
from tests.conftest import SIGNING_SECRET

WEBHOOK_TOKEN = "fuzz-webhook-token"
FUZZ = hypothesis_settings(max_examples=100, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=8)
deep = st.builds(lambda n, opener, closer: (opener * n + closer * n).encode(),
                 st.integers(30, 3000), st.sampled_from(["[", '{"a":']),
                 st.sampled_from(["]", "}"]))


def shaped(value: Any) -> st.SearchStrategy[Any]:
    """`value`, with any of its fields dropped or turned into junk, at any depth."""
    if isinstance(value, dict):
        kept = st.fixed_dictionaries({}, optional={key: shaped(item)
                                                   for key, item in value.items()})
        return st.just(value) | kept | junk
    if isinstance(value, list) and value:
        return st.just(value) | st.lists(shaped(value[0]), max_size=2) | junk
    return st.just(value) | junk


def json_bodies(template: dict[str, Any]) -> st.SearchStrategy[bytes]:
    return (shaped(template).map(lambda body: json.dumps(body).encode())
            | junk.map(lambda body: json.dumps(body).encode()) | deep | st.binary(max_size=64))


COUNTS = select(*(select(func.count()).select_from(table).scalar_subquery().label(table.name)
                  for table in SQLModel.metadata.sorted_tables))


async def table_counts(bot) -> dict[str, int]:
    """How many rows each table holds, in one query."""
    async with bot.services.sessions() as session:
        return dict((await session.exec(COUNTS)).one()._mapping)


async def settled(before: set[asyncio.Task]) -> None:
    """Wait for the work a request started (Bolt's listeners, handlers) to finish; not for
    aiohttp's handler of the connection, which waits out its keep-alive."""
    started = {task for task in asyncio.all_tasks() - before - {asyncio.current_task()}
               if task.get_coro().__qualname__ != "RequestHandler.start"}
    if started:
        await asyncio.wait(started, timeout=10)


async def post(bot, path: str, body: bytes, headers: dict[str, str]) -> int:
    """POST `body`; assert no 5xx, and nothing written when refused."""
    before = await table_counts(bot)
    tasks = asyncio.all_tasks()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
        async with http.post(bot.url + path, data=body, headers=headers) as response:
            status = response.status
            await response.read()
    await settled(tasks)
    assert status < 500, (path, body[:300], headers)
    if status >= 400:
        assert await table_counts(bot) == before, (path, body[:300], status)
    return status


@pytest.fixture
def bot_options():
    # No scheduled job nor outbox sender writing between a request and the count after it.
    return {"scheduler": False, "outbox_sender": False}


@pytest.fixture
def settings(make_settings, connector):
    def config(raw: dict[str, Any]) -> None:
        raw.update(teams={"service_url": connector.url},
                   tickets={"sources": {"desk": {"preset": "generic"}}})
    return make_settings(config=config, env={"TOUCHPOINT_WEBHOOK_TOKEN": WEBHOOK_TOKEN})


ROUTES = handler_routes()
RESPONSE_URL = "http://127.0.0.1:9/response/x"
USER = {"id": "U0EMPL001", "username": "erin", "team_id": "T1"}
BLOCK_ACTIONS = {
    "type": "block_actions", "team": {"id": "T1", "domain": "example"}, "user": USER,
    "api_app_id": "A0TOUCHPT", "trigger_id": "1.trigger",
    "container": {"type": "message", "channel_id": "D0ERIN", "message_ts": "1700000000.0001"},
    "channel": {"id": "D0ERIN"}, "message": {"ts": "1700000000.0001", "text": "x"},
    "response_url": RESPONSE_URL,
    "actions": [{"type": "button", "action_id": "x", "block_id": "b", "value": "1",
                 "action_ts": "1700000000.0002"}],
}
VIEW_SUBMISSION = {
    "type": "view_submission", "team": {"id": "T1", "domain": "example"}, "user": USER,
    "api_app_id": "A0TOUCHPT", "trigger_id": "1.trigger",
    "view": {"id": "V1", "type": "modal", "callback_id": "x", "private_metadata": "",
             "state": {"values": {"b": {"a": {"type": "plain_text_input", "value": "x"}}}}},
}
EVENT = {
    "token": "legacy", "team_id": "T1", "api_app_id": "A0TOUCHPT", "type": "event_callback",
    "event_id": "Ev1", "event_time": 1700000000,
    "event": {"type": "user_change", "event_ts": "1700000000.0001",
              "user": {"id": "U0EMPL001", "name": "erin", "tz": "Europe/London",
                       "profile": {"display_name": "Erin", "email": "erin@example.com"}},
              "item": {"type": "message", "channel": "C1", "ts": "1700000000.0001"}},
}
COMMAND = {"command": "/touchpoint", "text": "help", "user_id": "U0EMPL001", "team_id": "T1",
           "channel_id": "C0GENERAL", "trigger_id": "1.trigger",
           "response_url": RESPONSE_URL}


def with_ids(template: dict[str, Any], path: tuple[str, ...], ids: list[str]):
    """`template` with the field at `path` one of the ids Touchpoint answers (or junk)."""
    def put(chosen: str) -> dict[str, Any]:
        copy = json.loads(json.dumps(template))
        target = copy
        for step in path[:-1]:
            target = target[step]
        (target[0] if isinstance(target, list) else target)[path[-1]] = chosen
        return copy
    return st.sampled_from(ids).map(put)


slack_json = st.one_of(
    json_bodies(EVENT),
    with_ids(EVENT, ("event", "type"), sorted(EVENT_INTENTS)).flatmap(json_bodies))
slack_payloads = st.one_of(
    with_ids(BLOCK_ACTIONS, ("actions", "action_id"), ROUTES.action_ids).flatmap(shaped),
    with_ids(VIEW_SUBMISSION, ("view", "callback_id"), ROUTES.callback_ids).flatmap(shaped),
    junk).map(lambda payload: urlencode({"payload": json.dumps(payload)}).encode())
slack_forms = st.fixed_dictionaries(
    {}, optional={key: st.just(value) | st.text(max_size=40) for key, value in COMMAND.items()}
).map(lambda fields: urlencode(fields).encode())
FORM = "application/x-www-form-urlencoded"


@FUZZ
@given(body=st.binary(max_size=200) | slack_json,
       headers=st.dictionaries(st.sampled_from(["X-Slack-Request-Timestamp",
                                                "X-Slack-Signature", "Content-Type"]),
                               st.text(st.characters(min_codepoint=32, max_codepoint=126),
                                       max_size=30)))
async def test_unsigned_slack_requests_get_401(bot, body, headers):
    status = await post(bot, "/slack/events", body, headers)

    assert status == 401


def signed_headers(body: bytes, content_type: str) -> dict[str, str]:
    """Slack's signature over the raw bytes, whatever they are."""
    timestamp = str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), b"v0:" + timestamp.encode() + b":" + body,
                      hashlib.sha256).hexdigest()
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": f"v0={digest}"}


@FUZZ
@given(request=st.one_of(slack_json.map(lambda body: (body, "application/json")),
                         slack_payloads.map(lambda body: (body, FORM)),
                         slack_forms.map(lambda body: (body, FORM)),
                         deep.map(lambda body: (b"payload=" + body, FORM))))
async def test_signed_slack_requests_never_get_a_5xx(bot, slack, caplog, request):
    caplog.clear()
    body, content_type = request
    for placeholder in (RESPONSE_URL, quote_plus(RESPONSE_URL)):
        # Answers go to the emulator, so a failure to answer is the bot's, not the network's.
        body = body.replace(placeholder.encode(),
                            quote_plus(slack.response_url("x")).encode()
                            if "%" in placeholder else slack.response_url("x").encode())

    await post(bot, "/slack/events", body, signed_headers(body, content_type))

    # Nor a failure after the answer: what passed the checks, the listeners can read.
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], body[:300]


def activity(connector_url: str) -> dict[str, Any]:
    return {
        "type": "message", "id": "1700000000123", "timestamp": "2026-01-05T10:00:00.000Z",
        "serviceUrl": connector_url, "channelId": "msteams",
        "from": {"id": "29:1erin", "name": "Erin", "aadObjectId": "6f2a1c3b-4d5e-4f60-8a7b-"
                 "9c0d1e2f3a4b"},
        "conversation": {"id": "a:1erin", "conversationType": "personal", "tenantId": "t1"},
        "recipient": {"id": "28:bot", "name": "Touchpoint"},
        "text": "help", "textFormat": "plain", "locale": "en-GB",
        "entities": [{"type": "mention", "text": "<at>Touchpoint</at>",
                      "mentioned": {"id": "28:bot", "name": "Touchpoint"}}],
        "value": {"action": "x"},
        "channelData": {"tenant": {"id": "t1"}},
    }


@FUZZ
@given(data=st.data())
async def test_teams_activities_never_get_a_5xx(bot, connector, data):
    template = activity(connector.url)
    body = data.draw(json_bodies(template).filter(
        # The service URL stays the emulator's: the bot would otherwise call out to junk.
        lambda raw: b"serviceUrl" not in raw or connector.url.encode() in raw))
    content_type = data.draw(st.sampled_from(["application/json", "text/plain", ""]))

    await post(bot, "/api/messages", body,
               {"Content-Type": content_type} if content_type else {})


TICKET = {"id": "INC-1", "title": "Printer on fire", "requester_email": "erin@example.com",
          "assignee_email": "tech1@example.com", "priority": "P2", "service": "Printing",
          "status": "resolved", "created_at": "2026-11-10T09:00:00Z",
          "updated_at": "2026-11-10T10:00:00Z"}


@FUZZ
@given(body=json_bodies(TICKET))
async def test_ticket_events_never_get_a_5xx(bot, body):
    await post(bot, "/webhooks/tickets", body, {"Content-Type": "application/json",
                                                "Authorization": f"Bearer {WEBHOOK_TOKEN}"})
