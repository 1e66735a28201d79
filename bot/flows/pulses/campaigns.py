"""NPS pulses, the campaign's life: created (from app.yaml's recurrence, the command line or
an IT lead in chat), opened (one outbox row per person and message, due at the campaign's send
time in each person's own zone), closed (what was not sent is dropped, and the results card
goes to the leads' channel).

Sending is `bot.flows.pulses.sender`'s, answering `bot.flows.pulses.answers`'s, and the
figures `bot.flows.pulses.results`'s.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import col, or_, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Button, Message
from bot.config import AppConfig, PulseAudience, PulseCampaignConfig
from bot.flows.directory.people import Identity
from bot.flows.pulses.results import campaign_results
from bot.services import Services
from storage import pulses as store
from storage.models import Person
from storage.once import insert_once, update_if
from storage.pulses import PulseCampaign, PulseDelivery, PulseOptOut
from storage.types import utcnow

log = logging.getLogger(__name__)

ENQUEUE_BATCH = 500
"""People per insert when a campaign opens."""
SEND_NOW = "now"
"""The stored send time of a pulse sent to everyone as it opens, not at a local time."""
RESULTS_LEASE = timedelta(minutes=10)
"""How long a replica that took a results card to post has before another posts it."""


@dataclass(frozen=True)
class CampaignSpec:
    """What a new campaign is, before it is stored."""

    name: str
    opens_at: datetime
    open_days: int
    audience: PulseAudience = field(default_factory=lambda: PulseAudience(everyone=True))
    anonymity: str = "confidential"
    send_time: time | None = time(10, 0)
    """On each person's clock; None sends to everyone as it opens."""
    reminders: tuple[int, ...] | None = None
    min_group: int | None = None
    template: str = "pulses/invite"
    definition: str | None = None


async def create_campaign(session: AsyncSession, app: AppConfig, spec: CampaignSpec,
                          created_by: int | None = None) -> PulseCampaign | None:
    """Store a scheduled campaign; None when the name is taken. The caller commits."""
    defaults = app.pulses
    created = await insert_once(
        session, PulseCampaign, name=spec.name, definition=spec.definition,
        template=spec.template, audience=spec.audience.model_dump(mode="json"),
        anonymity=spec.anonymity, min_group=spec.min_group or defaults.min_group,
        reminders=list(spec.reminders if spec.reminders is not None else defaults.reminders),
        send_time=spec.send_time.strftime("%H:%M") if spec.send_time else SEND_NOW,
        opens_at=spec.opens_at,
        closes_at=spec.opens_at + timedelta(days=spec.open_days), status=store.SCHEDULED,
        created_by=created_by, created_at=utcnow())
    return await find_campaign(session, spec.name) if created else None


async def find_campaign(session: AsyncSession, name: str) -> PulseCampaign | None:
    return (await session.exec(select(PulseCampaign)
                               .where(col(PulseCampaign.name) == name))).first()


# --------------------------------------------------------------------------- opening


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_send_times(opens_at: datetime, send_time: time | None, tz: str,
                     reminders: Iterable[int]) -> list[datetime]:
    """When someone in `tz` gets the pulse and each reminder, in UTC: the first `send_time`
    on their clock at or after the opening, then the same clock time `days` later (with no
    `send_time`: the opening, then `days` after it)."""
    if send_time is None:
        return [opens_at] + [opens_at + timedelta(days=n) for n in reminders]
    zone = _zone(tz)
    first_day = opens_at.astimezone(zone).date()
    if _at(first_day, send_time, zone) < opens_at:
        first_day += timedelta(days=1)
    days = [first_day] + [first_day + timedelta(days=n) for n in reminders]
    return [_at(day, send_time, zone) for day in days]


def _at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, zone).astimezone(UTC)


def in_audience(audience: PulseAudience, person: Person) -> bool:
    if audience.everyone:
        return True
    if any(person.segments.get(name) in values for name, values in audience.segments.items()):
        return True
    return Identity(person.slack_user_id, person.teams_user_id, person.email).matches(
        audience.people)


