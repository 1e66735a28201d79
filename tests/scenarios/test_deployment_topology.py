"""The deployment of deploy/ (two replicas, one PostgreSQL, a round-robin proxy in front),
without containers: two `touchpoint run` processes behind tests/tcp_proxy.py, each request on
a connection of its own so the proxy alternates. A Slack command through the proxy is
answered whichever replica takes it, and a ticket event the desk sends twice (a retry that
lands on the other replica) is stored once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import select

from bot.emulators.replica import free_port, start_replica, stop_replicas, wait_healthy
from bot.emulators.requests import SlackSender
from bot.emulators.tickets import TicketSender
from storage.engine import create_engine, session_factory
from storage.tickets import Ticket
from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.scenarios.test_ticket_webhook import SECRET, event
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
REPLICAS = 2


@pytest.fixture
def database_url(postgres_url: str) -> str:
    return postgres_url


@pytest.fixture
async def replicas(make_settings, cli_env, slack, database_url
                   ) -> AsyncIterator[list[tuple[str, int]]]:
    settings = make_settings(env={"TOUCHPOINT_WEBHOOK_SECRET": SECRET,
                                  "TOUCHPOINT_TEAMS_DEV_MODE": None})
    env = cli_env(TOUCHPOINT_CONFIG=str(settings.config_path), DATABASE_URL=database_url,
                  SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET,
                  SLACK_API_URL=slack.url, TOUCHPOINT_WEBHOOK_SECRET=SECRET)
    ports = [free_port() for _ in range(REPLICAS)]
    processes = [await start_replica(port, env, cwd=ROOT) for port in ports]
    try:
        for port, process in zip(ports, processes, strict=True):
            await wait_healthy(f"http://127.0.0.1:{port}", process, within_s=60)
        yield [("127.0.0.1", port) for port in ports]
    finally:
        await stop_replicas(processes)


async def test_two_replicas_behind_a_round_robin_proxy(replicas, slack, database_url):
    async with TcpProxy(*replicas) as proxy:
        url = f"http://127.0.0.1:{proxy.port}"
        commands = []
        for _ in range(REPLICAS):
            async with SlackSender(url, SIGNING_SECRET,
                                   response_base=slack.response_url("")) as person:
                commands.append((await person.command("/touchpoint", "help")).status)
        answered = await slack.wait_for_response(REPLICAS, timeout=20)
        events = []
        for _ in range(REPLICAS):
            async with TicketSender(url, secret=SECRET) as desk:
                reply = await desk.send(event(id="INC-4242"))
                events.append((reply.status, reply.json()["outcome"]))
        handed = list(proxy.connections)

    assert handed == [2, 2]  # each replica took a command and an event
    assert commands == [200] * REPLICAS
    assert all("how can IT help" in str(posted.body) for posted in answered)
    assert events[0] == (200, "stored")
    assert events[1][0] == 200
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            stored = (await session.exec(select(Ticket.external_id))).all()
    finally:
        await engine.dispose()
    assert stored == ["INC-4242"]
