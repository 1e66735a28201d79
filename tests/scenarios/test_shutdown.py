"""SIGTERM, end to end: `touchpoint run` as a real process finishes the work it has already
acknowledged, then exits 0, and its logs hold no secret."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from pathlib import Path

from sqlalchemy import func
from sqlmodel import select

from bot.emulators.replica import free_port, wait_healthy
from bot.emulators.requests import SlackSender
from storage.engine import create_engine, session_factory
from storage.models import Person

ROOT = Path(__file__).resolve().parents[2]
BOT_TOKEN = "xoxb-shutdown-7f3a9c1e-token"
SIGNING_SECRET = "shutdown-signing-secret-5d2b8e"
SEEDED_PEOPLE = 3
"""The people tests/conftest.py seeds into the Slack emulator, besides a bot."""


async def _wait_for_people(database_url: str, count: int, within_s: float = 15.0) -> None:
    """Until the directory sync `touchpoint run` starts with has written everyone, so that
    nothing scheduled is still running when the process is told to stop."""
    engine = create_engine(database_url)
    deadline = time.monotonic() + within_s
    try:
        while time.monotonic() < deadline:
            async with session_factory(engine)() as session:
                found = (await session.exec(select(func.count()).select_from(Person))).one()
            if found >= count:
                return
            await asyncio.sleep(0.1)
    finally:
        await engine.dispose()
    raise AssertionError("the start-up directory sync never finished")


async def test_sigterm_finishes_acknowledged_work_then_exits_0(sqlite_url, slack, cli_env):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--host", "127.0.0.1", "--port", str(port),
        env=cli_env(TOUCHPOINT_CONFIG=str(ROOT / "app.yaml"), DATABASE_URL=sqlite_url,
                    SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET,
                    SLACK_API_URL=slack.url),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    output = asyncio.create_task(process.communicate())
    try:
        await wait_healthy(url, process)
        await _wait_for_people(sqlite_url, SEEDED_PEOPLE)
        # Someone the start-up sync did not meet, so answering them needs users.info.
        slack.add_user(id="U0NEWBIE1", name="nina.new", email="nina@example.com")
        # Slack rate-limits the first look-up, so the handler is still waiting (Retry-After)
        # when the process is told to stop: only the drain of handlers can save its reply.
        slack.fail_next("users.info", status=429, retry_after=2)
        async with SlackSender(url, SIGNING_SECRET,
                               response_base=slack.response_url("")) as sender:
            ack = await sender.command("/touchpoint", "help", user_id="U0NEWBIE1")
        assert ack.status == 200
        await slack.wait_for("users.info", 1)
        assert slack.responses == []

        process.send_signal(signal.SIGTERM)
        stdout, stderr = await asyncio.wait_for(output, timeout=10)
    finally:
        if process.returncode is None:
            process.kill()
            await output

    logs = (stdout + stderr).decode("utf-8", "replace")
    assert process.returncode == 0, logs
    [reply] = slack.responses
    assert reply.body["blocks"][0]["text"]["text"] == "Touchpoint: how can IT help?"
    assert [call.faulted for call in slack.calls_to("users.info")] == [True, False]
    assert BOT_TOKEN not in logs
    assert SIGNING_SECRET not in logs
    assert "Traceback" not in logs
