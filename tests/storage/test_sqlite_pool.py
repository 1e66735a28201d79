"""SQLite's pool of one connection (storage/engine.py) while the file cannot be opened: each
session waiting for the connection tries at once, none waits out the pool timeout."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from storage.engine import SQLITE_BUSY_TIMEOUT_MS, create_engine, session_factory


async def test_sessions_waiting_for_an_unopenable_connection_fail_at_once(tmp_path: Path):
    engine = create_engine(f"sqlite:///{tmp_path / 'not-yet' / 'touchpoint.db'}")
    sessions = session_factory(engine)

    async def attempt() -> None:
        async with sessions() as session:
            await session.connection()

    started = time.monotonic()
    try:
        outcomes = await asyncio.gather(*(attempt() for _ in range(3)), return_exceptions=True)
    finally:
        await engine.dispose()
    assert all(isinstance(outcome, OperationalError) for outcome in outcomes), outcomes
    # Without the pool's lazy record the second and third waited the whole pool timeout.
    assert time.monotonic() - started < SQLITE_BUSY_TIMEOUT_MS / 1000 / 2


async def test_the_connection_opens_once_the_file_can_be(tmp_path: Path):
    directory = tmp_path / "not-yet"
    engine = create_engine(f"sqlite:///{directory / 'touchpoint.db'}")
    try:
        with pytest.raises(OperationalError):
            async with session_factory(engine)() as session:
                await session.connection()
        directory.mkdir()
        async with session_factory(engine)() as session:
            connection = await session.connection()
            assert (await connection.exec_driver_sql("SELECT 1")).scalar() == 1
    finally:
        await engine.dispose()
