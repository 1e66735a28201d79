"""The send budget the replicas share (storage.send_budget through bot.chat.pacer): one rate
for all of them, a replica gone leaves its slots to the others, a 429 pauses everyone.
Each "replica" here is a pacer on an engine of its own, as separate processes would have."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import event

from bot.chat.pacer import LATE_SHARE, Budget, Pacer, Throttles
from bot.metrics import Metrics
from bot.slack.client import make_client
from storage.engine import create_engine
from storage.send_budget import shared_budget

RATE = 20.0


@pytest.fixture
async def replicas(database_url: str) -> AsyncIterator[list[Pacer]]:
    engines = [create_engine(database_url) for _ in range(3)]
    pacers = [Pacer(RATE, shared_budget(engine, "slack", RATE)) for engine in engines]
    if database_url.startswith("sqlite"):
        # One sender on SQLite: nothing to share, each pacer keeps its own pace.
        assert all(pacer.budget is None for pacer in pacers)
    yield pacers
    for pacer in pacers:
        await pacer.close()
    for engine in engines:
        await engine.dispose()


async def starts(pacer: Pacer, count: int) -> list[float]:
    loop = asyncio.get_running_loop()
    times: list[float] = []

    async def one() -> None:
        await pacer.wait(1)
        times.append(loop.time())
    await asyncio.gather(*(one() for _ in range(count)))
    return times


def most_in_one_second(times: list[float]) -> int:
    ordered = sorted(times)
    return max(sum(1 for t in ordered if start <= t < start + 1.0) for start in ordered)


@pytest.mark.postgres
async def test_the_replicas_together_keep_one_rate(replicas, database_url):
    if database_url.startswith("sqlite"):
        pytest.skip("one sender on SQLite")
    # Each replica's first round trip opens its connection (slow): measured from there, or
    # the first replica connected could take a whole run of slots before the others ask.
    await asyncio.gather(*(starts(p, 1) for p in replicas))
    loop = asyncio.get_running_loop()
    began = loop.time()
    times = [t for found in await asyncio.gather(*(starts(p, 20) for p in replicas))
             for t in found]
    # 60 starts at 20/s: about 3 s for all of them, not 1 s for each replica's 20.
    assert max(times) - began >= 59 / RATE * 0.9
    assert most_in_one_second(times) <= RATE + 2  # a wake-up late by a few ms may join
    assert max(times) - began < 59 / RATE * 1.5  # and not much slower than the rate either
    # Each knows it gets a share (so its sender claims fewer rows at a time), not the rate.
    assert all(pacer.pace < RATE / 2 for pacer in replicas)


async def test_a_start_that_woke_late_gives_its_slot_up():
    pacer = Pacer(RATE)
    await pacer.wait(1)
    times = [time.monotonic()]

    async def one() -> None:
        await pacer.wait(1)
        times.append(time.monotonic())
    waiters = [asyncio.create_task(one()) for _ in range(2)]
    await asyncio.sleep(0.9 / RATE)
    # The process waits for a core from just before the next slot to most of an interval
    # after it: the start woken then would go out a few ms before the one of the slot after.
    time.sleep(0.9 / RATE)  # noqa: ASYNC251 - the wait for a core, on purpose
    await asyncio.gather(*waiters)
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert min(gaps) >= (1 - LATE_SHARE) / RATE
    await pacer.close()


@pytest.mark.postgres
async def test_a_slot_read_after_a_wait_for_a_core_is_not_late(database_url):
    if database_url.startswith("sqlite"):
        pytest.skip("one sender on SQLite")
    engine = create_engine(database_url)
    budget = shared_budget(engine, "slack", 2.0)
    assert budget is not None
    stalled = False

    def wait_for_a_core(*_args) -> None:
        if stalled:
            time.sleep(0.2)  # after the database answered, before the replica reads it
    event.listen(engine.sync_engine, "after_cursor_execute", wait_for_a_core)
    try:
        for _ in range(3):  # quick round trips to compare the clocks on
            await budget.take()
        stalled = True
        until = await budget.take()
        first = time.monotonic() + until
        stalled = False
        until = await budget.take()
        second = time.monotonic() + until
    finally:
        await engine.dispose()
    # The slots are half a second apart on the database's clock: so on the replica's too,
    # not 0.3 s because the first was read 0.2 s late.
    assert second - first == pytest.approx(0.5, abs=0.05)


class SlowDatabase:
    """A shared budget behind a round trip of `delay` seconds, half each way: a database
    answering slowly under load."""

    def __init__(self, budget: Budget, delay: float):
        self.budget = budget
        self.delay = delay

    async def take(self, count: int = 1) -> float:
        await asyncio.sleep(self.delay / 2)
        found = await self.budget.take(count)
        await asyncio.sleep(self.delay / 2)
        return found

    async def pause(self, seconds: float) -> None:
        await self.budget.pause(seconds)


@pytest.mark.postgres
async def test_a_slow_database_does_not_hold_the_replicas_below_the_rate(database_url):
    if database_url.startswith("sqlite"):
        pytest.skip("one sender on SQLite")
    engines = [create_engine(database_url) for _ in range(2)]
    budgets = [shared_budget(engine, "slack", RATE) for engine in engines]
    pacers = [Pacer(RATE, SlowDatabase(budget, 0.2)) for budget in budgets if budget]
    try:
        # Each replica's first round trip opens its connection: seconds on a loaded machine.
        await asyncio.gather(*(starts(p, 1) for p in pacers))
        times = [t for found in await asyncio.gather(*(starts(p, 20) for p in pacers))
                 for t in found]
    finally:
        for pacer in pacers:
            await pacer.close()
        for engine in engines:
            await engine.dispose()
    # At one slot per 200 ms round trip each replica would start 5 a second, the two together
    # 10. They reach the rate (20 a second), and no more. Counted within a second rather
    # than as the 2 s all 40 take: a loaded machine stretches that with stalls of its own.
    assert RATE * 3 / 4 <= most_in_one_second(times) <= RATE + 2


@pytest.mark.postgres
async def test_a_replica_gone_leaves_its_slots_to_the_others(replicas, database_url):
    if database_url.startswith("sqlite"):
        pytest.skip("one sender on SQLite")
    first, second, third = replicas
    await asyncio.gather(starts(first, 5), starts(second, 5), starts(third, 5))
    await second.close()
    await third.close()
    loop = asyncio.get_running_loop()
    began = loop.time()
    await starts(first, 20)
    # The one left goes at the whole rate: 20 starts in about 0.95 s, not a third of it.
    assert loop.time() - began < 19 / RATE * 1.3


async def test_a_pause_holds_every_replica(replicas, database_url):
    first, second, _third = replicas
    await starts(first, 1)
    await starts(second, 1)
    loop = asyncio.get_running_loop()
    began = loop.time()
    await first.pause(1.0)
    # On SQLite a pause holds its own pacer only (the one sender there). Elsewhere the
    # others may each still send in the one slot they had reserved before the pause.
    if database_url.startswith("sqlite"):
        await starts(first, 1)
    else:
        await asyncio.gather(starts(first, 1), starts(second, 2))
    assert loop.time() - began >= 0.95


async def test_slack_says_429_and_every_pacer_pauses_then_the_call_takes_a_slot(slack):
    throttles = Throttles()
    first, second = Pacer(RATE), Pacer(RATE)
    throttles.listen("slack", first)
    throttles.listen("slack", second)
    client = make_client("xoxb-test", slack.url, Metrics(), throttles)
    slack.fail_next("chat.postMessage", status=429, retry_after=1)
    loop = asyncio.get_running_loop()
    began = loop.time()
    await client.chat_postMessage(channel="C0TRIAGE1", text="hello")
    calls = slack.calls_to("chat.postMessage")
    assert [call.faulted for call in calls] == [True, False]
    assert calls[1].at - calls[0].at >= 0.95  # tried again once Slack's second had passed
    # Both pacers were held too: nothing else goes out before then, here or elsewhere.
    await starts(first, 1)
    assert loop.time() - began >= 0.95
    await first.close()
    await second.close()


async def test_without_pacers_slack_sdk_waits_by_itself(slack):
    client = make_client("xoxb-test", slack.url, Metrics(), Throttles())
    slack.fail_next("chat.postMessage", status=429, retry_after=1)
    await client.chat_postMessage(channel="C0TRIAGE1", text="hello")
    calls = slack.calls_to("chat.postMessage")
    assert [call.faulted for call in calls] == [True, False]
    assert calls[1].at - calls[0].at >= 0.95
