"""Acknowledgements before work: while requests to `/slack/events` wait for their
acknowledgement, the work of those acknowledged already runs one piece at a time, each
waiting its turn `MAX_WAIT_S` at most; with none waiting, all of it runs at once.

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
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

MAX_WAIT_S = 2.0
"""The longest the work of an acknowledged request waits for its turn: inside the 3 seconds a
person waits for an answer before wondering, and long enough to acknowledge a burst of a
few thousand commands first."""


class AckFirst:
    """How many Slack requests are being answered, and the order of work while any is."""

    def __init__(self, max_wait_s: float = MAX_WAIT_S):
        self._max_wait_s = max_wait_s
        self._unanswered = 0
        self._one_at_a_time = asyncio.Lock()

    @contextlib.contextmanager
    def answering(self) -> Iterator[None]:
        """Count a request as unanswered until the block ends (its HTTP answer is made)."""
        self._unanswered += 1
        try:
            yield
        finally:
            self._unanswered -= 1

    @contextlib.asynccontextmanager
    async def working(self) -> AsyncIterator[None]:
        """Run the block (an acknowledged request's work, from its listener) in its order: at
        once when no other request waits for its acknowledgement, else one at a time, each
        waiting `MAX_WAIT_S` at most."""
        # The request this work answers is counted until Bolt sees its acknowledgement
        # (within 10 ms): only the others' count.
        if self._unanswered <= 1:
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
