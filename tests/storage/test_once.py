"""Do-it-once under contention: many writers, one key, exactly one winner and no errors.

Each writer has its own engine, as separate replicas would, so the contention is in the
database (row locks on PostgreSQL, the write lock and busy timeout on SQLite), not in a pool.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import select

from storage.engine import create_engine, session_factory
from storage.models import ProcessedRequest, ScheduledRun
from storage.once import first_delivery, insert_once

WRITERS = 20


async def _race(url: str, attempt) -> list[bool]:
    """Run `attempt(session)` in WRITERS transactions that overlap as much as the database lets
    them, each committing what it did; return what each attempt answered."""
    engines = [create_engine(url, pool_size=1) for _ in range(WRITERS)]
    ready = asyncio.Barrier(WRITERS)
    sqlite = url.startswith("sqlite")
    if sqlite:
        # The first connection switches the file to WAL, which needs it to itself; others
        # trying the same at that moment get "database is locked" without waiting.
        async with engines[0].connect():
            pass

    async def writer(engine) -> bool:
        async with engine.connect():
            pass  # connected and configured before the race starts
        async with session_factory(engine)() as session:
            if not sqlite:
                # On PostgreSQL every transaction has looked and found nothing before anyone
                # inserts. (On SQLite BEGIN IMMEDIATE takes the write lock, so writers meet
                # before beginning.)
                await session.exec(select(func.count()).select_from(ProcessedRequest))
            await ready.wait()
            won = await attempt(session)
            await session.commit()
            return won

    try:
        return await asyncio.gather(*(writer(engine) for engine in engines))
    finally:
        for engine in engines:
            await engine.dispose()


async def _count(url: str, model, *where) -> int:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            return (await session.exec(select(func.count()).select_from(model).where(*where))
                    ).one()
    finally:
        await engine.dispose()


async def test_first_delivery_has_exactly_one_winner(database_url):
    results = await _race(database_url,
                          lambda session: first_delivery(session, "slack-event", "Ev0RACE01"))

    assert results.count(True) == 1
    assert results.count(False) == WRITERS - 1
    assert await _count(database_url, ProcessedRequest) == 1


async def test_insert_once_on_a_composite_unique_key(database_url):
    slot = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    async def claim(session):
        return await insert_once(session, ScheduledRun, job="digest.weekly", scheduled_for=slot,
                                 claimed_by=f"replica-{id(session)}", claimed_at=slot)

    results = await _race(database_url, claim)

    assert results.count(True) == 1
    assert await _count(database_url, ScheduledRun, ScheduledRun.job == "digest.weekly") == 1


async def test_distinct_keys_all_win(database_url):
    keys = iter(range(WRITERS))

    async def deliver(session):
        return await first_delivery(session, "webhook", f"delivery-{next(keys)}")

    results = await _race(database_url, deliver)

    assert results == [True] * WRITERS
    assert await _count(database_url, ProcessedRequest) == WRITERS


async def test_a_repeat_in_the_same_transaction_loses_without_an_error(database_url):
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            first = await first_delivery(session, "slack-event", "Ev0SAME01")
            second = await first_delivery(session, "slack-event", "Ev0SAME01")
            other_source = await first_delivery(session, "webhook", "Ev0SAME01")
            await session.commit()
    finally:
        await engine.dispose()

    assert (first, second, other_source) == (True, False, True)
