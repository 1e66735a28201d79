"""A burst of requests runs a bounded number of handlers at once, and every one of them runs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.chat.port import Origin, Profile
from bot.handlers.dispatcher import Dispatcher, Turn
from bot.intents import Command


@pytest.fixture
def clock():
    return lambda: datetime.now(UTC)


async def test_a_burst_runs_at_most_the_bound_at_once_and_all_in_the_end(services):
    dispatcher = Dispatcher(services, concurrency=3)
    running, most, finished = 0, 0, []
    release = asyncio.Event()

    async def slow(turn: Turn) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await release.wait()
        running -= 1
        finished.append(turn.intent.text)

    dispatcher.on_command("touchpoint", "slow", slow)
    intents = [Command("touchpoint", f"slow {n}", Origin("slack", "U0EMPL001"),
                       profile=Profile("slack", "U0EMPL001", "Erin")) for n in range(12)]
    burst = asyncio.gather(*(dispatcher.dispatch(intent) for intent in intents))
    for _ in range(50):
        await asyncio.sleep(0.01)
    assert (running, most) == (3, 3)

    release.set()
    await asyncio.wait_for(burst, timeout=30)
    assert most == 3
    assert sorted(finished) == sorted(intent.text for intent in intents)
