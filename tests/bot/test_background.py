"""Background work: it runs without its caller waiting, at most `limit` at once, a failure is
logged and not raised, and `drain` waits for it (and for what it starts) within a time."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from sqlmodel import select

from bot.background import Background
from bot.server import SERVICES, create_app


async def test_work_runs_after_spawn_returns_and_drain_waits_for_what_it_starts():
    background = Background()
    done: list[str] = []
    release = asyncio.Event()

    async def second() -> None:
        done.append("second")

    async def first() -> None:
        await release.wait()
        done.append("first")
        background.spawn("second", second)

    background.spawn("first", first)
    assert done == [] and background.running == 1
    release.set()
    await background.drain()

    assert done == ["first", "second"]
    assert background.running == 0


async def test_a_failure_is_logged_under_its_name_and_the_rest_carries_on(caplog):
    background = Background()
    done: list[str] = []

    async def broken() -> None:
        raise RuntimeError("the platform said no")

    async def fine() -> None:
        done.append("fine")

    with caplog.at_level(logging.ERROR, logger="bot.background"):
        background.spawn("csat.send:7", broken)
        background.spawn("csat.send:8", fine)
        await background.drain()

    assert done == ["fine"]
    [record] = caplog.records
    assert "csat.send:7" in record.getMessage()
    assert record.exc_info is not None and "the platform said no" in str(record.exc_info[1])


async def test_no_more_than_the_limit_run_at_once():
    background = Background(limit=3)
    running = peak = 0
    release = asyncio.Event()

    async def work() -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await release.wait()
        running -= 1

    for n in range(10):
        background.spawn(f"work:{n}", work)
    for _ in range(5):
        await asyncio.sleep(0)
    assert (running, background.running) == (3, 10)
    release.set()
    await background.drain()

    assert peak == 3 and running == 0


async def test_drain_gives_up_at_its_time_and_says_so(caplog):
    background = Background()
    never = asyncio.Event()

    async def stuck() -> None:
        await never.wait()

    background.spawn("stuck", stuck)
    with caplog.at_level(logging.WARNING, logger="bot.background"):
        await background.drain(within_s=0.05)

    assert background.running == 1
    assert "did not finish in time" in caplog.text
    never.set()
    await background.drain()


async def test_the_server_waits_for_background_work_when_it_shuts_down(make_settings):
    app = create_app(make_settings(), scheduler=False)
    runner = web.AppRunner(app, shutdown_timeout=5)
    await runner.setup()
    done: list[str] = []

    async def slow() -> None:
        await asyncio.sleep(0.2)
        done.append("slow")

    app[SERVICES].background.spawn("slow", slow)
    # Counted in /metrics while it runs.
    assert app[SERVICES].metrics.registry.get_sample_value("touchpoint_background_tasks") == 1
    await runner.cleanup()

    assert done == ["slow"]


async def test_work_started_while_the_last_requests_finish_is_waited_for_too(make_settings):
    app = create_app(make_settings(), scheduler=False)
    done: list[str] = []

    async def late() -> None:
        await asyncio.sleep(0.2)
        # Still able to use the database: it is closed only after this finished.
        async with app[SERVICES].sessions() as session:
            await session.exec(select(1))
        done.append("late")

    async def a_request_finishing_after_the_drain(_app: web.Application) -> None:
        app[SERVICES].background.spawn("late", late)

    app.on_shutdown.append(a_request_finishing_after_the_drain)  # runs after the drain
    runner = web.AppRunner(app, shutdown_timeout=5)
    await runner.setup()
    await runner.cleanup()

    assert done == ["late"]
