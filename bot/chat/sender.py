"""The outbox sender: sends every outbox row (storage.outbox), at each platform's pace, on
every replica, within one send budget per platform that the replicas share.

A claimer takes due rows in batches under a lease (SKIP LOCKED on PostgreSQL, so replicas
share the work; the write lock on SQLite), interactive rows before bulk ones, and commits the
claim before anything is sent. Workers send one row each through the chat port, paced per
platform (`bot.chat.pacer`: on PostgreSQL the slots of every replica come from one budget in
the database, `storage.send_budget`, so `outbox.send_rate` is the pace of all replicas
together; an interactive row takes the next free slot ahead of bulk ones), and record where
the message went. A commit that recorded rows wakes the claimer (`Outbox.on_commit`), which
then claims interactive rows even while bulk ones fill its queue.

What a row becomes: a first version is sent (DM, channel post, or reply in the thread of the
parent's message, which it waits for; if the parent failed, a DM to the row's person), a later
version updates the message in place. Each send carries the row's key (Slack message metadata),
and a row claimed before (a crash, a lapsed lease) is first looked for by that key, so it is
not sent twice (Teams cannot look: there a crash at the wrong moment may send twice).

Errors: unreachable (Undeliverable) fails the row at once, with the reason. Anything else
(5xx, 429 beyond slack_sdk's own retries, timeouts, dropped connections) is tried again after
a growing wait, or the server's Retry-After (which also pauses every replica's sends on that
platform), up to `outbox.max_attempts` claims; then the row fails with the last error as its
reason. A platform away (5xx, no connection) is logged once for the outage, with counts when
it ends (`bot.chat.outage`), not once per attempt.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import logging
import random
from collections.abc import Callable
from datetime import timedelta

from bot.chat.codec import decode
from bot.chat.message import Message
from bot.chat.outage import ChatOutage, platform_error, retry_after
from bot.chat.outbox import FRESH_TOKEN
from bot.chat.pacer import Pacer
from bot.chat.port import MessageRef, PlatformChat, Undeliverable
from bot.plurals import plural
from bot.services import Services
from storage import outbox as store
from storage.models import Person
from storage.outage import is_unavailable
from storage.outbox import Claimed
from storage.send_budget import shared_budget

log = logging.getLogger(__name__)

BATCH = 50
WORKERS = 16
FIRST_RETRY_S = 2.0
MAX_RETRY_S = 300.0
PARENT_WAIT = timedelta(seconds=1)
"""How soon a reply whose parent is not out yet looks again (or when the parent is due)."""
GAUGE_EVERY_S = 10.0
LAPSED_EVERY_S = 30.0
"""The most often the rows given back for want of lease are counted in the log."""
_STOP = 99


def backoff(attempts: int, asked: float | None) -> float:
    """Seconds before the next try: what the platform asked, else doubling from
    FIRST_RETRY_S (with a little jitter, so replicas do not retry in step)."""
    if asked is not None:
        return asked
    wait = min(MAX_RETRY_S, FIRST_RETRY_S * 2 ** (attempts - 1))
    return wait * random.uniform(1.0, 1.25)  # noqa: S311 - jitter, not a secret


def _with_fresh_token(message: Message, tokens: Callable[[], str]) -> Message:
    if not any(FRESH_TOKEN in button.value for button in message.buttons):
        return message
    token = tokens()
    return dataclasses.replace(message, buttons=tuple(
        dataclasses.replace(button, value=button.value.replace(FRESH_TOKEN, token))
        for button in message.buttons))


class OutboxSender:
    def __init__(self, services: Services, *, workers: int = WORKERS):
        self.services = services
        config = services.settings.app.outbox
        self.poll_s = config.poll_seconds
        self.lease = timedelta(seconds=config.lease_seconds)
        self.margin_s = config.lease_seconds / 4
        self.max_attempts = config.max_attempts
        self.lease_s = config.lease_seconds
        self.workers = workers
        # One workspace (Slack) and one tenant (Teams) per deployment: the platform is the
        # budget's scope.
        self._pacers = {platform: Pacer(rate, shared_budget(services.engine, platform, rate))
                        for platform, rate in config.send_rate.items()}
        for platform, pacer in self._pacers.items():
            services.throttles.listen(platform, pacer)
        self._queue: asyncio.PriorityQueue[tuple[int, int, Claimed | None]] = (
            asyncio.PriorityQueue())
        self._order = itertools.count()
        self._tasks: list[asyncio.Task] = []
        self._stopping = False
        self._nudge = asyncio.Event()
        self._woken = False
        self._gauge_at = 0.0
        self._lapsed_rows, self._lapsed_said_at = 0, float("-inf")  # see _lapsed
        self.chat_outage = ChatOutage()
        services.outbox.on_commit(self.wake)

    @property
    def batch(self) -> int:
        """Rows to claim at once. They wait here at most two batches long: at the pace they
        go out from this replica (its share of a shared budget), well within the lease, so a
        claim does not lapse before its turn."""
        fastest = max(pacer.pace for pacer in self._pacers.values())
        return max(1, min(BATCH, int(fastest * self.lease_s / 4)))

    def wake(self) -> None:
        """Rows were just committed: look for them now, not at the next poll."""
        self._woken = True
        self._nudge.set()

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._claimer(), name="outbox-claimer")]
        self._tasks += [asyncio.create_task(self._worker(), name=f"outbox-worker-{n}")
                        for n in range(self.workers)]

    async def stop(self, within_s: float) -> None:
        """Claim no more; let messages being sent finish within `within_s`, give back the
        rows claimed but not started, then stop."""
        if not self._tasks:
            return
        self._stopping = True
        self._nudge.set()
        claimer, workers = self._tasks[0], self._tasks[1:]
        # Not cancelled: a claim under way finishes (and its rows are given back below).
        await claimer
        waiting = []
        while not self._queue.empty():
            row = self._queue.get_nowait()[2]
            if row is not None:
                waiting.append(row)
        for _worker in workers:
            # Idle workers wait on the queue: wake each with a stop marker.
            self._queue.put_nowait((_STOP, next(self._order), None))
        _done, late = await asyncio.wait(workers, timeout=within_s)
        for task in late:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        for pacer in self._pacers.values():
            await pacer.close()
        if waiting:
            async with self.services.sessions() as session:
                await store.release(session, waiting)
                await session.commit()
        self._tasks = []

    # ------------------------------------------------------------------ claiming

    async def _claimer(self) -> None:
        while not self._stopping:
            self._say_lapsed()
            woken, self._woken = self._woken, False
            self._nudge.clear()
            claimed: list[Claimed] = []
            try:
                if self._queue.qsize() < self.batch:
                    claimed = await self.claim()
                elif woken:
                    # The queue is full of bulk rows: interactive ones still go ahead.
                    claimed = await self.claim(store.INTERACTIVE)
                await self._count_waiting()
            except Exception as error:
                if is_unavailable(error):
                    # Logged once for the outage, not at every poll while it lasts.
                    self.services.outage.failed(error, "the outbox sender")
                else:
                    log.exception("could not claim outbox rows")
            for row in claimed:
                self._queue.put_nowait((row.priority, next(self._order), row))
            if claimed and self._queue.qsize() < self.batch:
                continue
            # Nothing due: wait a poll (or a wake-up). Enough queued: look again soon.
            pause = min(self.poll_s, 0.05) if claimed else self.poll_s
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._nudge.wait(), pause)

    async def claim(self, lowest_priority: int = store.BULK) -> list[Claimed]:
        async with self.services.sessions() as session:
            claimed = await store.claim_due(session, self.services.clock(), self.lease,
                                            self.batch, lowest_priority=lowest_priority)
            await session.commit()
        # The database answered: an outage this process logged is over (said once).
        self.services.outage.reached()
        return claimed

    async def _count_waiting(self) -> None:
        loop = asyncio.get_running_loop()
        if loop.time() < self._gauge_at:
            return
        self._gauge_at = loop.time() + GAUGE_EVERY_S
        async with self.services.sessions() as session:
            counts = await store.waiting_counts(session)
            await session.commit()
        gauge = self.services.metrics.outbox_waiting
        for platform in (*store.PLATFORMS, store.NO_PLATFORM):
            for lane, priority in (("interactive", store.INTERACTIVE), ("bulk", store.BULK)):
                gauge.labels(platform, lane).set(counts.get((platform, priority), 0))

    # ------------------------------------------------------------------ sending

    async def _worker(self) -> None:
        while True:
            row = (await self._queue.get())[2]
            if row is None:
                return
            try:
                await self.deliver(row)
            except Exception as error:
                if is_unavailable(error):
                    # The database went while the row was out: logged once for the outage; the
                    # row stays claimed, and when its lease lapses is looked up by key, not resent.
                    self.services.outage.failed(error, "the outbox sender")
                else:
                    log.exception("outbox row %s (%s) failed unexpectedly", row.id, row.key)

    async def deliver(self, row: Claimed) -> None:
        """Send one claimed row, or put it back to wait for its parent."""
        services = self.services
        if row.claimed_until <= services.clock():
            self._lapsed(row)
            return
        try:
            chat = services.chat.on(row.platform)
            send = await self._plan(row, chat)
        except Undeliverable as exc:
            await self._fail(row, f"unreachable: {exc}")
            return
        if send is None:
            return
        pacer = self._pacers.get(row.platform)
        if pacer is not None:
            await pacer.wait(row.priority)
        # Nobody else may claim the row before its lease ends, so the send must be over (429s
        # are waited out within the call), or abandoned, well before then.
        window = (row.claimed_until - services.clock()).total_seconds() - self.margin_s
        if window < self.margin_s:
            self._lapsed(row)
            return
        try:
            async with asyncio.timeout(window):
                ref = await send()
        except Undeliverable as exc:
            await self._fail(row, f"unreachable: {exc}")
            return
        except Exception as exc:
            await self._retry(row, exc)
            return
        async with services.sessions() as session:
            done = await store.finish(session, row, ref.channel, ref.message_id,
                                      services.clock())
            await session.commit()
        if not done:
            log.warning("outbox row %s (%s) was sent after its lease lapsed", row.id, row.key)
        self.chat_outage.reached(row.platform)
        services.metrics.outbox_results.labels(store.purpose(row.key), store.SENT).inc()

    async def _plan(self, row: Claimed, chat: PlatformChat):
        """What sending `row` means, as a coroutine function returning the message's ref;
        None when the row went back to wait (a reply whose parent is not out yet)."""
        message = _with_fresh_token(dataclasses.replace(decode(row.payload), key=row.key),
                                    self.services.tokens)
        if row.ref_channel and row.ref_id:
            ref = MessageRef(chat.platform, row.ref_channel, row.ref_id)  # type: ignore[arg-type]

            async def change() -> MessageRef:
                await chat.edit(ref, message)
                return ref
            return change
        if row.kind == store.REPLY:
            parent = await self._parent(row)
            if parent is None:
                return None
            if isinstance(parent, MessageRef):
                return self._once(row, chat, message, lambda: chat.reply_in_thread(
                    parent, message), conversation=parent.channel, thread=parent)
            # The parent was never delivered: to the person instead, in a DM.
            return self._once(row, chat, message, lambda: chat.send_dm(parent, message),
                              conversation=parent)
        assert row.channel is not None
        channel = row.channel
        first = chat.send_dm if row.kind == store.DM else chat.post
        return self._once(row, chat, message, lambda: first(channel, message),
                          conversation=channel)

    def _once(self, row: Claimed, chat: PlatformChat, message, send, *, conversation: str,
              thread: MessageRef | None = None):
        """`send`, unless the row was claimed before and its message is found out already (then
        brought to the latest version)."""
        async def once() -> MessageRef:
            if row.attempts > 1:
                found = await chat.find_message(conversation, row.key, thread=thread)
                if found is not None:
                    log.info("outbox row %s (%s) was sent before; not sent again", row.id,
                             row.key)
                    if row.version > 1:
                        await chat.edit(found, message)
                    return found
            return await send()
        return once

    async def _parent(self, row: Claimed) -> MessageRef | str | None:
        """The parent's ref to reply under; the user id to DM instead when the parent failed;
        None when the row was put back to wait for its parent. Undeliverable when there is
        no way to deliver it."""
        assert row.parent_key is not None
        services = self.services
        async with services.sessions() as session:
            state = await store.parent_state(session, row.parent_key, row.platform)
            person = (await session.get(Person, row.person_id)
                      if row.person_id is not None else None)
            waiting = state is not None and state[0] in (store.PENDING, store.CLAIMED,
                                                         store.SENT) and state[1] is None
            if waiting:
                assert state is not None
                due = max(services.clock() + PARENT_WAIT, state[2])
                await store.retry_later(session, row, due, "waiting for its parent",
                                        count_attempt=False)
            await session.commit()
        if waiting:
            return None
        if state is not None and state[1] is not None:
            return state[1]
        user_id = (person.slack_user_id if row.platform == "slack" else person.teams_user_id
                   ) if person is not None else None
        if not user_id:
            raise Undeliverable(f"its parent {row.parent_key} was not delivered")
        return user_id

    async def _retry(self, row: Claimed, error: Exception) -> None:
        services = self.services
        name = type(error).__name__
        detail = platform_error(error)
        what = f"{name}: {detail}" if detail else name
        # While the platform is away, one line says so for every message (bot.chat.outage).
        level = (logging.DEBUG if self.chat_outage.failed(row.platform, row.id, error)
                 else logging.WARNING)
        log.log(level, "outbox row %s (%s): attempt %d failed (%s)", row.id, row.key,
                row.attempts, what)
        if row.attempts >= self.max_attempts:
            await self._fail(row, f"gave up after {row.attempts} attempts: {what}")
            return
        asked = retry_after(error)
        pacer = self._pacers.get(row.platform)
        if asked is not None and pacer is not None:
            await pacer.pause(asked)
        due = services.clock() + timedelta(seconds=backoff(row.attempts, asked))
        async with services.sessions() as session:
            await store.retry_later(session, row, due, f"retrying: {what}")
            await session.commit()
        services.metrics.outbox_results.labels(store.purpose(row.key), "retried").inc()

    async def _fail(self, row: Claimed, reason: str) -> None:
        # One line per message given up: a post to a channel the bot is not in says so here.
        log.warning("outbox row %s (%s) to %s failed: %s", row.id, row.key, row.platform,
                    reason)
        async with self.services.sessions() as session:
            # A DM (or a reply to one) that failed goes to the person's other platform.
            if await store.fail(session, row, reason):
                await self.services.outbox.fall_back(session, row)
            await session.commit()
        self.services.metrics.outbox_results.labels(store.purpose(row.key), store.FAILED).inc()

    def _lapsed(self, row: Claimed) -> None:
        # Counted, and said in one line by the claimer: after a database outage every row
        # queued meanwhile lapses at once, and a line each would bury the outage's own.
        log.debug("outbox row %s (%s): too little lease left to send it", row.id, row.key)
        self._lapsed_rows += 1

    def _say_lapsed(self) -> None:
        now = asyncio.get_running_loop().time()
        if self._lapsed_rows and now >= self._lapsed_said_at + LAPSED_EVERY_S:
            self._lapsed_said_at = now
            log.warning("%s had too little of their lease left to be sent; left to the next "
                        "claim (raise outbox.lease_seconds if this recurs outside a database "
                        "outage)", plural(self._lapsed_rows, "outbox row"))
            self._lapsed_rows = 0
