"""The sender's pace per platform: evenly spaced starts, interactive messages first, and a
pause for everyone when the platform says slow down (429 + Retry-After).

The slots come from the budget all replicas share in the database (`storage.send_budget`),
or, where there is none (SQLite, one sender), from this process's own clock. Either way the
waiters of this process take them in order of priority.

Times are `time.monotonic()`, not the event loop's clock: uvloop reads its clock once per
turn of the loop, to the millisecond, so a wait for a core in the middle of a turn would not
show in it, and a start late for that reason would not know it.

(No pinned library offers an asyncio rate limiter with priorities; this is the whole of one.)
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import time
from collections import deque
from typing import Protocol

log = logging.getLogger(__name__)

SHARED_RETRY_S = 1.0
"""How soon a pacer asks its shared budget again when the database did not answer."""
SLOTS_PER_TAKE = 8
"""The most shared slots reserved in one round trip to the database, when that many starts
wait: with one a round trip, a replica could go no faster than one start per round trip, and
a loaded database (tens of ms) would hold every replica below the rate."""
PACE_GAPS = 4 * SLOTS_PER_TAKE
"""Starts over which `Pacer.pace` is measured."""
LATE_SHARE = 0.5
"""How late after its slot, as a share of the interval, a start may still go. A start later
than that (its process waited for a core between the slot and the send) gives the slot up
and takes the next: sent late, it would land on the next sender's slot, and late sends of
several replicas would pile onto one second past the limit (answered 429, which pauses
everyone for a whole second)."""
MAX_GIVEN_UP = 4
"""The most slots one start gives up for being late, then it goes in the next one however
late: a process always slower than `LATE_SHARE` of the interval still sends."""


class Budget(Protocol):
    """Slots shared with other replicas (storage.send_budget.SharedBudget)."""

    async def take(self, count: int = 1) -> float: ...

    async def pause(self, seconds: float) -> None: ...


class Pacer:
    """At most `rate` starts per second, evenly spaced (across every replica when given the
    shared `budget`); waiters of a lower `priority` number take the next slot first."""

    def __init__(self, rate: float, budget: Budget | None = None):
        self.interval = 1.0 / rate
        self.budget = budget
        self._gaps: deque[float] = deque([self.interval], maxlen=PACE_GAPS)
        """The last times between this pacer's starts while it had waiters: averaged over
        several blocks of slots (those of one block are an interval apart)."""
        self._next = 0.0
        self._waiting: list[tuple[int, int, asyncio.Future[float]]] = []
        self._order = itertools.count()
        self._releaser: asyncio.Task[None] | None = None
        self._slots: deque[float] = deque()
        """Shared slots reserved and not used yet, in order."""
        self._ahead: asyncio.Task[list[float]] | None = None
        """The shared slots after those held, reserved meanwhile: the round trip to the
        database then never leaves a slot of the budget unused. (Another replica's pause does
        not reach slots reserved already: each may send a few messages into them.)"""
        self._ahead_from = 0.0
        self._paused_at = -1.0

    def _take(self, now: float) -> None:
        # Slots keep their cadence when a wake-up is a little late (a busy loop must not
        # slow the pace down); after an idle spell the next slot is now, with no burst.
        slot = self._next if now - self._next < self.interval else now
        self._next = slot + self.interval

    async def wait(self, priority: int) -> None:
        loop = asyncio.get_running_loop()
        now = time.monotonic()
        if self.budget is None and not self._waiting and now >= self._next:
            self._take(now)
            return
        order = next(self._order)
        for given_up in itertools.count():
            turn: asyncio.Future[float] = loop.create_future()
            # A start that gave its slot up keeps its place in line: the next slot is its own.
            heapq.heappush(self._waiting, (priority, order, turn))
            if self._releaser is None or self._releaser.done():
                self._releaser = asyncio.create_task(self._release(), name="outbox-pacer")
            slot = await turn
            late = time.monotonic() - slot
            if late <= LATE_SHARE * self.interval or given_up == MAX_GIVEN_UP:
                return
            log.debug("a start woke %.3f s after its slot: slot given up", late)

    async def _shared_slots(self, count: int) -> list[float]:
        """The next `count` slots of the shared budget, which are this pacer's from now on,
        as times of `time.monotonic`."""
        assert self.budget is not None
        while True:
            try:
                until = await self.budget.take(count)
                # The clock read once the answer is in: `take` counts from its return.
                first = time.monotonic() + until
                return [first + n * self.interval for n in range(count)]
            except Exception as error:
                # Nothing is sent without a slot (the database also records what went
                # out); the sender's claimer logs the outage.
                log.debug("no send slot from the shared budget: %s", error)
                await asyncio.sleep(SHARED_RETRY_S)

    async def _slot(self) -> float:
        """When the next start may be, as a time of `time.monotonic`."""
        if self.budget is None:
            return self._next
        ahead = self._ahead
        if ahead is not None and (ahead.done() or not self._slots):
            # Waited for only when no slot is held: those held must not go stale meanwhile.
            self._ahead = None
            reserved = await ahead
            if self._ahead_from > self._paused_at:  # else reserved before this pacer paused
                self._slots.extend(reserved)
        while self._slots and self._slots[0] < time.monotonic() - LATE_SHARE * self.interval:
            self._slots.popleft()  # too late to use: see LATE_SHARE
        if not self._slots:
            # One: a slot's time reads late by the round trip that brought it (the first on a
            # new connection is slow), and a whole block read late would overlap the next
            # replica's. The blocks come reserved ahead, while this slot is waited for.
            self._slots.extend(await self._shared_slots(1))
        slot = self._slots.popleft()
        ahead_wanted = self._wanted()
        if self._ahead is None and ahead_wanted:
            self._ahead_from = time.monotonic()
            self._ahead = asyncio.create_task(self._shared_slots(ahead_wanted),
                                              name="outbox-pacer-ahead")
        return slot

    def _wanted(self) -> int:
        """Slots to reserve ahead: one for each start waiting beyond the slots held (the one
        given a slot now is still among the waiting), up to SLOTS_PER_TAKE; with none waiting
        and none held, one for the next start to come. (Slots reserved and never used are lost
        to every replica: a replica reserves no more than it has starts for.)"""
        need = len(self._waiting) - 1 - len(self._slots)
        if need > 0:
            return min(SLOTS_PER_TAKE, need)
        return 0 if self._slots else 1

    @property
    def pace(self) -> float:
        """Starts per second this pacer gets while busy: the rate, or with a shared budget
        this replica's share of it (the rate over the replicas sending)."""
        return len(self._gaps) / sum(self._gaps)

    async def _release(self) -> None:
        last: float | None = None
        while self._waiting:
            slot = await self._slot()
            delay = slot - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            now = time.monotonic()
            if last is not None:
                self._gaps.append(max(now - last, self.interval))
            last = now
            while self._waiting:
                _priority, _order, turn = heapq.heappop(self._waiting)
                if not turn.done():  # else its worker was cancelled
                    turn.set_result(slot)  # the waiter sees how late it woke
                    break
            if self.budget is None:
                self._take(time.monotonic())

    async def pause(self, seconds: float) -> None:
        """The platform asked for `seconds` without sends: nobody here (nor, with a shared
        budget, on any replica) takes a slot before then."""
        if self.budget is not None:
            self._paused_at = time.monotonic()
            self._slots.clear()
            with contextlib.suppress(Exception):  # the database is down: nothing sends
                await self.budget.pause(seconds)
            return
        self._next = max(self._next, time.monotonic() + seconds)

    async def close(self) -> None:
        for task in (self._releaser, self._ahead):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


class Throttles:
    """Where a platform client reports a 429 it met (slack_sdk's retry handler): every pacer
    of that platform pauses, and the call is tried again in a slot of theirs, so a retry
    never goes out on top of the pace."""

    def __init__(self) -> None:
        self._pacers: dict[str, list[Pacer]] = {}

    def listen(self, platform: str, pacer: Pacer) -> None:
        self._pacers.setdefault(platform, []).append(pacer)

    async def throttled(self, platform: str, seconds: float) -> bool:
        """Pause `platform`'s pacers for `seconds`, then wait for a slot (ahead of bulk
        messages); False when no pacer listens, for the caller to wait by itself."""
        pacers = self._pacers.get(platform, [])
        for pacer in pacers:
            await pacer.pause(seconds)
        if not pacers:
            return False
        await pacers[-1].wait(0)
        return True
