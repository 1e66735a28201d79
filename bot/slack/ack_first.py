"""Acknowledgements before work: while requests to `/slack/events` keep coming (one waits for
its acknowledgement, or the last `BURST` came within `BURST_S`), the work of those acknowledged
already runs one piece at a time, each waiting its turn `MAX_WAIT_S` at most; otherwise all of
it runs at once.

Slack gives an app 3 seconds to acknowledge, and shows the person an error past that; the work
after the acknowledgement answers through the command's `response_url` (good for 30 minutes)
or the outbox, where a moment's wait costs nobody anything. asyncio has no priorities: without
an order, a burst of commands shares the event loop between acknowledging the new ones and
the work of every one acknowledged already, so each acknowledgement waits behind all that
work. With it, a burst is acknowledged first while its work trickles along, and the rest of
the work follows once the burst is acknowledged, or `MAX_WAIT_S` after its acknowledgement
at the latest, so no work is starved: under a load that never lets up, the work waits
`MAX_WAIT_S` and then runs beside the acknowledgements, which slow to what the process can
do in all (the server CPU per command that `bench/ack.py` prints).

Requests arriving over Socket Mode are not counted (they have no HTTP answer to wait for).

A listener acknowledges and hands its work to `after_ack`, which runs it in a task of its own,
so that the listener returns at once: the app runs with Bolt's `process_before_response`
(`bot.slack.app`), where Bolt answers as soon as the listener returns. Without it Bolt runs the
listener in a task and polls every 10 ms for its acknowledgement, which held every answer
10 ms at least, however idle the process. Answered that fast, the requests of a burst seldom
overlap, so a burst is also told by how close together the last few came.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

log = logging.getLogger(__name__)

MAX_WAIT_S = 2.0
"""The longest the work of an acknowledged request waits for its turn: inside the 3 seconds a
person waits for an answer before wondering, and long enough to acknowledge a burst of a
few thousand commands first."""

BURST = 3
BURST_S = 0.05
"""`BURST` requests within `BURST_S` are a burst (60 a second or more): two people's commands
at the same moment are not."""


class AckFirst:
    """How many Slack requests are being answered, and the order of work while any is."""

    def __init__(self, max_wait_s: float = MAX_WAIT_S):
        self._max_wait_s = max_wait_s
        self._unanswered = 0
        self._arrivals: deque[float] = deque(maxlen=BURST)
        self._one_at_a_time = asyncio.Lock()
        self._running: set[asyncio.Task] = set()
        """The work started by `after_ack`: the loop keeps only weak references to tasks."""

    def after_ack(self, work: Callable[[], Awaitable[object]]) -> None:
        """Run `work()` in a task of its own, in its order (`working`), once the listener that
        calls this (having acknowledged) has returned. A failure is logged, as Bolt logs a
        listener's failure after its acknowledgement."""
        task = asyncio.get_running_loop().create_task(self._work(work))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    @property
    def pending(self) -> int:
        """Work handed to `after_ack` and not finished (waiting for its turn included)."""
        return len(self._running)

    async def drain(self, within_s: float) -> None:
        """Wait, at most `within_s` seconds, for the work handed to `after_ack` (used at
        shut-down): each was acknowledged, so each owes its answer, including work still
        waiting for its turn, which no handler has started yet."""
        pending = {task for task in self._running if not task.done()}
        if pending:
            _done, still = await asyncio.wait(pending, timeout=within_s)
            if still:
                log.warning("slack: %d acknowledged request(s) not worked on within %.0fs",
                            len(still), within_s)

    async def _work(self, work: Callable[[], Awaitable[object]]) -> None:
        try:
            async with self.working():
                await work()
        except Exception:
            log.exception("slack: the work after an acknowledgement failed")

    @contextlib.contextmanager
    def answering(self) -> Iterator[None]:
        """Count a request as unanswered until the block ends (its HTTP answer is made)."""
        self._unanswered += 1
        self._arrivals.append(asyncio.get_running_loop().time())
        try:
            yield
        finally:
            self._unanswered -= 1

    @contextlib.asynccontextmanager
    async def working(self) -> AsyncIterator[None]:
        """Run the block (an acknowledged request's work) in its order: at once when no other
        request waits for its acknowledgement and the last ones came no burst, else one at a
        time, each waiting `MAX_WAIT_S` at most."""
        # Work started by `after_ack` runs once its request is answered: the requests
        # counted are others.
        arrivals = self._arrivals
        if self._unanswered == 0 and (len(arrivals) < BURST or asyncio.get_running_loop().time()
                                      - arrivals[0] >= BURST_S):
            yield
            return
        held = True
        try:
            # A timeout scope, not wait_for: that wraps the wait in a task of its own, a cost
            # per command under load.
            async with asyncio.timeout(self._max_wait_s):
                await self._one_at_a_time.acquire()
        except TimeoutError:
            held = False  # waited long enough: on with it, beside the one whose turn it is
        try:
            yield
        finally:
            if held:
                self._one_at_a_time.release()
