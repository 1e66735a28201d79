"""Survey DMs when Slack or a replica fails, on SQLite and PostgreSQL, with tickets resolved
through the signed webhook: while chat.postMessage answers 500, then 503, then 429 for a
while, no survey is lost and none is sent twice; and a `touchpoint run` killed with SIGKILL
in the middle of sending the surveys sends none of them twice once it is started again (each
survey DM carries its outbox key, which the restarted sender looks for before sending)."""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot.emulators.replica import free_port, wait_healthy
from bot.emulators.slack import SlackEmulator
from bot.emulators.tickets import TicketSender
from bot.flows.csat.sending import send_due_surveys
from bot.server import SERVICES, create_app
from bot.services import Services
from storage.csat import SurveyInvitation
from tests.outbox_kit import messages_with_key, outbox_rows
from tests.scenarios.pulse_kit import sync
from tests.scenarios.test_pulse_cli import operator_env
from tests.waiting import eventually

ROOT = Path(__file__).resolve().parents[3]
SECRET = "test-webhook-secret"
SURVEYS = {"quiet_hours": None, "min_days_between": 0}
"""Every resolution surveys its requester at once, whatever the hour the test runs at."""


def requesters(slack: SlackEmulator, count: int, prefix: str) -> list[str]:
    """`count` people in the Slack workspace; their user ids."""
    people = [f"U0{prefix}{n:05d}" for n in range(count)]
    for user_id in people:
        slack.add_user(id=user_id, name=user_id.lower(), email=f"{user_id.lower()}@example.com",
                       tz="UTC")
    return people


def resolution(n: int, user_id: str) -> dict[str, Any]:
    """The desk's event resolving ticket INC-`n`, requested by `user_id`."""
    return {"id": f"INC-{n}", "title": f"Ticket {n}", "status": "resolved",
            "requester_email": f"{user_id.lower()}@example.com",
            "created_at": "2026-01-14T09:00:00Z", "updated_at": "2026-01-14T10:00:00Z"}


async def surveys_out(services: Services, count: int) -> list:
    """Once `count` survey DMs are recorded and all are out: their outbox rows."""
    async def out():
        rows = [row for row in await outbox_rows(services, "csat:")
                if row.key.endswith(":survey")]
        return rows if len(rows) == count and all(r.status == "sent" for r in rows) else None
    return await eventually(out, within_s=120)


def survey_dms(slack: SlackEmulator, rows: list) -> dict[str, int]:
    """How many DMs the Slack emulator received under each survey row's key."""
    return {row.key: len(messages_with_key(slack, row.key)) for row in rows}


async def invitation_states(services: Services) -> set[str]:
    async with services.sessions() as session:
        states = set((await session.exec(select(SurveyInvitation.status))).all())
        await session.commit()
    return states


# ------------------------------------------------------------------ Slack failing for a while


@pytest.fixture
def settings(make_settings):
    return make_settings(config=lambda raw: raw.update(csat=SURVEYS,
                                                      outbox={"poll_seconds": 0.1}),
                         env={"TOUCHPOINT_WEBHOOK_SECRET": SECRET})


@pytest.fixture
def bot_options() -> dict[str, Any]:
    """The real clock: the outage and the retries after it take real seconds."""
    return {"scheduler": False}


async def test_surveys_resolved_while_slack_fails_arrive_once_after_the_outage(bot, slack):
    people = requesters(slack, 30, "OUT")
    for status in (500, 503, 429):
        slack.fail_for("chat.postMessage", 2.5, status, retry_after=1)

    async with TicketSender(bot.url, secret=SECRET) as desk:
        replies = []
        for n, user_id in enumerate(people):
            replies.append(await desk.send(resolution(n, user_id)))
            await asyncio.sleep(0.2)  # resolutions all through the outage

    assert [reply.status for reply in replies] == [200] * len(people)
    rows = await surveys_out(bot.services, len(people))
    await send_due_surveys(bot.services)

    assert survey_dms(slack, rows) == {row.key: 1 for row in rows}
    assert sorted(call.args["channel"] for call in slack.calls_to("chat.postMessage")
                  if not call.faulted) == sorted(people)
    refused = {call.faulted for call in slack.calls_to("chat.postMessage")}
    assert refused == {True, False}, "the outage did not happen while sending"
    assert await invitation_states(bot.services) == {"sent"}


# ------------------------------------------------------------------ a replica killed mid-send

RATE = 40
"""Messages per second, what the bot paces at and the emulator allows: the surveys take a few
seconds to go out, long enough to kill the replica in the middle."""


async def start(env: dict[str, str], port: int) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--host", "127.0.0.1", "--port", str(port),
        "--log-level", "warning", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    await wait_healthy(f"http://127.0.0.1:{port}", process, within_s=60)
    return process


async def killed(process: asyncio.subprocess.Process) -> int:
    """SIGKILL: the process stops at once, whatever it was doing; its exit code."""
    process.send_signal(signal.SIGKILL)
    return await process.wait()


async def test_a_replica_killed_while_sending_surveys_sends_none_twice_after_restart(
        make_settings, slack, cli_env, database_url):
    people = requesters(slack, 240, "KIL")
    slack.rate_limit("chat.postMessage", RATE, burst=5, per_channel=False)
    settings = make_settings(config=lambda raw: raw.update(csat=SURVEYS, outbox={
        "poll_seconds": 0.1, "lease_seconds": 6, "send_rate": {"slack": RATE}}),
        env={"TOUCHPOINT_TEAMS_DEV_MODE": None})
    # Reads the database from this process; sends nothing itself.
    services = create_app(settings, scheduler=False, outbox_sender=False)[SERVICES]
    await sync(services)  # everyone in the directory: each survey is due at once
    port = free_port()
    env = operator_env(settings, slack, cli_env, database_url, TOUCHPOINT_WEBHOOK_SECRET=SECRET)

    first = await start(env, port)
    try:
        async with TicketSender(f"http://127.0.0.1:{port}", secret=SECRET) as desk:
            replies = await asyncio.gather(*(
                desk.send(resolution(n, user_id), timestamp=int(datetime.now(UTC).timestamp()))
                for n, user_id in enumerate(people)))
        assert {reply.status for reply in replies} == {200}
        # Killed once a third of the surveys are out: the rest are claimed or waiting.
        await eventually(lambda: len(slack.calls_to("chat.postMessage")) >= len(people) // 3,
                         within_s=60)
    finally:
        assert await killed(first) == -signal.SIGKILL
    rows = [row for row in await outbox_rows(services, "csat:") if row.key.endswith(":survey")]
    assert len(rows) == len(people)
    sent_before = sum(row.status == "sent" for row in rows)
    assert 0 < sent_before < len(people), "the kill did not land mid-send"
    in_flight = {row.id for row in rows if row.status == "claimed"}

    second = await start(env, port)
    try:
        rows = await surveys_out(services, len(people))
    finally:
        second.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(second.communicate(), timeout=30)
    assert second.returncode == 0, err.decode()

    assert survey_dms(slack, rows) == {row.key: 1 for row in rows}
    received = sorted(message["channel"] for row in rows
                      for message in messages_with_key(slack, row.key))
    assert received == sorted(people)
    # The rows the killed process held were taken again after their lease, and looked for
    # by key before they were sent.
    assert in_flight, "nothing was in flight when the process was killed"
    assert slack.calls_to("conversations.history")
    await send_due_surveys(services)
    assert await invitation_states(services) == {"sent"}
    await services.engine.dispose()
