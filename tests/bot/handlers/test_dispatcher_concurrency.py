"""A burst of requests runs a bounded number of handlers at once, and every one of them runs;
scheduled runs and ticket events have bounds of their own, so neither starves chat."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.chat.port import Origin, Profile
from bot.emulators.tickets import TicketSender
from bot.flows.tickets.ingest import Ingested, Outcome
from bot.handlers.dispatcher import Dispatcher
from bot.handlers.routes import EventTurn, ScheduledTurn, Turn
from bot.intents import Command, Scheduled, TicketEventReceived
from bot.webhooks.route import add_ticket_webhook
from tests.scenarios.test_ticket_webhook import SECRET, event


@pytest.fixture
def clock():
    return lambda: datetime.now(UTC)


@pytest.fixture
def settings(make_settings):
    return make_settings(env={"TOUCHPOINT_WEBHOOK_SECRET": SECRET})


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


class Blocking:
    """Handlers that wait for `release`, counting how many run at once."""

    def __init__(self) -> None:
        self.running = self.most = 0
        self.release = asyncio.Event()

    async def hold(self) -> None:
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            await self.release.wait()
        finally:
            self.running -= 1


async def _settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0.01)


def _help(dispatcher: Dispatcher) -> Command:
    """A command whose handler answers at once, to show chat still gets a slot."""
    async def answer(_turn: Turn) -> None:
        return None

    dispatcher.on_command("touchpoint", "help", answer)
    return Command("touchpoint", "help", Origin("slack", "U0EMPL001"),
                   profile=Profile("slack", "U0EMPL001", "Erin"))


def _handled(dispatcher: Dispatcher, name: str) -> float:
    return dispatcher.services.metrics.registry.get_sample_value(
        "touchpoint_handler_seconds_count", {"intent": name}) or 0


async def test_scheduled_runs_have_a_bound_of_their_own_and_leave_chat_its_slots(services):
    dispatcher = Dispatcher(services, concurrency=1, scheduled_concurrency=2)
    jobs = Blocking()

    async def long_job(_turn: ScheduledTurn) -> None:
        await jobs.hold()

    names = [f"test.long{n}" for n in range(4)]
    for name in names:
        dispatcher.on_schedule(name, long_job, "interval", minutes=1)
    runs = asyncio.gather(*(dispatcher.run(Scheduled(name, datetime.now(UTC)))
                            for name in names))
    await _settle()
    assert (jobs.running, jobs.most) == (2, 2)

    # Chat's one slot is free while the scheduled lane is full.
    await asyncio.wait_for(dispatcher.dispatch(_help(dispatcher)), timeout=5)
    assert _handled(dispatcher, "command:touchpoint help") == 1

    jobs.release.set()
    await asyncio.wait_for(runs, timeout=30)
    assert jobs.most == 2
    assert [_handled(dispatcher, f"schedule:{name}") for name in names] == [1, 1, 1, 1]


async def test_ticket_events_through_the_webhook_have_a_bound_of_their_own(settings, services):
    dispatcher = Dispatcher(services, concurrency=1, ticket_concurrency=2)
    events = Blocking()

    async def slow_intake(turn: EventTurn) -> Ingested:
        assert isinstance(turn.event, TicketEventReceived)
        await events.hold()
        return Ingested(Outcome.STORED, ticket_id=int(turn.event.inbound.event.external_id))

    dispatcher.on_event(TicketEventReceived, slow_intake)
    app = web.Application()
    add_ticket_webhook(app, dispatcher)
    async with TestServer(app) as server, \
            TicketSender(str(server.make_url("/")), secret=SECRET) as desk:
        sent = asyncio.gather(*(desk.send(event(id=str(n))) for n in range(5)))
        await _settle()
        assert (events.running, events.most) == (2, 2)
        await asyncio.wait_for(dispatcher.dispatch(_help(dispatcher)), timeout=5)

        events.release.set()
        replies = await asyncio.wait_for(sent, timeout=30)

    assert events.most == 2
    assert sorted((r.status, r.json()["outcome"], r.json()["ticket"]) for r in replies) == [
        (200, "stored", n) for n in range(5)]
    assert _handled(dispatcher, "TicketEventReceived") == 5


async def test_shut_down_waits_for_turns_running_not_for_a_task_that_ran_one(services):
    """The demo runs scheduled jobs in its own task and then stops the server: the drain must
    not wait for that task, which would be waiting for itself."""
    dispatcher = Dispatcher(services)
    jobs = Blocking()

    async def quick(_turn: ScheduledTurn) -> None:
        return None

    async def long_job(_turn: ScheduledTurn) -> None:
        await jobs.hold()

    dispatcher.on_schedule("test.quick", quick, "interval", minutes=1)
    dispatcher.on_schedule("test.long", long_job, "interval", minutes=1)
    await dispatcher.run(Scheduled("test.quick", datetime.now(UTC)))
    loop = asyncio.get_running_loop()
    started = loop.time()
    await dispatcher.drain(10)
    assert loop.time() - started < 1

    running = asyncio.create_task(dispatcher.run(Scheduled("test.long", datetime.now(UTC))))
    await _settle()
    assert dispatcher.turns == 1
    draining = asyncio.create_task(dispatcher.drain(10))
    await _settle()
    assert not draining.done(), "a turn still running is waited for"
    jobs.release.set()
    await asyncio.wait_for(draining, timeout=5)
    assert running.done() and dispatcher.turns == 0
