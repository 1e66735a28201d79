"""NPS pulses, the campaign's life: created (from app.yaml's recurrence, the command line or
an IT lead in chat), opened (a delivery per person and message, due at the campaign's send
time in each person's own zone, and those due at once handed to the outbox), closed (what was
not sent is dropped, and the results card goes to the leads' channel through the outbox).

The every-minute tick (`tick`, a claimed scheduled run) opens and closes campaigns and hands
the deliveries that fall due to the outbox (`bot.flows.pulses.delivery`). Answering is
`bot.flows.pulses.answers`'s, and the figures `bot.flows.pulses.results`'s.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Message
from bot.config import AppConfig, PulseAudience, PulseCampaignConfig, SurveyQuestion
from bot.flows.directory.people import Identity
from bot.flows.pulses.delivery import queue_due, queue_due_in
from bot.flows.pulses.results import campaign_results
from bot.flows.pulses.survey_results import survey_results
from bot.services import Services
from storage import pulse_deliveries as deliveries
from storage import pulse_tallies
from storage import pulses as store
from storage.models import Person
from storage.pulses import PulseCampaign
from storage.types import utcnow

log = logging.getLogger(__name__)

ENQUEUE_BATCH = 500
"""People per insert when a campaign opens."""
SEND_NOW = "now"
"""The stored send time of a pulse sent to everyone as it opens, not at a local time."""


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
    questions: tuple[SurveyQuestion, ...] = ()
    """A satisfaction survey's questions; none for the NPS pulse."""
    wording: dict[str, Any] | None = None
    """An NPS pulse's question and why-question from app.yaml (`PulseCampaignConfig.nps_wording`);
    None: the template's own."""


async def create_campaign(session: AsyncSession, app: AppConfig, spec: CampaignSpec,
                          created_by: int | None = None) -> PulseCampaign | None:
    """Store a scheduled campaign; None when the name is taken. The caller commits."""
    defaults = app.pulses
    created = await store.add_campaign(
        session, name=spec.name, definition=spec.definition,
        template=spec.template, audience=spec.audience.model_dump(mode="json"),
        anonymity=spec.anonymity, min_group=spec.min_group or defaults.min_group,
        reminders=list(spec.reminders if spec.reminders is not None else defaults.reminders),
        send_time=spec.send_time.strftime("%H:%M") if spec.send_time else SEND_NOW,
        opens_at=spec.opens_at,
        closes_at=spec.opens_at + timedelta(days=spec.open_days), status=store.SCHEDULED,
        created_by=created_by, created_at=utcnow(),
        questions=[q.model_dump(mode="json") for q in spec.questions] or None,
        wording=spec.wording)
    return await store.find_campaign(session, spec.name) if created else None


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


async def schedule(session: AsyncSession, campaign: PulseCampaign) -> int:
    """Write the campaign's deliveries: an invite and its reminders for each person in the
    audience who has not opted out, each due at their local send time before the close.
    Idempotent (the rows are unique); returns the rows this call added."""
    audience = PulseAudience.model_validate(campaign.audience)
    send_time = None if campaign.send_time == SEND_NOW else time.fromisoformat(
        campaign.send_time)
    rows: list[dict[str, Any]] = []
    for person in await store.audience_candidates(session):
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
        added += await deliveries.add(session, rows[start:start + ENQUEUE_BATCH])
    return added


async def open_campaign(session: AsyncSession, services: Services, campaign_id: int) -> bool:
    """Open the campaign if its time has come and nobody opened it yet: its deliveries are
    written and those due now handed to the outbox, in the caller's transaction (so a crash
    opens nothing, and with several replicas one of them opens it). True if this call did."""
    if not await store.take_opening(session, campaign_id, services.clock()):
        return False
    campaign = await session.get(PulseCampaign, campaign_id)
    assert campaign is not None
    scheduled = await schedule(session, campaign)
    queued = await queue_due_in(session, services, campaign_id)
    log.info("pulse %s opened: %d messages scheduled, %d sent now", campaign.name, scheduled,
             queued)
    return True


async def open_due_campaigns(services: Services) -> list[str]:
    """Open every scheduled campaign whose time has come, each in its own transaction;
    returns their names."""
    async with services.sessions() as session:
        due = await store.campaigns_to_open(session, services.clock())
        await session.commit()
    opened = []
    for campaign_id in due:
        async with services.sessions() as session:
            if await open_campaign(session, services, campaign_id):
                campaign = await session.get(PulseCampaign, campaign_id)
                assert campaign is not None
                opened.append(campaign.name)
            await session.commit()
    return opened


