"""The pulse sender: works the delivery outbox, at each platform's pace, on every replica.

A claimer takes due rows in batches (`storage.pulses.claim_due`: SKIP LOCKED on PostgreSQL,
so replicas share the work; the write lock on SQLite) under a lease, and commits the claim
before anything is sent. Workers send one message each, paced per platform, and record the
message reference. A crash leaves claimed rows whose lease lapses and which are claimed again;
a row claimed before is first looked for in the person's DM by its key (`ChatPort.find_dm`,
Slack message metadata), so a message sent just before the crash is recorded, not sent again.

Slack's 429s are retried after their Retry-After by slack_sdk's retry handler (see
bot/slack/client.py); pacing below the limit keeps them rare. Someone who cannot be reached is
marked failed with the reason; other errors are retried with backoff, then marked failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.port import MessageRef, Undeliverable
from bot.chat.router import dm_address
from bot.flows.pulses.campaigns import INVITE_STAGE, REMINDER_STAGE, pulse_message
from bot.services import Services
from storage import csat as csat_store
from storage import pulses as store
from storage.models import Person
from storage.pulses import Claimed, PulseCampaign, PulseDelivery, PulseOptOut

log = logging.getLogger(__name__)

BATCH = 50
WORKERS = 16
POLL_S = 1.0
MAX_ATTEMPTS = 5
RETRY_BACKOFF = timedelta(seconds=30)
CAMPAIGN_FRESH_S = 2.0


class Pacer:
    """At most `rate` starts per second, evenly spaced: a token bucket holding one token.
    (No pinned library offers an asyncio rate limiter; this is the whole of one.)"""

    def __init__(self, rate: float):
        self.interval = 1.0 / rate
        self._next = 0.0

    async def wait(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        slot = max(now, self._next)
        self._next = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)


def cooldown_end(last_survey: datetime | None, fatigue_days: int) -> datetime | None:
    """When someone surveyed at `last_survey` may get a pulse again."""
    if last_survey is None or fatigue_days == 0:
        return None
    return last_survey + timedelta(days=fatigue_days)


@dataclass(frozen=True)
class _Verdict:
    """A delivery not to send now: finished with this status, or moved to `due_at`."""

    status: str
    reason: str
    due_at: datetime | None = None


class PulseSender:
    def __init__(self, services: Services, *, workers: int = WORKERS):
        self.services = services
        config = services.settings.app.outbox
        self.poll_s = config.poll_seconds
        self.lease = timedelta(seconds=config.lease_seconds)
        self.margin_s = config.lease_seconds / 4
        # Rows wait here at most two batches long: at the pace they go out, well within the
        # lease, so a claim does not lapse before its turn.
        fastest = max(config.send_rate.values())
        self.batch = max(1, min(BATCH, int(fastest * config.lease_seconds / 4)))
        self.workers = workers
        self._pacers = {platform: Pacer(rate) for platform, rate in config.send_rate.items()}
        self._queue: asyncio.Queue[Claimed | None] = asyncio.Queue()
        self._tasks: list[asyncio.Task] = []
        self._campaigns: dict[int, tuple[PulseCampaign, float]] = {}
        self._stopping = asyncio.Event()

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._claimer(), name="pulse-claimer")]
        self._tasks += [asyncio.create_task(self._worker(), name=f"pulse-worker-{n}")
                        for n in range(self.workers)]

    async def stop(self, within_s: float) -> None:
        """Claim no more; let messages being sent finish within `within_s`, give back the
        rows claimed but not started, then stop."""
        if not self._tasks:
            return
        self._stopping.set()
        claimer, workers = self._tasks[0], self._tasks[1:]
        # Not cancelled: a claim under way finishes (and its rows are given back below).
        await claimer
        waiting = []
        while not self._queue.empty():
            row = self._queue.get_nowait()
            if row is not None:
                waiting.append(row.id)
        for _worker in workers:
            # Idle workers wait on the queue: wake each with a stop marker.
            self._queue.put_nowait(None)
        _done, late = await asyncio.wait(workers, timeout=within_s)
        for task in late:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        if waiting:
            await self._release(waiting)
        self._tasks = []

    async def _release(self, ids: list[int]) -> None:
        async with self.services.sessions() as session:
            await session.exec(update(PulseDelivery)
                               .where(col(PulseDelivery.id).in_(ids),
                                      col(PulseDelivery.status) == store.CLAIMED)
                               .values(status=store.PENDING, claimed_until=None,
                                       attempts=col(PulseDelivery.attempts) - 1))
            await session.commit()

    async def _claimer(self) -> None:
        while not self._stopping.is_set():
            claimed = []
            if self._queue.qsize() < self.batch:
                try:
                    claimed = await self.claim()
                except Exception:
                    log.exception("could not claim pulse deliveries")
            for row in claimed:
                self._queue.put_nowait(row)
            if claimed and self._queue.qsize() < self.batch:
                continue
            # Nothing due: wait a poll. Enough queued: look again soon.
            pause = min(self.poll_s, 0.05) if claimed else self.poll_s
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), pause)

    async def claim(self) -> list[Claimed]:
        async with self.services.sessions() as session:
            claimed = await store.claim_due(session, self.services.clock(), self.lease,
                                            self.batch)
            await session.commit()
        return claimed

    async def _worker(self) -> None:
        while True:
            row = await self._queue.get()
            if row is None:
                return
            try:
                await self.deliver(row)
            except Exception:
                log.exception("pulse delivery %s failed unexpectedly", row.id)

    async def deliver(self, row: Claimed) -> None:
        """Send one claimed delivery, or finish it without sending when it must not go."""
        services = self.services
        now = services.clock()
        kind = store.INVITE if row.kind == store.INVITE else "reminder"
        if row.claimed_until <= now:
            self._lapsed(row)
            return
        async with services.sessions() as session:
            campaign = await self._campaign(session, row.campaign_id)
            person, opted_out = (await session.exec(
                select(Person, col(PulseOptOut.person_id).is_not(None))
                .outerjoin(PulseOptOut, col(PulseOptOut.person_id) == col(Person.id))
                .where(col(Person.id) == row.person_id))).one()
            verdict = await self._verdict(session, row, campaign, person, opted_out, now)
            if verdict is not None:
                await self._apply(session, row, verdict, now)
                await session.commit()
                services.metrics.pulse_deliveries.labels(
                    kind, "retried" if verdict.due_at else verdict.status).inc()
                return
            await session.commit()
        await self._pace(person)
        # Nobody else may claim the row before its lease ends, so the send must be over (429s
        # are waited out within the call), or abandoned, well before then.
        window = (row.claimed_until - services.clock()).total_seconds() - self.margin_s
        if window < self.margin_s:
            self._lapsed(row)
            return
        key = f"pulse-delivery:{row.id}"
        ref: MessageRef | None = None
        try:
            async with asyncio.timeout(window):
                if row.attempts > 1:
                    # Claimed before: the message may have gone out just before a crash.
                    address = dm_address(person, services.chat.platforms)
                    if address is not None:
                        ref = await services.chat.on(address[0]).find_message(address[1], key)
                if ref is None:
                    stage = INVITE_STAGE if row.kind == store.INVITE else REMINDER_STAGE
                    message = pulse_message(campaign, services.settings.app.organisation.name,
                                            person.tz, stage, secrets.token_urlsafe(16),
                                            key=key)
                    ref = await services.chat.send_dm(person, message)
        except Undeliverable as exc:
            await self._finish(row, store.FAILED, reason=f"unreachable: {exc}"[:100])
            services.metrics.pulse_deliveries.labels(kind, store.FAILED).inc()
            return
        except Exception as exc:
            log.warning("pulse delivery %s: attempt %d failed (%s)", row.id, row.attempts,
                        type(exc).__name__)
            if row.attempts >= MAX_ATTEMPTS:
                await self._finish(row, store.FAILED, reason=f"error: {type(exc).__name__}")
                services.metrics.pulse_deliveries.labels(kind, store.FAILED).inc()
            else:
                async with services.sessions() as session:
                    await store.retry_later(session, row.id,
                                            now + RETRY_BACKOFF * 2 ** (row.attempts - 1),
                                            f"retrying: {type(exc).__name__}")
                    await session.commit()
                services.metrics.pulse_deliveries.labels(kind, "retried").inc()
            return
        if not await self._finish(row, store.SENT, message_ref=ref.to_json()):
            log.warning("pulse delivery %s was sent after its lease lapsed", row.id)
        services.metrics.pulse_deliveries.labels(kind, store.SENT).inc()

    @staticmethod
    def _lapsed(row: Claimed) -> None:
        log.warning("pulse delivery %s: too little of its lease was left to send it; left "
                    "to the next claim (raise pulses.lease_seconds if this recurs)", row.id)

    async def _pace(self, person: Person) -> None:
        platform = "slack" if person.slack_user_id else "teams"
        pacer = self._pacers.get(platform)
        if pacer is not None:
            await pacer.wait()

    async def _finish(self, row: Claimed, status: str, *, reason: str | None = None,
                      message_ref: str | None = None) -> bool:
        async with self.services.sessions() as session:
            done = await store.finish(session, row.id, status, reason=reason,
                                      message_ref=message_ref, now=self.services.clock())
            await session.commit()
        return done

    async def _campaign(self, session: AsyncSession, campaign_id: int) -> PulseCampaign:
        """The campaign, read again once it is CAMPAIGN_FRESH_S old: a close is noticed by
        then (and the close itself drops whatever is still pending)."""
        cached = self._campaigns.get(campaign_id)
        clock = asyncio.get_running_loop().time()
        if cached is None or clock - cached[1] > CAMPAIGN_FRESH_S:
            campaign = await session.get(PulseCampaign, campaign_id, populate_existing=True)
            assert campaign is not None
            cached = self._campaigns[campaign_id] = (campaign, clock)
        return cached[0]

    async def _verdict(self, session: AsyncSession, row: Claimed, campaign: PulseCampaign,
                       person: Person, opted_out: bool, now: datetime) -> _Verdict | None:
        if campaign.status == store.CLOSED or now >= campaign.closes_at:
            return _Verdict(store.SKIPPED, "closed")
        if not person.active:
            return _Verdict(store.FAILED, "left")
        if opted_out:
            return _Verdict(store.SKIPPED, "opted out")
        if row.kind != store.INVITE:
            invite = (await session.exec(select(PulseDelivery).where(
                col(PulseDelivery.campaign_id) == row.campaign_id,
                col(PulseDelivery.person_id) == row.person_id,
                col(PulseDelivery.kind) == store.INVITE))).one()
            if invite.answered:
                return _Verdict(store.SKIPPED, "answered")
            if invite.status in (store.PENDING, store.CLAIMED):
                return _Verdict(store.PENDING, "waiting for the invite",
                                due_at=max(invite.due_at, now) + timedelta(hours=1))
            if invite.status != store.SENT:
                return _Verdict(store.SKIPPED, "invite not delivered")
            return None
        fatigue_days = self.services.settings.app.pulses.fatigue_days
        until = cooldown_end(await csat_store.last_sent_at(session, person.id), fatigue_days)
        if until is not None and until > now:
            if until >= campaign.closes_at:
                return _Verdict(store.SKIPPED, "recently surveyed")
            return _Verdict(store.PENDING, "recently surveyed", due_at=until)
        return None

    async def _apply(self, session: AsyncSession, row: Claimed, verdict: _Verdict,
                     now: datetime) -> None:
        if verdict.due_at is None:
            await store.finish(session, row.id, verdict.status, reason=verdict.reason)
            return
        if row.kind == store.INVITE:
            # The reminders keep their distance from the invite.
            shift = verdict.due_at - now
            later = (await session.exec(select(PulseDelivery).where(
                col(PulseDelivery.campaign_id) == row.campaign_id,
                col(PulseDelivery.person_id) == row.person_id,
                col(PulseDelivery.kind) != store.INVITE,
                col(PulseDelivery.status) == store.PENDING))).all()
            for reminder in later:
                reminder.due_at = reminder.due_at + shift
                session.add(reminder)
        await store.retry_later(session, row.id, verdict.due_at, verdict.reason)