async def enqueue(session: AsyncSession, campaign: PulseCampaign) -> int:
    """Write the campaign's outbox: an invite and its reminders for each person in the
    audience who has not opted out, each due at their local send time before the close.
    Idempotent (the rows are unique); returns the rows this call added."""
    audience = PulseAudience.model_validate(campaign.audience)
    send_time = None if campaign.send_time == SEND_NOW else time.fromisoformat(
        campaign.send_time)
    opted_out = select(PulseOptOut.person_id)
    people = (await session.exec(
        select(Person).where(col(Person.active), col(Person.id).not_in(opted_out))
        .order_by(col(Person.id)))).all()
    rows: list[dict[str, Any]] = []
    for person in people:
        if not in_audience(audience, person):
            continue
        times = local_send_times(campaign.opens_at, send_time, person.tz, campaign.reminders)
        kinds = [store.INVITE] + [store.reminder_kind(n + 1)
                                  for n in range(len(campaign.reminders))]
        rows.extend({"campaign_id": campaign.id, "person_id": person.id, "kind": kind,
                     "due_at": due}
                    for kind, due in zip(kinds, times, strict=True)
                    if due < campaign.closes_at)
    added = 0
    for start in range(0, len(rows), ENQUEUE_BATCH):
        added += await store.enqueue(session, rows[start:start + ENQUEUE_BATCH])
    return added


async def open_due_campaigns(services: Services) -> list[str]:
    """Open every scheduled campaign whose time has come; returns their names.

    The state change and the outbox are one transaction, so a crash opens nothing, and the
    state change is the claim, so with several replicas one of them opens each campaign.
    """
    now = services.clock()
    opened = []
    scheduled = col(PulseCampaign.status) == store.SCHEDULED
    async with services.sessions() as session:
        due = await store.campaigns_where(session, scheduled, col(PulseCampaign.opens_at) <= now)
        await session.commit()
    for campaign_id in due:
        async with services.sessions() as session:
            if not await update_if(session, PulseCampaign, campaign_id, scheduled,
                                   status=store.OPEN):
                await session.rollback()
                continue
            campaign = await session.get(PulseCampaign, campaign_id)
            assert campaign is not None
            queued = await enqueue(session, campaign)
            await session.commit()
        log.info("pulse %s opened: %d messages queued", campaign.name, queued)
        opened.append(campaign.name)
    return opened


async def open_recurring(services: Services, scheduled_for: datetime, definition: str,
                         config: PulseCampaignConfig) -> None:
    """A recurrence of an app.yaml campaign: created (once, by its name) and opened now."""
    spec = CampaignSpec(
        name=f"{definition}-{scheduled_for.date().isoformat()}", opens_at=scheduled_for,
        open_days=config.open_days, audience=config.audience, anonymity=config.anonymity,
        send_time=config.send_time,
        reminders=tuple(config.reminders) if config.reminders is not None else None,
        min_group=config.min_group, template=config.template, definition=definition)
    async with services.sessions() as session:
        await create_campaign(session, services.settings.app, spec)
        await session.commit()
    await open_due_campaigns(services)


# --------------------------------------------------------------------------- closing


async def close_due_campaigns(services: Services) -> None:
    """Close every open campaign past its close time and drop what was not sent (the state
    change is the claim: one replica closes), then post every results card not out yet."""
    now = services.clock()
    still_open = col(PulseCampaign.status) == store.OPEN
    async with services.sessions() as session:
        due = await store.campaigns_where(session, still_open,
                                          col(PulseCampaign.closes_at) <= now)
        await session.commit()
    for campaign_id in due:
        async with services.sessions() as session:
            if await update_if(session, PulseCampaign, campaign_id, still_open,
                               status=store.CLOSED, closed_at=now):
                await session.exec(
                    update(PulseDelivery)
                    .where(col(PulseDelivery.campaign_id) == campaign_id,
                           col(PulseDelivery.status) == store.PENDING)
                    .values(status=store.SKIPPED, reason="closed"))
            await session.commit()
    await post_due_results(services)


