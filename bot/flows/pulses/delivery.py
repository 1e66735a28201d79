"""NPS pulse deliveries falling due: each is checked against what may have changed since it
was scheduled (the campaign closed, the person left or opted out, answered already (finished,
for a survey), was sent a survey of any kind lately, or never got the invite a reminder
follows), then handed to the outbox as a bulk DM under its delivery key, skipped, failed, or
moved later, in one transaction per batch.

The pulse tick does this every minute (`queue_due`), and an opening does it at once for what is
due then (`queue_due_in`). The token of the pulse's buttons is made by the sender as it sends
(`FRESH_TOKEN`), so the outbox never holds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Message
from bot.chat.outbox import FRESH_TOKEN
from bot.flows.board.changes import home_changed
from bot.flows.pulses.message import INVITE_STAGE, REMINDER_STAGE, pulse_message
from bot.services import Services
from storage import pulse_deliveries as deliveries
from storage import pulses as store
from storage.models import Person
from storage.pulse_deliveries import Due
from storage.pulses import PulseCampaign

QUEUE_BATCH = 500
"""Deliveries per transaction."""
INVITE_WAIT = timedelta(hours=1)
"""How long a reminder whose invite is not out yet waits before it looks again."""


def cooldown_end(last_survey: datetime | None, fatigue_days: int) -> datetime | None:
    """When someone surveyed at `last_survey` (any kind of survey) may get a pulse again."""
    if last_survey is None or fatigue_days == 0:
        return None
    return last_survey + timedelta(days=fatigue_days)


@dataclass(frozen=True)
class _Verdict:
    """A delivery not to send now: finished with this status, or moved to `due_at`."""

    status: str
    reason: str
    due_at: datetime | None = None


def _verdict(row: Due, campaign: PulseCampaign, now: datetime,
             fatigue_days: int) -> _Verdict | None:
    if campaign.status == store.CLOSED or now >= campaign.closes_at:
        return _Verdict(store.SKIPPED, "closed")
    if not row.person.active:
        return _Verdict(store.FAILED, "left")
    if row.opted_out:
        return _Verdict(store.SKIPPED, "opted out")
    if row.kind != store.INVITE:
        # A survey answered in part still gets its reminders; only finishing ends them.
        if row.invite_finished or (row.invite_answered and not campaign.is_survey):
            return _Verdict(store.SKIPPED, "answered")
        if row.invite_status in (store.PENDING, store.CLAIMED):
            assert row.invite_due_at is not None
            return _Verdict(store.PENDING, "waiting for the invite",
                            due_at=max(row.invite_due_at, now) + INVITE_WAIT)
        if row.invite_status != store.SENT:
            return _Verdict(store.SKIPPED, "invite not delivered")
        return None
    until = cooldown_end(row.last_survey, fatigue_days)
    if until is not None and until > now:
        if until >= campaign.closes_at:
            return _Verdict(store.SKIPPED, "recently surveyed")
        return _Verdict(store.PENDING, "recently surveyed", due_at=until)
    return None


async def queue_due(services: Services) -> int:
    """Hand every delivery due now to the outbox (or settle it otherwise), a batch per
    transaction; how many went to the outbox."""
    queued = 0
    while True:
        async with services.sessions() as session:
            batch = await deliveries.due(session, services.clock(), QUEUE_BATCH)
            queued += await _hand_over(session, services, batch)
            await session.commit()
        if len(batch) < QUEUE_BATCH:
            return queued


async def queue_due_in(session: AsyncSession, services: Services, campaign_id: int) -> int:
    """The same for one campaign, in the caller's transaction (the one that opens it)."""
    queued = 0
    while batch := await deliveries.due(session, services.clock(), QUEUE_BATCH, campaign_id):
        queued += await _hand_over(session, services, batch)
    return queued


async def _hand_over(session: AsyncSession, services: Services, batch: list[Due]) -> int:
    now = services.clock()
    app = services.settings.app
    campaigns: dict[int, PulseCampaign] = {}
    queued: list[int] = []
    dms: list[tuple[Person, Message, str]] = []
    for row in batch:
        campaign = campaigns.get(row.campaign_id)
        if campaign is None:
            campaign = campaigns[row.campaign_id] = await session.get(
                PulseCampaign, row.campaign_id, populate_existing=True)
            assert campaign is not None
        verdict = _verdict(row, campaign, now, app.pulses.fatigue_days)
        kind = store.INVITE if row.kind == store.INVITE else "reminder"
        if verdict is None:
            stage = INVITE_STAGE if row.kind == store.INVITE else REMINDER_STAGE
            assert row.person.id is not None
            dms.append((row.person, pulse_message(
                campaign, app.organisation.name, row.person.tz, stage, FRESH_TOKEN,
                started=(row.invite_answered and campaign.anonymity == "anonymous")),
                        deliveries.delivery_key(row.campaign_id, row.person.id, row.kind)))
            queued.append(row.id)
            outcome = store.QUEUED
        elif verdict.due_at is None:
            await deliveries.mark(session, [row.id], verdict.status, verdict.reason)
            outcome = verdict.status
        else:
            if row.kind == store.INVITE:
                # The reminders keep their distance from the invite.
                assert row.person.id is not None
                await deliveries.shift_reminders(session, row.campaign_id, row.person.id,
                                                 verdict.due_at - now)
            await deliveries.defer(session, row.id, verdict.due_at, verdict.reason)
            outcome = "deferred"
        services.metrics.pulse_deliveries.labels(kind, outcome).inc()
    await services.outbox.send_dms(session, dms, bulk=True)
    await home_changed(session, services, (person.id for person, _message, _key in dms))
    await deliveries.mark(session, queued, store.QUEUED)
    return len(queued)
