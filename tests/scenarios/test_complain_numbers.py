"""Tracking numbers are unique across replicas: many complaints submitted at once to two
running replicas sharing one PostgreSQL database (on SQLite, which serves one replica, to
one) get consecutive numbers, none twice; each year counts from 0001."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.emulators.requests import SlackSender
from bot.server import create_app
from storage.complaints import claim_number
from tests.conftest import SIGNING_SECRET, start_bot
from tests.scenarios import complaints_kit as kit
from tests.waiting import eventually

bot_options, clock = kit.bot_options, kit.clock
settings = kit.settings_without_rate_limit
SUBMISSIONS = {"postgresql": 40, "sqlite": 12}
REPLICAS = {"postgresql": 2, "sqlite": 1}


def _backend(database_url: str) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"


@pytest.fixture
async def replicas(settings, bot_options, slack, database_url) -> AsyncIterator[list[tuple]]:
    """Running replicas of the bot on one database, each with its own Slack sender."""
    started = []
    for _ in range(REPLICAS[_backend(database_url)]):
        runner, running = await start_bot(create_app(settings, **bot_options))
        sender = SlackSender(running.url, SIGNING_SECRET, response_base=slack.response_url(""))
        started.append((runner, running, sender))
    yield [(running, sender) for _runner, running, sender in started]
    for runner, _running, sender in started:
        await sender.close()
        await runner.cleanup()


async def test_concurrent_submissions_to_replicas_get_unique_numbers(replicas, slack,
                                                                     database_url):
    submissions = SUBMISSIONS[_backend(database_url)]
    replies = await asyncio.gather(*(
        kit.submit_complaint(replicas[n % len(replicas)][1], description=f"complaint {n}")
        for n in range(submissions)))

    assert {reply.status for reply in replies} == {200}
    bot = replicas[0][0]

    async def all_carded() -> bool:
        rows = await kit.complaints(bot)
        return len(rows) == submissions and all(kit.delivered(slack, row) for row in rows)

    await eventually(all_carded, within_s=60)
    numbers = sorted(row.number for row in await kit.complaints(bot))
    assert numbers == [f"CMP-2026-{n:04d}" for n in range(1, submissions + 1)]
    receipts = [c for c in slack.calls_to("chat.postMessage") if c.args["channel"] == kit.ERIN]
    assert len(receipts) == submissions


async def test_numbers_claimed_in_parallel_sessions_never_repeat(replicas):
    bot = replicas[0][0]

    async def claim(year: int) -> str:
        async with bot.services.sessions() as session:
            number = await claim_number(session, year)
            await session.commit()
            return number

    numbers = await asyncio.gather(*(claim(2026 + n % 2) for n in range(30)))

    assert sorted(n for n in numbers if "2026" in n) == [f"CMP-2026-{n:04d}"
                                                          for n in range(1, 16)]
    assert sorted(n for n in numbers if "2027" in n) == [f"CMP-2027-{n:04d}"
                                                          for n in range(1, 16)]


async def test_a_rolled_back_claim_gives_its_number_back(replicas):
    bot = replicas[0][0]
    async with bot.services.sessions() as session:
        assert await claim_number(session, 2030) == "CMP-2030-0001"
        await session.rollback()
        assert await claim_number(session, 2030) == "CMP-2030-0001"
        await session.commit()