async def open_recurring(services: Services, scheduled_for: datetime, definition: str,
                         config: PulseCampaignConfig) -> None:
    """A recurrence of an app.yaml campaign: created (once, by its name) and opened now."""
    spec = CampaignSpec(
        name=f"{definition}-{scheduled_for.date().isoformat()}", opens_at=scheduled_for,
        open_days=config.open_days, audience=config.audience, anonymity=config.anonymity,
        send_time=config.send_time,
        reminders=tuple(config.reminders) if config.reminders is not None else None,
        min_group=config.min_group, template=config.template, definition=definition,
        questions=tuple(config.questions), wording=config.nps_wording)
    async with services.sessions() as session:
        await create_campaign(session, services.settings.app, spec)
        await session.commit()
    await open_due_campaigns(services)


# --------------------------------------------------------------------------- closing


async def close_due_campaigns(services: Services) -> None:
    """Close every open campaign past its close time: what was not sent is dropped, in the
    outbox too (the state change is the claim: one replica closes). Then hand every results
    card not out yet to the outbox."""
    now = services.clock()
    async with services.sessions() as session:
        due = await store.campaigns_to_close(session, now)
        await session.commit()
    for campaign_id in due:
        async with services.sessions() as session:
            if await store.take_closing(session, campaign_id, now):
                campaign = await session.get(PulseCampaign, campaign_id)
                assert campaign is not None
                await pulse_tallies.keep(session, campaign)
                await deliveries.close(session, campaign_id, "closed")
                await services.outbox.cancel(session, deliveries.campaign_prefix(campaign_id),
                                             "closed")
            await session.commit()
    await post_due_results(services)


async def post_due_results(services: Services) -> None:
    """Post the results card of every closed campaign whose card is not out yet: recorded in
    the outbox in the transaction that marks it posted, so it goes out once."""
    app = services.settings.app
    async with services.sessions() as session:
        due = await store.campaigns_with_results_due(session)
        await session.commit()
    for campaign_id in due:
        async with services.sessions() as session:
            if await store.take_results(session, campaign_id, services.clock()):
                await services.outbox.post(
                    session, app.channels.digests,
                    await results_message(session, app, campaign_id,
                                          app.organisation.timezone),
                    key=f"{deliveries.campaign_prefix(campaign_id)}results")
            await session.commit()


async def results_message(session: AsyncSession, app: AppConfig, campaign_id: int, tz: str,
                          *, by: list[str] | None = None, reader_is_admin: bool = False,
                          with_comments: bool = False) -> Message:
    """The results card of a pulse or a survey, broken down by `by` (every segment if None);
    comments and words given only for a lead who asks."""
    campaign = await session.get(PulseCampaign, campaign_id)
    assert campaign is not None
    segments = sorted(app.segments) if by is None else by
    if campaign.is_survey:
        survey = await survey_results(session, campaign_id, by=segments,
                                      target_points=app.pulses.target_points,
                                      with_texts=with_comments)
        return Message("pulses/survey_results", survey.context(tz),
                       sections=("text", "segments", "texts") if with_comments
                       else ("text", "segments"))
    results = await campaign_results(session, campaign_id, by=segments,
                                     reader_is_admin=reader_is_admin,
                                     with_comments=with_comments)
    return Message("pulses/results", results.context(tz),
                   sections=("text", "segments", "comments") if with_comments
                   else ("text", "segments"))


async def tick(services: Services, _scheduled_for: datetime) -> None:
    """The scheduled pulse housekeeping: open, send what fell due, close, and count the
    deliveries for /metrics."""
    await open_due_campaigns(services)
    await queue_due(services)
    await close_due_campaigns(services)
    await count_deliveries(services)


async def count_deliveries(services: Services) -> None:
    async with services.sessions() as session:
        counts = await deliveries.counts(session)
        answers = await deliveries.answered_count(session)
        await session.commit()
    gauge = services.metrics.pulse_outbox
    for kind in (store.INVITE, "reminder"):
        for status in (store.PENDING, store.CLAIMED, store.SENT, store.FAILED, store.SKIPPED,
                       store.CANCELLED):
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
