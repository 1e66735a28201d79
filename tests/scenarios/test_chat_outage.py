"""Slack away for a while, as the running bot's outbox meets it, on SQLite and PostgreSQL: 503s
from the Web API, then an address that refuses connections. Each is one warning when it
starts and one line with the counts when Slack answers again, with no line (and no traceback)
per attempt, while /metrics still counts every attempt; every message goes out once."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

import pytest

from tests.outbox_kit import messages_with_key, outbox_all_sent
from tests.scenarios.test_outbox_faults import record_many
from tests.waiting import eventually

ENDED = re.compile(r"^Slack answers again after \d+s; (\d+) failed attempt\(s\) at (\d+) "
                   r"message\(s\) meanwhile, which the outbox tries again$")


@pytest.fixture
def settings(make_settings):
    return make_settings(config=lambda raw: raw.update(outbox={"poll_seconds": 0.1}))


def sample(bot, name: str, labels: dict[str, str]) -> float:
    return bot.services.metrics.registry.get_sample_value(name, labels) or 0.0


def retried(bot) -> float:
    return sample(bot, "touchpoint_outbox_results_total", {"purpose": "test",
                                                           "status": "retried"})


def said(caplog) -> list[str]:
    """What the outbox told the operator: its lines at INFO and above."""
    return [r.getMessage() for r in caplog.records
            if r.name.startswith("bot.chat") and r.levelno >= logging.INFO]


def assert_said_once(caplog, started: str) -> str:
    """The outbox said the outage once when it started (`started` begins its reason) and
    once when it ended, and nothing else; the line that said it ended."""
    lines = said(caplog)
    warnings = [r for r in caplog.records if r.name.startswith("bot.chat")
                and r.levelno >= logging.WARNING]
    assert [w.getMessage() for w in warnings] == [lines[0]], lines
    assert lines[0].startswith(f"Slack is failing ({started}")
    [ended] = [line for line in lines if ENDED.match(line)]
    assert len(lines) == 2, lines
    assert not any(r.exc_info for r in caplog.records), "a traceback was logged"
    return ended


async def test_a_spell_of_503s_is_said_once_when_it_starts_and_once_when_it_ends(
        bot, slack, caplog):
    caplog.set_level(logging.DEBUG, logger="bot.chat")
    slack.fail_for("chat.postMessage", 6, 503)
    keys = await record_many(bot.services, dms=6, posts=2)

    await outbox_all_sent(bot.services, "test:", len(keys), within_s=60)

    ended = assert_said_once(caplog, "Slack refused chat.postMessage: HTTP 503")
    attempts, messages = map(int, ENDED.match(ended).groups())
    # Every attempt is still counted: by the outbox, and each HTTP call by the client.
    assert attempts == retried(bot) >= 1
    assert 1 <= messages <= len(keys)
    # (an API call is counted once, after slack_sdk's own retries of it)
    assert sample(bot, "touchpoint_outbound_calls_total", {
        "platform": "slack", "method": "chat.postMessage", "result": "http_503"}) == attempts
    assert {key: len(messages_with_key(slack, key)) for key in keys} == dict.fromkeys(keys, 1)
    # The attempts are there for whoever turns on debug logging.
    assert sum("attempt" in r.getMessage() for r in caplog.records
               if r.levelno == logging.DEBUG) == attempts


async def test_slack_refusing_connections_is_said_once_and_its_return_once(bot, slack,
                                                                           caplog):
    caplog.set_level(logging.DEBUG, logger="bot.chat")
    port = urlsplit(slack.url).port
    await slack.stop()
    try:
        keys = await record_many(bot.services, dms=4, posts=1)
        await eventually(lambda: retried(bot) >= 3, within_s=20)
    finally:
        await slack.start(port=port)

    await outbox_all_sent(bot.services, "test:", len(keys), within_s=60)

    ended = assert_said_once(caplog, f"cannot reach 127.0.0.1:{port}")
    attempts, _messages = map(int, ENDED.match(ended).groups())
    assert attempts == retried(bot) >= 3
    assert sample(bot, "touchpoint_outbound_calls_total", {
        "platform": "slack", "method": "chat.postMessage",
        "result": "ClientConnectorError"}) == attempts
    assert {key: len(messages_with_key(slack, key)) for key in keys} == dict.fromkeys(keys, 1)
