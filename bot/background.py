"""Work a request starts and need not wait for: run in tasks of its own, at most
`MAX_RUNNING` at once, and waited for at shut-down.

What goes here must already be durable before it is spawned, so that losing the task (a
crash, a shut-down that runs out of time) delays the work and loses nothing: the look-up of a
CSAT survey's requester on the chat platforms, for one, is spawned once the invitation is
recorded as a claimed look-up, and the every-minute `csat.send_due` run takes it over when the
claim's lease runs out. The ticket webhook can then answer the desk without waiting on a chat
platform's latency. (Messages are not sent from here: they go through the outbox.)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from bot.plurals import plural

log = logging.getLogger(__name__)

MAX_RUNNING = 32
"""Background work running at once; the rest waits its turn in order (a slow chat platform
must not grow an unbounded crowd of requests to it)."""


class Background:
    def __init__(self, limit: int = MAX_RUNNING):
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(limit)

    def spawn(self, name: str, work: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Start `work()` soon; a failure is logged under `name`, never raised."""
        task = asyncio.get_running_loop().create_task(self._run(name, work), name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, name: str, work: Callable[[], Coroutine[Any, Any, None]]) -> None:
        async with self._slots:
            try:
                await work()
            except Exception:
                log.exception("background work %s failed", name)

    @property
    def running(self) -> int:
        """Work started and not finished (waiting for a slot included)."""
        return len(self._tasks)

    async def drain(self, within_s: float | None = None) -> None:
        """Wait for the work started so far, and for what that work starts, at most
        `within_s` seconds in all (None: however long it takes)."""
        loop = asyncio.get_running_loop()
        deadline = None if within_s is None else loop.time() + within_s
        while self._tasks:
            left = None if deadline is None else deadline - loop.time()
            if left is not None and left <= 0:
                log.warning("%s did not finish in time; what they were doing is picked up "
                            "again by the scheduled jobs",
                            plural(len(self._tasks), "background task"))
                return
            await asyncio.wait(set(self._tasks), timeout=left)
