"""The database going away under a running bot, on SQLite (its file's directory missing) and
PostgreSQL (its database dropped): the ticket webhook and /healthz answer 503 with
Retry-After, never 500; the outage is logged once however many requests fail, with no
traceback; and once the database is back, the next requests are served and the recovery is
logged once too. Chat gets its kind apology meanwhile, and adds nothing to the log.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy.engine import make_url

from bot.emulators.tickets import TicketSender
from storage.outage import RETRY_AFTER_S
from tests.conftest import _admin_execute
from tests.scenarios.test_help_teams import card_of, message, post, seed_erin
from tests.scenarios.test_ticket_webhook import SECRET, all_tickets, event

REQUESTS_DURING_OUTAGE = 3


@pytest.fixture
def bot_options() -> dict:
    # Only the requests under test touch the database.
    return {"scheduler": False}


@pytest.fixture
def settings(make_settings, database_url, tmp_path, connector):
    env = {"TOUCHPOINT_WEBHOOK_SECRET": SECRET}
    if database_url.startswith("sqlite"):
        # A file in a directory that does not exist yet: SQLite cannot open it.
        env["DATABASE_URL"] = f"sqlite:///{_sqlite_file(tmp_path)}"
    return make_settings(config=lambda raw: raw.update(teams={"service_url": connector.url}),
                         env=env)


def _sqlite_file(tmp_path: Path) -> Path:
    return tmp_path / "comes-later" / "touchpoint.db"


async def _stop(database_url: str) -> None:
    if database_url.startswith("postgresql"):
        name = make_url(database_url).database
        _admin_execute(f'DROP DATABASE "{name}" WITH (FORCE)')


async def _restore(database_url: str, tmp_path: Path, request) -> None:
    if database_url.startswith("postgresql"):
        name = make_url(database_url).database
        template = request.getfixturevalue("postgres_template")
        _admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return
    path = _sqlite_file(tmp_path)
    path.parent.mkdir()
    shutil.copy(request.getfixturevalue("sqlite_template"), path)


async def _healthz(bot) -> tuple[int, str | None]:
    async with aiohttp.ClientSession() as http, http.get(f"{bot.url}/healthz") as response:
        return response.status, response.headers.get("Retry-After")


def _assert_logged_once(caplog, during: list[logging.LogRecord]) -> None:
    """One line for the whole outage, from whichever part noticed it first (the webhook, the
    health check, the outbox sender, a chat turn), no traceback, and no other warning during
    the test. On SQLite the outage begins with the bot, so its start-up counts too."""
    records = caplog.get_records("setup") + during
    outage = [r for r in records if r.getMessage().startswith("database unreachable")]
    assert len(outage) == 1
    assert outage[0].getMessage().startswith("database unreachable (OperationalError in ")
    assert [r for r in records if r.exc_info] == []
    assert [r.getMessage() for r in during
            if r.levelno >= logging.WARNING and r not in outage] == []


def _handled_events(bot) -> float:
    return bot.services.metrics.registry.get_sample_value(
        "touchpoint_handler_seconds_count", {"intent": "TicketEventReceived"}) or 0


async def test_an_outage_is_503_with_retry_after_logged_once_until_the_database_is_back(
        bot, database_url, tmp_path, request, caplog):
    async with TicketSender(bot.url, secret=SECRET) as desk:
        if database_url.startswith("postgresql"):
            # Up first, so the pool holds connections the outage then breaks.
            before = await desk.send(event(id="INC-0"))
            assert before.status == 200
        handled_before = _handled_events(bot)
        await _stop(database_url)

        with caplog.at_level(logging.INFO):
            replies = [await desk.send(event(id=f"INC-{n}"))
                       for n in range(1, REQUESTS_DURING_OUTAGE + 1)]
            health = await _healthz(bot)
            outage_log = list(caplog.records)
            caplog.clear()

            await _restore(database_url, tmp_path, request)
            after = await desk.send(event(id="INC-9"))
            health_after = await _healthz(bot)
            recovery_log = list(caplog.records)

    assert [(r.status, r.json(), r.headers.get("Retry-After")) for r in replies] == [
        (503, {"error": "database unavailable"}, str(RETRY_AFTER_S))] * REQUESTS_DURING_OUTAGE
    assert health == (503, str(RETRY_AFTER_S))
    # Each event still went through the dispatcher, as a turn of its own.
    assert _handled_events(bot) - handled_before == REQUESTS_DURING_OUTAGE + 1
    _assert_logged_once(caplog, outage_log)

    assert (after.status, after.json()["outcome"]) == (200, "stored")
    assert health_after == (200, None)
    assert [r.getMessage().split(" after ")[0] for r in recovery_log
            if r.name == "storage.outage"] == ["database reachable again"]
    assert "INC-9" in {ticket.external_id for ticket in await all_tickets(bot)}


async def test_chat_in_an_outage_is_apologised_to_and_logged_once(
        bot, database_url, slack, slack_sender, connector, caplog):
    seed_erin(connector)
    await _stop(database_url)

    with caplog.at_level(logging.INFO):
        teams = [await post(bot.url, message(connector, "help")) for _ in range(2)]
        slack_replies = [await slack_sender.command("/touchpoint", "help") for _ in range(2)]
        apologies = await connector.wait_for("reply", 2)
        slack_apologies = await slack.wait_for_response(2)

    # Teams and Slack take the request (Slack must always have its 2xx)...
    assert [status for status, _ in teams] == [201, 201]
    assert [reply.status for reply in slack_replies] == [200, 200]
    # ...and the person is told something went wrong, in kind words.
    assert all("try again in a moment" in json.dumps(card_of(sent)) for sent in apologies)
    assert all("try again in a moment" in json.dumps(posted.body) for posted in slack_apologies)
    _assert_logged_once(caplog, caplog.records)
