"""A 429 from the Bot Connector is the tenant's, not one call's: the outbox's Teams pacers
(which share one budget across replicas) pause for its Retry-After, and the call goes again in
a slot of theirs, as Slack's do (tests/bot/chat/test_send_budget.py)."""

from __future__ import annotations

import asyncio
import time

from sqlmodel import select

from bot.chat.message import Message
from bot.chat.pacer import Pacer
from storage.models import Person
from tests.scenarios.test_help_teams import message, post, seed_erin, settings
from tests.waiting import PATIENCE_S

__all__ = ["settings"]  # test_help_teams' settings: Teams at the connector emulator


class _Listening(Pacer):
    """Another sender's Teams pacer, as the outbox's listen, which says when it was paused."""

    def __init__(self, rate: float):
        super().__init__(rate)
        self.paused = asyncio.Event()

    async def pause(self, seconds: float) -> None:
        await super().pause(seconds)
        self.paused.set()


async def test_a_429_pauses_every_teams_pacer_and_the_call_waits_for_a_slot(bot, connector):
    seed_erin(connector)
    await post(bot.url, message(connector, "help"))  # the conversation's reference, stored
    await connector.wait_for("send")
    other = _Listening(20.0)
    bot.services.throttles.listen("teams", other)
    async with bot.services.sessions() as session:
        person = (await session.exec(select(Person))).one()
    connector.fail_next("send", 429, retry_after=1)

    sending = asyncio.create_task(bot.services.chat.send_dm(person, Message(
        "help", {"usages": [], "unknown": None})))
    [first] = [call for call in await connector.wait_for("send", 2) if call.faulted]
    await asyncio.wait_for(other.paused.wait(), PATIENCE_S)  # the 429 reached the bot
    await other.wait(1)  # nothing else goes out to the tenant before the second has passed
    held = time.monotonic() - first.at
    await sending
    await other.close()

    assert held >= 0.9
    assert [call.faulted for call in connector.calls_of("send")] == [False, True, False]