async def post_due_results(services: Services) -> None:
    """Post the results card of every closed campaign whose card is not out yet.

    Each card is claimed first, so one replica posts it; a claim older than `RESULTS_LEASE`
    was a replica that died, and the card is posted again (twice after a crash at the wrong
    moment is better than never). A card the platform refuses is left for the next tick.
    """
    now = services.clock()
    unposted = (col(PulseCampaign.status) == store.CLOSED,
                col(PulseCampaign.results_posted_at).is_(None),
                or_(col(PulseCampaign.results_claimed_at).is_(None),
                    col(PulseCampaign.results_claimed_at) < now - RESULTS_LEASE))
    async with services.sessions() as session:
        due = await store.campaigns_where(session, *unposted)
        await session.commit()
    for campaign_id in due:
        async with services.sessions() as session:
            won = await update_if(session, PulseCampaign, campaign_id, *unposted,
                                  results_claimed_at=now)
            results = (await campaign_results(session, campaign_id, by=_segment_names(services))
                       if won else None)
            await session.commit()
        if results is None:
            continue
        try:
            await services.chat.post(services.settings.app.channels.digests,
                                     Message("pulses/results", results.context(
                                         services.settings.app.organisation.timezone),
                                             sections=("text", "segments")))
        except Exception as error:
            log.warning("pulse %s: posting the results failed (%s); the next tick tries again",
                        campaign_id, type(error).__name__)
            posted = None
        else:
            posted = services.clock()
        async with services.sessions() as session:
            await session.exec(update(PulseCampaign)
                               .where(col(PulseCampaign.id) == campaign_id)
                               .values(results_posted_at=posted, results_claimed_at=None))
            await session.commit()


def _segment_names(services: Services) -> list[str]:
    return sorted(services.settings.app.segments)


async def tick(services: Services, _scheduled_for: datetime) -> None:
    """The scheduled pulse housekeeping: open, close, and count the outbox for /metrics."""
    await open_due_campaigns(services)
    await close_due_campaigns(services)
    await count_outbox(services)


async def count_outbox(services: Services) -> None:
    async with services.sessions() as session:
        counts = await store.outbox_counts(session)
        answers = await store.answered_count(session)
        await session.commit()
    gauge = services.metrics.pulse_outbox
    for kind in (store.INVITE, "reminder"):
        for status in (store.PENDING, store.CLAIMED, store.SENT, store.FAILED, store.SKIPPED):
            gauge.labels(kind, status).set(counts.get((kind, status), 0))
    gauge.labels("answer", "answered").set(answers)


def recurring_jobs(app: AppConfig):
    """(job name, job, cron fields) for each app.yaml campaign, for the pulses handler's jobs."""
    for definition, config in sorted(app.pulses.campaigns.items()):
        async def job(services: Services, scheduled_for: datetime,
                      definition: str = definition,
                      config: PulseCampaignConfig = config) -> None:
            await open_recurring(services, scheduled_for, definition, config)

        yield f"pulses.open.{definition}", job, config.recurrence


# --------------------------------------------------------------------------- the message

INVITE_STAGE, REMINDER_STAGE, ANSWERED_STAGE, CLOSED_STAGE = (
    "invite", "reminder", "answered", "closed")
SCORE_ACTION = "pulse.score."
WHY_ACTION = "pulse.why"
SCORES = range(11)


def pulse_message(campaign: PulseCampaign, organisation: str, tz: str, stage: str,
                  token: str | None, *, score: int | None = None,
                  comment: str | None = None, key: str | None = None) -> Message:
    """The pulse DM in each of its states: asking, reminding, thanking (with the score
    buttons still there to change it, and a button for the why), or closed.

    `token` goes only into the buttons' values, with the campaign id: see storage.pulses.
    """
    buttons: tuple[Button, ...] = ()
    if token is not None and stage != CLOSED_STAGE:
        value = f"{campaign.id}.{token}"
        buttons = tuple(Button(f"{SCORE_ACTION}{n}", f"score_{n}", value,
                               style="primary" if n == score else None) for n in SCORES)
        if stage == ANSWERED_STAGE:
            buttons += (Button(WHY_ACTION, "why", value),)
    context = {"organisation": organisation, "stage": stage, "score": score,
               "comment": comment, "closes_at": campaign.closes_at, "tz": tz,
               "anonymity": campaign.anonymity}
    return Message(campaign.template, context, buttons=buttons, key=key)
