"""A Teams service URL that cannot be connected to, through the real protocol: activities into
``/api/messages`` naming a loopback port nothing listens on, and a channel's service URL whose
name does not resolve. The turn ends at once with one warning line and no traceback (no
retries of a refused connection, no apology sent the same way), what the turn committed stays,
and what it put in the outbox is sent once the address answers again."""

from __future__ import annotations

import json
import logging
import socket
import time

import pytest
from sqlmodel import select

from bot.chat.failures import platform_failure
from bot.chat.message import Message
from bot.config import ChannelTarget
from bot.emulators.teams import BotConnectorEmulator
from bot.flows.complaints.notify import receipt_key
from bot.server import create_app
from storage.complaints import Complaint
from storage.models import ConversationRef, Person
from tests.conftest import start_bot
from tests.outbox_kit import outbox_all_sent
from tests.scenarios.test_complain_teams import VALID, submission
from tests.scenarios.test_help_teams import PERSONAL, message, outbound, post, seed_erin
from tests.waiting import eventually

TRIAGE = "19:triage@thread.tacv2"
NOWHERE = "http://touchpoint-test.invalid/"
"""A name that never resolves (RFC 2606)."""


@pytest.fixture
def settings(make_settings, connector):
    return make_settings(config=lambda raw: raw.update(
        teams={"service_url": connector.url}, outbox={"poll_seconds": 0.1}))


def refused_port() -> int:
    """A loopback port nothing listens on (connections to it are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def loud(caplog) -> list[logging.LogRecord]:
    """What an operator is shown: warnings and worse, and anything carrying a traceback."""
    return [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]


async def test_a_reply_to_a_refused_service_url_is_one_warning_and_ends_at_once(
        bot, connector, caplog):
    seed_erin(connector)
    port = refused_port()
    caplog.set_level(logging.INFO)

    started = time.monotonic()
    status, _ = await post(bot.url, message(connector, "help")
                           | {"serviceUrl": f"http://127.0.0.1:{port}/"})
    took = time.monotonic() - started

    assert status == 201
    assert took < 1.5, f"the turn held the request {took:.1f}s"
    [warning] = loud(caplog)
    assert warning.getMessage() == (f"handler for command:touchpoint help failed: cannot "
                                    f"reach 127.0.0.1:{port}: connection refused")
    assert "Traceback" not in caplog.text
    # The answer was tried once (no retries of a refused connection, no apology after it).
    assert outbound(bot.services, "send_to_conversation", "ClientRequestError") == 1
    assert connector.calls == []
    # What the turn did before answering is kept: the person and their chat's reference.
    async with bot.services.sessions() as session:
        person = (await session.exec(select(Person))).one()
        ref = (await session.exec(select(ConversationRef))).one()
    assert person.display_name == "Erin Employee"
    assert ref.reference["serviceUrl"] == f"http://127.0.0.1:{port}/"


async def test_what_the_turn_queued_is_sent_once_the_service_url_answers(bot, connector,
                                                                         caplog):
    port = refused_port()
    there = f"http://127.0.0.1:{port}/"
    caplog.set_level(logging.INFO)

    status, _ = await post(bot.url, submission(connector, "card-1", VALID, "1700000000401")
                           | {"serviceUrl": there})

    assert status == 201
    async with bot.services.sessions() as session:
        [complaint] = (await session.exec(select(Complaint))).all()
    # The triage channel is at app.yaml's service URL, which answers.
    await eventually(lambda: len(connector.activities_in(TRIAGE)) == 1)
    # The receipt, to the chat at the refused address, waits in the outbox and is tried again.
    key = receipt_key(complaint.id)
    await eventually(lambda: outbound(bot.services, "send_to_conversation",
                                      "ClientRequestError") >= 1)
    comes_back = BotConnectorEmulator()
    await comes_back.start(port=port)
    try:
        [row] = await outbox_all_sent(bot.services, key, 1, within_s=30)
        [sent] = comes_back.calls_of("send")
        assert sent.conversation_id == PERSONAL
        assert "We have your complaint" in json.dumps(sent.body)
        assert row.attempts >= 2
    finally:
        await comes_back.stop()
    assert "Traceback" not in caplog.text


async def test_a_service_url_that_does_not_resolve_fails_at_once_in_one_line(make_settings):
    settings = make_settings(config=lambda raw: raw.update(teams={"service_url": NOWHERE}))
    runner, bot = await start_bot(create_app(settings, scheduler=False))
    try:
        started = time.monotonic()
        with pytest.raises(Exception) as raised:
            await bot.services.chat.post(ChannelTarget(teams=TRIAGE), Message("help", {
                "usages": [], "unknown": None}))
        took = time.monotonic() - started
    finally:
        await runner.cleanup()

    assert platform_failure(raised.value) == (
        "cannot reach Teams at touchpoint-test.invalid:80: the name does not resolve")
    assert outbound(bot.services, "send_to_conversation", "ClientRequestError") == 1
    assert took < 5, f"{took:.1f}s"
