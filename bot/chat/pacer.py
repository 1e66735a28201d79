"""The sender's pace per platform: evenly spaced starts, interactive messages first.

(No pinned library offers an asyncio rate limiter with priorities; this is the whole of one.)
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools


class Pacer:
    """At most `rate` starts per second, evenly spaced; waiters of a lower `priority` number
    take the next slot first. (No pinned library offers an asyncio rate limiter.)"""

    def __init__(self, rate: float):
        self.interval = 1.0 / rate
        self._next = 0.0
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._releaser: asyncio.Task[None] | None = None

    def _take(self, now: float) -> None:
        # Slots keep their cadence when a wake-up is a little late (a busy loop must not
        # slow the pace down); after an idle spell the next slot is now, with no burst.
        slot = self._next if now - self._next < self.interval else now
        self._next = slot + self.interval

    async def wait(self, priority: int) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        if not self._waiting and now >= self._next:
            self._take(now)
            return
        turn: asyncio.Future[None] = loop.create_future()
        heapq.heappush(self._waiting, (priority, next(self._order), turn))
        if self._releaser is None or self._releaser.done():
            self._releaser = asyncio.create_task(self._release(), name="outbox-pacer")
        await turn

    async def _release(self) -> None:
        loop = asyncio.get_running_loop()
        while self._waiting:
            delay = self._next - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            _priority, _order, turn = heapq.heappop(self._waiting)
            if turn.done():  # its worker was cancelled
                continue
            turn.set_result(None)
            self._take(loop.time())

    async def close(self) -> None:
        if self._releaser is not None:
            self._releaser.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._releaser
