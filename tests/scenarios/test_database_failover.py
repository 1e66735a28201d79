"""A PostgreSQL failover under steady Slack and webhook traffic, played by cutting a TCP proxy
in front of the test's database (tests/tcp_proxy.py) and restoring it: the server others
share is never stopped.

While the database is away the bot stays up: /livez 200, /healthz 503 (not ready), the
ticket webhook 503 with Retry-After (never a 2xx for an event it did not store, never a 500),
Slack commands acked and answered "try again in a moment"; the outage is logged once when it
begins and once when it ends, with the failures counted, and no traceback. Within 5 s of the
database returning, both are served again, and every event the desk sent (again, after a 503)
is stored exactly once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlalchemy.engine import make_url

from bot.emulators.tickets import TicketSender
from storage.outage import RETRY_AFTER_S
from tests.scenarios.test_ticket_webhook import SECRET, all_tickets, event
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres

OUTAGE_S = 3.0
BACK_WITHIN_S = 5.0
TRY_AGAIN = "try again in a moment"


@pytest.fixture
def database_url(postgres_url: str) -> str:
    """PostgreSQL only: SQLite has no server to lose (test_database_outage covers its file)."""
    return postgres_url


@pytest.fixture
async def proxy(database_url: str) -> AsyncIterator[TcpProxy]:
    url = make_url(database_url)
    async with TcpProxy((url.host or "127.0.0.1", url.port or 5432)) as running:
        yield running


@pytest.fixture
def settings(make_settings, database_url: str, proxy: TcpProxy):
    through_proxy = make_url(database_url).set(host="127.0.0.1", port=proxy.port)
    return make_settings(env={
        "DATABASE_URL": through_proxy.render_as_string(hide_password=False),
        "TOUCHPOINT_WEBHOOK_SECRET": SECRET})


@pytest.fixture
def bot_options() -> dict:
    return {"scheduler": False}


async def status_of(bot, path: str) -> int:
    async with aiohttp.ClientSession() as http, http.get(f"{bot.url}{path}") as response:
        return response.status


class Traffic:
    """A desk sending ticket events and people typing /touchpoint help, steadily, until told
    to stop; every answer kept."""

    def __init__(self, bot, desk: TicketSender, slack_sender):
        self.bot, self.desk, self.slack_sender = bot, desk, slack_sender
        self.events: list[tuple[str, int, str | None, dict]] = []
        self.commands: list[int] = []
        self._stop = asyncio.Event()

    async def run(self) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            reply = await self.desk.send(event(id=f"INC-{n}"))
            self.events.append((f"INC-{n}", reply.status, reply.headers.get("Retry-After"),
                                reply.json()))
            if n % 2 == 0:
                self.commands.append(
                    (await self.slack_sender.command("/touchpoint", "help")).status)
            await asyncio.sleep(0.05)  # a steady pace, not a synchronisation

    def stop(self) -> None:
        self._stop.set()


async def test_a_failover_under_traffic_is_ridden_out(bot, proxy, slack, slack_sender, caplog):
    async with TicketSender(bot.url, secret=SECRET) as desk:
        traffic = Traffic(bot, desk, slack_sender)
        with caplog.at_level(logging.INFO):
            running = asyncio.create_task(traffic.run())
            await asyncio.sleep(1.0)  # traffic with the database up
            await proxy.cut()
            cut_at = time.monotonic()
            await asyncio.sleep(OUTAGE_S)
            during = (await status_of(bot, "/healthz"), await status_of(bot, "/livez"))
            sent_during = len(traffic.events)
            await proxy.restore()
            restored_at = time.monotonic()
            while await status_of(bot, "/healthz") != 200:
                assert time.monotonic() - restored_at < BACK_WITHIN_S
                await asyncio.sleep(0.05)
            ready_after = time.monotonic() - restored_at
            while traffic.events[-1][1] != 200 or len(traffic.events) <= sent_during:
                assert time.monotonic() - restored_at < BACK_WITHIN_S
                await asyncio.sleep(0.05)
            served_after = time.monotonic() - restored_at
            await asyncio.sleep(1.0)  # traffic with the database back
            traffic.stop()
            await running
            # The desk sends again what was answered 503, as Retry-After asks.
            refused = [ticket_id for ticket_id, status, _, _ in traffic.events if status == 503]
            again = [(await desk.send(event(id=ticket_id))).status for ticket_id in refused]
            answered = await slack.wait_for_response(len(traffic.commands), timeout=10)
    records = caplog.records

    assert during == (503, 200)
    assert ready_after < BACK_WITHIN_S and served_after < BACK_WITHIN_S
    assert cut_at < restored_at
    # The webhook: 200 (stored) or 503 with Retry-After, nothing else.
    assert {(status, retry) for _, status, retry, _ in traffic.events} <= {
        (200, None), (503, str(RETRY_AFTER_S))}
    assert refused, "the outage refused nothing: the proxy was not in the way"
    assert again == [200] * len(refused)
    sent = {ticket_id for ticket_id, _, _, _ in traffic.events}
    stored = [ticket.external_id for ticket in await all_tickets(bot)]
    assert sorted(stored) == sorted(sent)  # every event once, none lost, none twice
    # Slack: every command acked, and answered once, in kind words while the database was away.
    assert traffic.commands == [200] * len(traffic.commands)
    texts = [json.dumps(posted.body) for posted in answered]
    assert len(answered) == len(traffic.commands)
    assert any(TRY_AGAIN in text for text in texts)
    assert not any("something went wrong" in text for text in texts)
    # The log: one line as the outage began, one as it ended with the failures counted.
    outage = [r.getMessage() for r in records if r.name == "storage.outage"]
    assert len(outage) == 2, outage
    assert outage[0].startswith("database unreachable (OperationalError in ")
    assert outage[1].startswith("database reachable again after ")
    assert " failure(s) meanwhile" in outage[1]
    assert [r for r in records if r.exc_info] == []
