"""The HTTP edges of the running app: health, metrics, and every odd request Slack's route may
get, each answered without a 500 and without writing anything."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
import time
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func
from sqlmodel import select

from bot.chat.message import Message
from bot.config import load_settings
from bot.server import create_app
from bot.slack.render import SlackRenderer
from storage.models import Person, ProcessedRequest
from tests.waiting import eventually

ROOT = Path(__file__).resolve().parents[2]


async def count(bot, model) -> int:
    async with bot.services.sessions() as session:
        return (await session.exec(select(func.count()).select_from(model))).one()


async def nothing_written(bot) -> bool:
    return await count(bot, Person) == 0 and await count(bot, ProcessedRequest) == 0


async def scrape(bot) -> dict[tuple[str, frozenset], float]:
    async with aiohttp.ClientSession() as http, http.get(f"{bot.url}/metrics") as response:
        assert response.status == 200
        text = await response.text()
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def sample(samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


# --------------------------------------------------------------------------- /healthz


async def test_healthz_is_ok_with_the_database_up(bot):
    async with aiohttp.ClientSession() as http, http.get(f"{bot.url}/healthz") as response:
        assert response.status == 200
        assert await response.json() == {"status": "ok", "database": "ok"}


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("unreachable", [
    lambda tmp: f"postgresql://touchpoint@127.0.0.1:{_closed_port()}/touchpoint",
    lambda tmp: f"sqlite:///{tmp / 'no-such-directory' / 'touchpoint.db'}",
], ids=["postgres-port-closed", "sqlite-directory-missing"])
async def test_healthz_is_503_quickly_when_the_database_is_unreachable(unreachable, tmp_path,
                                                                        slack):
    settings = load_settings({
        "TOUCHPOINT_CONFIG": str(ROOT / "app.yaml"), "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "secret", "SLACK_API_URL": slack.url,
        "DATABASE_URL": unreachable(tmp_path)})

    async with TestClient(TestServer(create_app(settings))) as client:
        started = time.monotonic()
        response = await client.get("/healthz")
        elapsed = time.monotonic() - started
        body = await response.json()

    assert response.status == 503
    assert body == {"status": "unavailable", "database": "unreachable"}
    assert elapsed < 3.0


# --------------------------------------------------------------------------- /metrics


async def test_metrics_count_requests_calls_and_handlers(bot, slack, slack_sender):
    await slack_sender.command("/touchpoint", "help", user_id="U0EMPL001")
    await slack.wait_for_response(1)
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{bot.url}/healthz") as response:
            assert response.status == 200
        async with http.get(f"{bot.url}/no/such/page/12345") as response:
            assert response.status == 404

    async def handled():
        samples = await scrape(bot)
        done = sample(samples, "touchpoint_handler_seconds_count",
                      intent="command:touchpoint help")
        return samples if done else None

    samples = await eventually(handled)
    assert samples, "the help handler was never timed"
    assert sample(samples, "touchpoint_http_requests_total",
                  route="/slack/events", status="200") == 1
    assert sample(samples, "touchpoint_http_requests_total",
                  route="/healthz", status="200") == 1
    # Unknown paths share one label, so a scan cannot blow up the number of series.
    assert sample(samples, "touchpoint_http_requests_total",
                  route="unmatched", status="404") == 1
    assert sample(samples, "touchpoint_outbound_calls_total",
                  platform="slack", method="users.info", result="ok") == 1
    assert sample(samples, "touchpoint_outbound_calls_total",
                  platform="slack", method="response_url", result="ok") == 1
    assert sample(samples, "touchpoint_handler_seconds_count",
                  intent="command:touchpoint help") == 1
    assert sample(samples, "touchpoint_http_request_seconds_count", route="/slack/events") == 1


# --------------------------------------------------------------------------- /slack/events

COMMAND = urlencode({"command": "/touchpoint", "text": "help", "user_id": "U0EMPL001",
                     "team_id": "T1", "channel_id": "C0GENERAL", "trigger_id": "1.trigger",
                     "response_url": "http://127.0.0.1:9/response/x"}).encode()
FORM = "application/x-www-form-urlencoded"


def _unsigned(sender):
    return COMMAND, {"Content-Type": FORM}


def _timestamp_not_a_number(sender):
    headers = sender.signed_headers(COMMAND, FORM)
    headers["X-Slack-Request-Timestamp"] = "soon"
    headers["X-Slack-Signature"] = sender.verifier.generate_signature(timestamp="soon",
                                                                      body=COMMAND)
    return COMMAND, headers


def _timestamp_digits(digits: str):
    """Digits int() refuses: a superscript, or more than Python converts (4,300)."""
    def request(sender):
        headers = sender.signed_headers(COMMAND, FORM)
        headers["X-Slack-Request-Timestamp"] = digits
        return COMMAND, headers
    return request


def _not_utf8(sender):
    # Signed the way Slack signs (HMAC of the raw bytes), but Slack only ever sends UTF-8.
    body = b"command=%2Ftouchpoint&text=\xff\xfe"
    timestamp = str(int(time.time()))
    digest = hmac.new(sender.verifier.signing_secret.encode(),
                      b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return body, {"Content-Type": FORM, "X-Slack-Request-Timestamp": timestamp,
                  "X-Slack-Signature": f"v0={digest}"}


def _bad_signature(sender):
    headers = sender.signed_headers(COMMAND, FORM)
    return COMMAND.replace(b"help", b"hElp"), headers


def _stale(sender):
    return COMMAND, sender.signed_headers(COMMAND, FORM, timestamp=int(time.time()) - 6 * 60)


def _from_the_future(sender):
    return COMMAND, sender.signed_headers(COMMAND, FORM, timestamp=int(time.time()) + 6 * 60)


def _signed(body: bytes | dict, content_type: str = "application/json"):
    raw = json.dumps(body).encode() if isinstance(body, dict) else body
    return lambda sender: (raw, sender.signed_headers(raw, content_type))


def _payload(payload) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


@pytest.mark.parametrize(("request_for", "status"), [
    (_unsigned, 401),
    (_timestamp_not_a_number, 401),
    (_timestamp_digits("\u00b2"), 401),
    (_timestamp_digits("9" * 5000), 401),
    (_bad_signature, 401),
    (_stale, 401),
    (_from_the_future, 401),
    (_not_utf8, 401),
    (_signed(b"payload=%7Bnot+json", FORM), 400),
    (_signed(b"payload=", FORM), 400),
    (_signed(b"{not json", FORM), 400),
    (_signed(_payload(["block_actions"]), FORM), 400),
    (_signed(_payload({"actions": []}), FORM), 400),
    (_signed(_payload({"type": "block_actions", "user": {"id": "U1"}, "actions": "x"}), FORM),
     400),
    (_signed(_payload({"type": "block_actions", "actions": [1]}), FORM), 400),
    (_signed(_payload({"type": "view_submission", "view": "modal"}), FORM), 400),
    (_signed(_payload({"type": "view_submission", "view": {"callback_id": "x"}}), FORM), 400),
    (_signed(b'[{"type": "event_callback"}]'), 400),
    (_signed(b'{"type": "event_callback", "event_id": "Ev1'), 400),
    (_signed({"type": "event_callback", "event": "user_change"}), 400),
    (_signed({"type": "event_callback", "team_id": {"id": "T1"}, "authorizations": [1],
              "event": {"type": "app_mention"}}), 400),
    (_signed(b'{"type": "event_callback", "event": ' + b"[" * 5000 + b"]" * 5000 + b"}"), 400),
    (_signed(b'{"type": "event_callback", "event": {"type": "user_change", "user": '
             + b'{"a": ' * 200 + b"1" + b"}" * 200 + b"}}"), 400),
    (_signed(urlencode({"payload": "[" * 5000 + "]" * 5000}).encode(), FORM), 400),
    (_signed(_payload({"type": "block_actions", "user": {"id": "U1"}, "actions": []}), FORM),
     400),
    (_signed(_payload({"type": "block_actions", "user": {"id": "U1"}, "actions": [{}]}), FORM),
     400),
    (_signed(_payload({"type": "view_submission", "user": {"id": "U1"},
                       "view": {"type": "modal", "callback_id": "complaint.file",
                                "state": {"values": None}}}), FORM), 400),
    (_signed(_payload({"type": "view_submission", "user": {"id": "U1"},
                       "view": {"type": "modal", "callback_id": "complaint.file",
                                "state": {"values": {"b": ["x"]}}}}), FORM), 400),
    (_signed(_payload({"type": "view_submission", "user": "U1",
                       "view": {"type": "modal", "callback_id": "complaint.file"}}), FORM), 400),
    (_signed({"type": "event_callback", "event": {"type": "reaction_added", "item": ["x"]}}),
     400),
    (_signed(COMMAND.replace(b"http%3A%2F%2F127.0.0.1%3A9%2Fresponse%2Fx", b"0"), FORM), 400),
    (_signed(COMMAND.replace(b"&user_id=U0EMPL001", b""), FORM), 400),
], ids=["unsigned", "timestamp-not-a-number", "timestamp-superscript", "timestamp-5000-digits",
        "bad-signature", "stale", "from-the-future", "not-utf8", "payload-broken-json",
        "payload-empty", "form-looking-like-json", "payload-a-list", "payload-without-type",
        "actions-not-a-list", "actions-not-objects", "view-not-an-object", "view-without-type",
        "json-list", "json-cut-short", "event-not-an-object", "team-id-an-object",
        "event-5000-deep", "user-200-deep", "payload-5000-deep", "actions-empty",
        "actions-without-id", "state-values-null", "state-values-wrong-shape", "user-not-an-object",
        "reaction-item-a-list", "response-url-not-a-url", "command-without-user"])
async def test_bad_requests_are_refused_and_write_nothing(bot, slack, slack_sender,
                                                          request_for, status):
    body, headers = request_for(slack_sender)

    reply = await slack_sender.post_raw(body, headers)

    assert reply.status == status
    # A 401 says nothing; a 400 says why, in one line.
    assert (reply.text == "") if status == 401 else (len(reply.text.splitlines()) == 1)
    await asyncio.sleep(0.1)  # anything wrongly dispatched would have started by now
    assert slack.calls == [] and slack.responses == []
    assert await nothing_written(bot)


async def test_url_verification_echoes_the_challenge(bot, slack_sender):
    challenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    body = json.dumps({"token": "legacy", "challenge": challenge,
                       "type": "url_verification"}).encode()

    reply = await slack_sender.post_raw(body, slack_sender.signed_headers(body,
                                                                          "application/json"))

    assert reply.status == 200
    assert reply.json() == {"challenge": challenge}
    assert await nothing_written(bot)


async def test_a_retried_event_is_handled_once(bot, slack, slack_sender):
    user = slack.add_user(id="U0NEWBIE1", name="nina.new", email="nina@example.com")
    event = {"type": "user_change", "user": user, "event_ts": "1700000000.000200"}

    first = await slack_sender.event(event, event_id="Ev0RETRY01")
    retry = await slack_sender.event(event, event_id="Ev0RETRY01", retry_num=1)

    assert (first.status, retry.status) == (200, 200)

    async def handled():
        return sum(value for (name, _labels), value in (await scrape(bot)).items()
                   if name == "touchpoint_handler_seconds_count")

    assert await eventually(handled) == 1
    await asyncio.sleep(0.2)
    assert await handled() == 1
    assert await count(bot, ProcessedRequest) == 1
    async with bot.services.sessions() as session:
        [key] = (await session.exec(select(ProcessedRequest.key))).all()
    assert key.endswith("Ev0RETRY01")


async def test_an_unknown_command_gets_404_and_writes_nothing(bot, slack, slack_sender):
    reply = await slack_sender.command("/nonexistent", "help")

    assert reply.status == 404
    # Bolt checks its own token (auth.test) before routing; nothing else reaches Slack.
    assert {call.method for call in slack.calls} <= {"auth.test"}
    assert slack.responses == []
    assert await nothing_written(bot)


async def test_a_failing_handler_apologises_without_a_stack_trace(bot, slack, slack_sender):
    # users.info answers an error Touchpoint has no plan for ("fatal_error" is one Slack
    # documents), so the first-contact lookup raises inside the handler.
    slack.fail_next("users.info", status=200, error="fatal_error")

    reply = await slack_sender.command("/touchpoint", "help", user_id="U0EMPL001")

    assert reply.status == 200
    [posted] = await slack.wait_for_response(1)
    apology = SlackRenderer().message(Message("errors/unexpected"))
    assert posted.body["response_type"] == "ephemeral"
    assert posted.body["blocks"] == apology["blocks"]
    assert posted.body["text"] == apology["text"]
    assert "Sorry, something went wrong on our side" in apology["blocks"][0]["text"]["text"]
    sent = json.dumps([call.args for call in slack.calls] + [r.body for r in slack.responses])
    for leak in ("Traceback", "fatal_error", "SlackApiError", 'File "', "bot/"):
        assert leak not in sent
    assert await count(bot, Person) == 0
