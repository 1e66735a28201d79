"""Deleting rows that have outlived their use in batches, one transaction each, so pruning a
large table never holds one long transaction (the queries that pick the rows live with their
tables: `storage.outbox.prune_finished`, `storage.once.prune_deliveries`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

Delete = Callable[[AsyncSession, datetime, int], Awaitable[int]]
"""Deletes at most the given number of rows older than the given time; how many it deleted."""


async def delete_in_batches(sessions: async_sessionmaker[AsyncSession], delete: Delete,
                            before: datetime, batch: int) -> int:
    """Run `delete` a batch per transaction until a batch comes back short; the rows deleted."""
    total = 0
    while True:
        async with sessions() as session:
            deleted = await delete(session, before, batch)
            await session.commit()
        total += deleted
        if deleted < batch:
            return total
