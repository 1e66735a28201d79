"""The send budget shared by every replica: one row per workspace (Slack) or tenant (Teams),
holding the next free send slot and the time before which nobody sends (a 429's Retry-After).

A replica that wants to send reserves the next slot, or the next few when several of its
messages wait, in one statement: the row's `next_at` moves on by one interval (1 / the
budget's rate) per slot from whichever is latest of itself, the database's clock and
`not_before`, and the replica waits until each slot it got. The slots are
handed out in turn to whoever asks, so the replicas together never go faster than the rate,
and there is no share to divide: a replica that dies stops asking and the others take its
slots at once; one that joins starts asking. Times are the database's clock (seconds since
the epoch), so the replicas' own clocks may disagree: each replica reads its slots on its
own clock through the offset between the two, measured on the quickest of its recent round
trips (as NTP does). Read instead as "so long from when the answer was read", a slot would be
late by however long the replica waited for a core after the database answered, and a
replica's late slots overlap the next replica's.

Only PostgreSQL needs this: on SQLite there is a single sender, paced in its own process
(`bot.chat.pacer`), and `shared_budget` answers None there.
"""

from __future__ import annotations

import time
from collections import deque

from sqlalchemy import func, literal, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import Field, SQLModel, col

MAX_SCOPE = 120
CLOCK_SAMPLES = 16
"""Round trips over which the quickest gives the offset between the clocks: a round trip
made slow by a wait for a core is no measure of it."""


class SendBudget(SQLModel, table=True):
    """The next free send slot of one workspace or tenant; see the module docstring."""

    __tablename__ = "send_budget"

    scope: str = Field(primary_key=True, max_length=MAX_SCOPE,
                       description="slack or teams (one workspace and one tenant per "
                                   "deployment), or platform:id")
    next_at: float = Field(default=0.0, description="the next free slot, epoch seconds")
    not_before: float = Field(default=0.0,
                              description="nobody sends before this (a 429), epoch seconds")


def _db_now():
    return func.extract("epoch", func.clock_timestamp())


class SharedBudget:
    """One scope's budget in the database, for `Pacer`: `take` reserves the next slot and
    says how long until it; `pause` keeps every replica from sending for a while."""

    def __init__(self, engine: AsyncEngine, scope: str, rate: float):
        self.engine = engine
        self.scope = scope[:MAX_SCOPE]
        self.interval = 1.0 / rate
        self._ready = False
        self._samples: deque[tuple[float, float]] = deque(maxlen=CLOCK_SAMPLES)
        """(round trip, the database's clock less `time.monotonic`) of the last takes."""

    async def _ensure(self) -> None:
        if self._ready:
            return
        async with self.engine.begin() as connection:
            await connection.execute(insert(SendBudget).values(scope=self.scope, next_at=0.0,
                                                               not_before=0.0)
                                     .on_conflict_do_nothing())
        self._ready = True

    async def take(self, count: int = 1) -> float:
        """Reserve the next `count` slots, one interval apart; the seconds from this call's
        return until the first (0 or less: now)."""
        await self._ensure()
        span = literal(self.interval * count)
        # A slot missed by less than one interval (every replica a little late) is still
        # given, so lateness does not slow the pace; no earlier one, so no burst.
        start = func.greatest(col(SendBudget.next_at), _db_now() - literal(self.interval),
                              col(SendBudget.not_before))
        async with self.engine.begin() as connection:
            asked = time.monotonic()
            result = await connection.execute(
                update(SendBudget).where(col(SendBudget.scope) == self.scope)
                .values(next_at=start + span)
                .returning(col(SendBudget.next_at) - span, _db_now()))
            answered = time.monotonic()
            first, db_now = result.one()
        self._samples.append((answered - asked, float(db_now) - (asked + answered) / 2))
        _round_trip, offset = min(self._samples)
        return float(first) - offset - time.monotonic()

    async def pause(self, seconds: float) -> None:
        """Nobody sends in this scope for `seconds` from now (the platform said so)."""
        await self._ensure()
        async with self.engine.begin() as connection:
            await connection.execute(
                update(SendBudget).where(col(SendBudget.scope) == self.scope)
                .values(not_before=func.greatest(col(SendBudget.not_before),
                                                 _db_now() + literal(seconds))))


def shared_budget(engine: AsyncEngine, scope: str, rate: float) -> SharedBudget | None:
    """The budget all replicas share, on PostgreSQL; None on SQLite (a single sender)."""
    if engine.dialect.name != "postgresql":
        return None
    return SharedBudget(engine, scope, rate)
