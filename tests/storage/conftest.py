"""What the storage tests share: a session on the test database (SQLite, and PostgreSQL when
the tests run with one), its engine disposed of afterwards."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.engine import create_engine, session_factory


@pytest.fixture
async def session(database_url: str) -> AsyncIterator[AsyncSession]:
    engine = create_engine(database_url)
    async with session_factory(engine)() as session:
        yield session
    await engine.dispose()
