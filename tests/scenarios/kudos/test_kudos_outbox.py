"""Kudos given while Slack fails, on SQLite and PostgreSQL: every recipient's DM and every wall
post is recorded with the voucher, retried through the outage (500s, then 503s, then 429s)
and arrives exactly once after it; the givers are answered at once all the same."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from tests.clock import Clock
from tests.outbox_kit import messages_with_key, outbox_all_sent

from .conftest import EMPLOYEE2, LEAD, TECH, TECH2, WALL, mention

TICK_S = 0.1


@asynccontextmanager
async def clock_running(clock: Clock) -> AsyncIterator[None]:
    """The test's clock follows real time meanwhile, so the sender's retries come due."""
    async def tick() -> None:
        while True:
            await asyncio.sleep(TICK_S)
            clock.now += timedelta(seconds=TICK_S)

    ticking = asyncio.create_task(tick())
    try:
        yield
    finally:
        ticking.cancel()


async def test_kudos_given_during_an_outage_arrive_once_after_it(bot, slack, kudos, clock):
    for status in (500, 503, 429):
        slack.fail_for("chat.postMessage", 4, status, retry_after=1)

    async with clock_running(clock):
        answers = [
            await kudos.command(f"{mention(TECH, 'tom.tech')} fixed the VPN"),
            await kudos.command(f"{mention(TECH2, 'tina.tech')} the printer, again"),
            await kudos.command(f"{mention(TECH, 'tom.tech')} {mention(TECH2, 'tina.tech')} "
                                "the office move", user=LEAD),
            await kudos.command(f"{mention(LEAD, 'lee.lead')} the budget", user=EMPLOYEE2),
        ]
        # Answered at once, before Slack takes a single message.
        assert all("on its way" in answer for answer in answers)
        assert all(call.faulted for call in slack.calls_to("chat.postMessage"))
        rows = await outbox_all_sent(bot.services, "kudos:", 9)

    assert {row.status for row in rows} == {"sent"}
    assert sorted(row.key.split(":")[2] for row in rows) == ["dm"] * 5 + ["wall"] * 4
    assert {row.key: len(messages_with_key(slack, row.key)) for row in rows} == {
        row.key: 1 for row in rows}
    delivered = [call.args for call in slack.calls_to("chat.postMessage") if not call.faulted]
    assert sorted(args["channel"] for args in delivered) == sorted(
        [TECH, TECH, TECH2, TECH2, LEAD] + [WALL] * 4)
    assert any(call.faulted for call in slack.calls_to("chat.postMessage"))
